#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/config.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/kernel/vocabulary.hpp"

// Staff accounts, sessions and bearer tokens: the one auth module every service uses
// (DESIGN.md, Security).
namespace daiban::accounts {

// An account's role: one of the platform's staff roles (kernel::IsStaff).
using kernel::Role;
using kernel::ToWord;

// Who is calling, as a session resolves it.
struct Principal {
  std::int64_t user_id = 0;
  Role role = Role::kWindow;
  std::string name;
  std::string phone;
  std::string region_code;      // empty: not scoped to a region
  std::string department_code;  // empty: not scoped to a department
};

struct NewUser {
  Role role = Role::kWindow;
  std::string name;
  std::string phone;
  std::string password;
  std::string region_code;
  std::string department_code;
};

struct StoredUser {
  Principal principal;
  std::string password_hash;
  bool active = true;
};

// Storage of users and sessions. Implementations: PgAccountStore (accounts/pg).
class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Throws ApiError 409 when the phone is taken, 422 for an unknown region or department.
  virtual std::int64_t AddUser(const NewUser& user, const std::string& password_hash) = 0;
  virtual std::optional<StoredUser> FindByPhone(const std::string& phone) = 0;
  virtual void CreateSession(const std::string& token_hash, std::int64_t user_id,
                             const std::string& device_id, kernel::Instant expires_at) = 0;
  // The principal of a live session (not expired at `now`, not revoked, user active).
  virtual std::optional<Principal> FindSession(const std::string& token_hash,
                                               kernel::Instant now) = 0;
  virtual bool RevokeSession(const std::string& token_hash, kernel::Instant now) = 0;
};

// Failed sign-ins per key ("phone:…", "address:…") over a window. Implementations:
// RedisAuthState (accounts/pg).
class FailureCounter {
 public:
  virtual ~FailureCounter() = default;
  virtual std::int64_t Count(const std::string& key) = 0;
  // Counts one more; the count lapses `window` after the first failure.
  virtual void Add(const std::string& key, std::chrono::seconds window) = 0;
  virtual void Clear(const std::string& key) = 0;
};

// Principals vouched for by a short-lived cache in front of the sessions table, by token hash.
// Implementations: RedisAuthState (accounts/pg).
class SessionCache {
 public:
  virtual ~SessionCache() = default;
  virtual std::optional<Principal> Get(const std::string& token_hash) = 0;
  virtual void Put(const std::string& token_hash, const Principal& principal,
                   std::chrono::seconds ttl) = 0;
  virtual void Forget(const std::string& token_hash) = 0;
};

// Argon2id (libsodium's crypto_pwhash_str, interactive limits).
std::string HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);
// SHA-256 of a bearer token, hex: what the sessions table stores.
std::string TokenHash(const std::string& token);

struct AuthOptions {
  std::chrono::seconds session_ttl{12 * 3600};
  std::chrono::seconds cache_ttl{60};  // how long Redis may vouch for a session
  int max_failures_per_phone = 5;
  int max_failures_per_address = 20;
  std::chrono::seconds failure_window{15 * 60};
};

// DAIBAN_SESSION_TTL_S, DAIBAN_LOGIN_MAX_FAILURES_PER_PHONE, _PER_ADDRESS,
// DAIBAN_LOGIN_FAILURE_WINDOW_S (see README.md).
AuthOptions LoadAuthOptions(const kernel::Env& env);

struct LoginResult {
  std::string token;
  kernel::Instant expires_at;
  Principal principal;
};

// Login, logout and bearer-token checks. Failed logins are counted in Redis per phone and per
// client address; past the limit the answer is 429 until the window passes. A wrong password
// and an unknown phone answer the same 401 after the same amount of hashing work.
class AuthService {
 public:
  AuthService(AccountStore& accounts, SessionCache& sessions, FailureCounter& failures,
              const kernel::Clock& clock, kernel::IdGenerator& ids, AuthOptions options = {});

  // `ttl` overrides the session lifetime (phones get short-lived access tokens).
  LoginResult Login(const std::string& phone, const std::string& password,
                    const std::string& client_address, const std::string& device_id = {},
                    std::optional<std::chrono::seconds> ttl = std::nullopt);
  // A new session for an already authenticated user (a phone refreshing its access token).
  LoginResult IssueSession(const Principal& principal, const std::string& device_id,
                           std::chrono::seconds ttl);
  // Forgets Redis's cached vouching for these sessions (after they were revoked).
  void ForgetCachedSessions(const std::vector<std::string>& token_hashes);
  void Logout(const std::string& token);
  // The caller of `request` by its `Authorization: Bearer` token; ApiError 401 otherwise.
  Principal Authenticate(const kernel::HttpRequest& request);
  std::optional<Principal> Resolve(const std::string& token);
  // Validates and stores a new staff account; returns its id.
  std::int64_t AddUser(const NewUser& user);

 private:
  void CountFailure(const std::string& phone, const std::string& address);
  bool OverLimit(const std::string& key, int limit);

  AccountStore& accounts_;
  SessionCache& sessions_;
  FailureCounter& failures_;
  const kernel::Clock& clock_;
  kernel::IdGenerator& ids_;
  AuthOptions options_;
  std::string dummy_hash_;  // verified against when the phone is unknown
};

// The public shape of an account (auth answers and the phones' /me).
kernel::Json PrincipalJson(const Principal& principal);

}  // namespace daiban::accounts
