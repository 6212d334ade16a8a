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

constexpr std::array<std::pair<Role, const char*>, 5> kRoles{{{Role::kWindow, "window"},
                                                              {Role::kSupervisor, "supervisor"},
                                                              {Role::kAdmin, "admin"},
                                                              {Role::kAgent, "agent"},
                                                              {Role::kCourier, "courier"}}};

void InitSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

std::string SessionCacheKey(const std::string& token_hash) { return "auth:session:" + token_hash; }

kernel::Json ToCache(const Principal& p) {
  return {{"user_id", p.user_id},
          {"role", ToWord(p.role)},
          {"name", p.name},
          {"phone", p.phone},
          {"region_code", p.region_code},
          {"department_code", p.department_code}};
}

std::optional<Principal> FromCache(const std::string& text) {
  auto json = kernel::Json::parse(text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  auto role = ParseRole(json.value("role", ""));
  if (!role) return std::nullopt;
  Principal p;
  p.user_id = json.value("user_id", std::int64_t{0});
  p.role = *role;
  p.name = json.value("name", "");
  p.phone = json.value("phone", "");
  p.region_code = json.value("region_code", "");
  p.department_code = json.value("department_code", "");
  return p;
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

std::string ToWord(Role role) {
  for (const auto& [candidate, word] : kRoles) {
    if (candidate == role) return word;
  }
  return {};
}

std::optional<Role> ParseRole(std::string_view word) {
  for (const auto& [candidate, text] : kRoles) {
    if (word == text) return candidate;
  }
  return std::nullopt;
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

AuthService::AuthService(AccountRepository& accounts, db::RedisPool& redis,
                         const kernel::Clock& clock, kernel::IdGenerator& ids, AuthOptions options)
    : accounts_(accounts),
      redis_(redis),
      clock_(clock),
      ids_(ids),
      options_(options),
      dummy_hash_(HashPassword(ids.HexId(16))) {}

bool AuthService::OverLimit(const std::string& key, int limit) {
  auto count = redis_.Command({"GET", key});
  return !count.IsNil() && std::stoll(count.text) >= limit;
}

void AuthService::CountFailure(const std::string& phone, const std::string& address) {
  const std::string window = std::to_string(options_.failure_window.count());
  for (const std::string& key :
       {"ratelimit:{login}:phone:" + phone, "ratelimit:{login}:address:" + address}) {
    // INCR is not idempotent: never retried on a broken connection.
    auto count = redis_.Command({"INCR", key}, false);
    if (count.integer == 1) redis_.Command({"EXPIRE", key, window});
  }
}

LoginResult AuthService::Login(const std::string& phone, const std::string& password,
                               const std::string& client_address, const std::string& device_id,
                               std::optional<std::chrono::seconds> ttl) {
  if (OverLimit("ratelimit:{login}:phone:" + phone, options_.max_failures_per_phone) ||
      OverLimit("ratelimit:{login}:address:" + client_address, options_.max_failures_per_address)) {
    throw kernel::TooManyRequests("too many failed sign-ins, try again later");
  }
  auto user = kernel::IsMobilePhone(phone) ? accounts_.FindByPhone(phone) : std::nullopt;
  // The same hashing work whether or not the phone is known, so timing tells nothing.
  bool verified = VerifyPassword(user ? user->password_hash : dummy_hash_, password);
  if (!user || !verified || !user->active) {
    CountFailure(phone, client_address);
    throw kernel::Unauthorized("phone or password is wrong");
  }
  redis_.Command({"DEL", "ratelimit:{login}:phone:" + phone});
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
  for (const auto& hash : token_hashes) redis_.Command({"DEL", SessionCacheKey(hash)});
}

std::optional<Principal> AuthService::Resolve(const std::string& token) {
  if (token.empty() || token.size() > 256) return std::nullopt;
  const std::string hash = TokenHash(token);
  auto cached = redis_.Command({"GET", SessionCacheKey(hash)});
  if (cached.kind == db::RedisValue::Kind::kString) {
    if (auto principal = FromCache(cached.text)) return principal;
  }
  auto principal = accounts_.FindSession(hash, clock_.Now());
  if (principal) {
    redis_.Command({"SET", SessionCacheKey(hash), kernel::DumpJson(ToCache(*principal)), "EX",
                    std::to_string(options_.cache_ttl.count())});
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
  redis_.Command({"DEL", SessionCacheKey(hash)});
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
