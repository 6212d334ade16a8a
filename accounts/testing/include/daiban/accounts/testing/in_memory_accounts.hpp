#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/device_auth.hpp"
#include "daiban/kernel/clock.hpp"

namespace daiban::accounts::testing {

// Accounts and sessions in memory, for unit tests of the accounts' use cases (no database). It
// keeps AccountStore's contract as PgAccountStore does
// (account_store_contract.hpp): a phone is taken once (409), a region or department must
// exist (422, as the users table's keys refuse them), a session resolves until it expires or is
// revoked.
class InMemoryAccountStore final : public AccountStore {
 public:
  // The codes an account may be scoped to (the regions and departments tables).
  void AddRegion(const std::string& code);
  void AddDepartment(const std::string& code);
  // Deactivates an account, as an administrator does: its sessions stop resolving.
  void Deactivate(std::int64_t user_id);

  std::int64_t AddUser(const NewUser& user, const std::string& password_hash) override;
  std::optional<StoredUser> FindByPhone(const std::string& phone) override;
  void CreateSession(const std::string& token_hash, std::int64_t user_id,
                     const std::string& device_id, kernel::Instant expires_at) override;
  std::optional<Principal> FindSession(const std::string& token_hash, kernel::Instant now) override;
  bool RevokeSession(const std::string& token_hash, kernel::Instant now) override;

  // For InMemoryDeviceTokenStore, which keeps the phones' tokens beside these accounts as
  // the refresh_tokens table sits beside users and sessions: an account by its id, and the
  // revocation of every live session of a user's device (their token hashes).
  std::optional<StoredUser> FindById(std::int64_t user_id);
  std::vector<std::string> RevokeDeviceSessions(std::int64_t user_id, const std::string& device_id);

 private:
  struct Session {
    std::int64_t user_id = 0;
    std::string device_id;
    kernel::Instant expires_at{};
    bool revoked = false;
  };

  mutable std::mutex mutex_;
  std::set<std::string> regions_;
  std::set<std::string> departments_;
  std::map<std::string, StoredUser> users_;  // by phone
  std::map<std::string, Session> sessions_;  // by token hash
};

// The phones' refresh tokens in memory, for unit tests of the device sign-in (no database). It
// keeps DeviceTokenStore's contract as PgDeviceTokenStore does
// (device_token_store_contract.hpp): a token is spent once, for an active user, on its
// device, before it expires; spent again, its device's chain (sessions and tokens) is revoked.
// A scope reaches a phone user when `in_scope` says so: by default only everything does, since
// the agents' and couriers' regions are dispatch's and tracking's, not the accounts'.
class InMemoryDeviceTokenStore final : public DeviceTokenStore {
 public:
  using ScopeRule = std::function<bool(std::int64_t user_id, const kernel::StaffScope& scope)>;
  explicit InMemoryDeviceTokenStore(
      InMemoryAccountStore& accounts,
      ScopeRule in_scope = [](std::int64_t,
                              const kernel::StaffScope& scope) { return scope.everything; })
      : accounts_(accounts), in_scope_(std::move(in_scope)) {}

  void StoreRefresh(const std::string& token_hash, std::int64_t user_id,
                    const std::string& device_id, kernel::Instant created_at,
                    kernel::Instant expires_at) override;
  Spent SpendRefresh(const std::string& token_hash, const std::string& device_id,
                     kernel::Instant now) override;
  Revoked RevokeDevice(std::int64_t user_id, const std::string& device_id, kernel::Instant now,
                       const kernel::StaffScope& scope) override;

 private:
  struct Token {
    std::int64_t user_id = 0;
    std::string device_id;
    kernel::Instant expires_at{};
    bool revoked = false;
    bool spent = false;
  };
  Revoked RevokeChain(std::int64_t user_id, const std::string& device_id);

  InMemoryAccountStore& accounts_;
  ScopeRule in_scope_;
  std::mutex mutex_;
  std::map<std::string, Token> tokens_;  // by token hash
};

// The session cache and the failed sign-in counters in memory, as RedisAuthState keeps them in
// Redis: a count lapses `window` after its first failure on `clock`; a cached principal stays
// until forgotten (a test advances past its ttl by forgetting it, as Redis's expiry would).
class InMemoryAuthState final : public SessionCache, public FailureCounter {
 public:
  explicit InMemoryAuthState(const kernel::Clock& clock) : clock_(clock) {}

  std::optional<Principal> Get(const std::string& token_hash) override;
  void Put(const std::string& token_hash, const Principal& principal,
           std::chrono::seconds ttl) override;
  void Forget(const std::string& token_hash) override;

  std::int64_t Count(const std::string& key) override;
  void Add(const std::string& key, std::chrono::seconds window) override;
  void Clear(const std::string& key) override;

 private:
  struct Failures {
    std::int64_t count = 0;
    kernel::Instant lapses_at{};
  };

  const kernel::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Principal> sessions_;
  std::map<std::string, Failures> failures_;
};

}  // namespace daiban::accounts::testing
