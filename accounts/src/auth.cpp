#include "daiban/accounts/auth.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/mask.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::accounts {

namespace {

void InitSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

}  // namespace

AuthOptions LoadAuthOptions(const kernel::Env& env) {
  AuthOptions options;
  options.session_ttl =
      std::chrono::seconds(env.Int("DAIBAN_SESSION_TTL_S", 12 * 3600, 60, 30 * 86400));
  options.max_failures_per_phone =
      static_cast<int>(env.Int("DAIBAN_LOGIN_MAX_FAILURES_PER_PHONE", 5, 1, 1000));
  options.max_failures_per_address =
      static_cast<int>(env.Int("DAIBAN_LOGIN_MAX_FAILURES_PER_ADDRESS", 20, 1, 100000));
  options.failure_window =
      std::chrono::seconds(env.Int("DAIBAN_LOGIN_FAILURE_WINDOW_S", 900, 1, 86400));
  return options;
}

std::string HashPassword(const std::string& password) {
  InitSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("out of memory while hashing a password");
  }
  return hash;
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  InitSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string TokenHash(const std::string& token) { return kernel::Sha256Hex(token); }

AuthService::AuthService(AccountStore& accounts, SessionCache& sessions, FailureCounter& failures,
                         const kernel::Clock& clock, kernel::IdGenerator& ids, AuthOptions options)
    : accounts_(accounts),
      sessions_(sessions),
      failures_(failures),
      clock_(clock),
      ids_(ids),
      options_(options),
      dummy_hash_(HashPassword(ids.HexId(16))) {}

bool AuthService::OverLimit(const std::string& key, int limit) {
  return failures_.Count(key) >= limit;
}

void AuthService::CountFailure(const std::string& phone, const std::string& address) {
  for (const std::string& key : {"phone:" + phone, "address:" + address}) {
    failures_.Add(key, options_.failure_window);
  }
}

LoginResult AuthService::Login(const std::string& phone, const std::string& password,
                               const std::string& client_address, const std::string& device_id,
                               std::optional<std::chrono::seconds> ttl) {
  if (OverLimit("phone:" + phone, options_.max_failures_per_phone) ||
      OverLimit("address:" + client_address, options_.max_failures_per_address)) {
    throw kernel::TooManyRequests("too many failed sign-ins, try again later");
  }
  auto user = kernel::IsMobilePhone(phone) ? accounts_.FindByPhone(phone) : std::nullopt;
  // The same hashing work whether or not the phone is known, so timing tells nothing.
  bool verified = VerifyPassword(user ? user->password_hash : dummy_hash_, password);
  if (!user || !verified || !user->active) {
    CountFailure(phone, client_address);
    throw kernel::Unauthorized("phone or password is wrong");
  }
  failures_.Clear("phone:" + phone);
  return IssueSession(user->principal, device_id, ttl.value_or(options_.session_ttl));
}

LoginResult AuthService::IssueSession(const Principal& principal, const std::string& device_id,
                                      std::chrono::seconds ttl) {
  LoginResult result;
  result.token = ids_.HexId(32);
  result.expires_at = clock_.Now() + ttl;
  result.principal = principal;
  accounts_.CreateSession(TokenHash(result.token), principal.user_id, device_id, result.expires_at);
  return result;
}

void AuthService::ForgetCachedSessions(const std::vector<std::string>& token_hashes) {
  for (const auto& hash : token_hashes) sessions_.Forget(hash);
}

std::optional<Principal> AuthService::Resolve(const std::string& token) {
  if (token.empty() || token.size() > 256) return std::nullopt;
  const std::string hash = TokenHash(token);
  if (auto cached = sessions_.Get(hash)) return cached;
  auto principal = accounts_.FindSession(hash, clock_.Now());
  if (principal) {
    sessions_.Put(hash, *principal, options_.cache_ttl);
  }
  return principal;
}

Principal AuthService::Authenticate(const kernel::HttpRequest& request) {
  auto header = request.Header("authorization");
  const std::string prefix = "Bearer ";
  if (!header || header->rfind(prefix, 0) != 0) {
    throw kernel::Unauthorized("a bearer token is required");
  }
  auto principal = Resolve(header->substr(prefix.size()));
  if (!principal) throw kernel::Unauthorized("the token is invalid or expired");
  return *principal;
}

void AuthService::Logout(const std::string& token) {
  const std::string hash = TokenHash(token);
  accounts_.RevokeSession(hash, clock_.Now());
  sessions_.Forget(hash);
}

std::int64_t AuthService::AddUser(const NewUser& user) {
  if (user.name.empty() || user.name.size() > 100) {
    throw kernel::Invalid("name", "name must be 1..100 bytes");
  }
  if (!kernel::IsMobilePhone(user.phone)) {
    throw kernel::Invalid("phone", "phone must be an 11-digit mobile number");
  }
  if (user.password.size() < 8 || user.password.size() > 200) {
    throw kernel::Invalid("password", "password must be 8..200 bytes");
  }
  if (user.role == Role::kSupervisor && user.region_code.empty() && user.department_code.empty()) {
    throw kernel::Invalid("region", "a supervisor is scoped to a region or a department");
  }
  return accounts_.AddUser(user, HashPassword(user.password));
}

kernel::Json PrincipalJson(const Principal& p) {
  kernel::Json json = {{"id", p.user_id},
                       {"role", ToWord(p.role)},
                       {"name", p.name},
                       {"phone", kernel::MaskPhone(p.phone)}};
  json["region_code"] = p.region_code.empty() ? kernel::Json(nullptr) : kernel::Json(p.region_code);
  json["department_code"] =
      p.department_code.empty() ? kernel::Json(nullptr) : kernel::Json(p.department_code);
  return json;
}

}  // namespace daiban::accounts
