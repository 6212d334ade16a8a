#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "daiban/accounts/auth.hpp"
#include "daiban/kernel/clock.hpp"

namespace daiban::accounts::testing {

// Accounts and sessions in memory, for unit tests of the accounts' use cases (no database). It
// keeps AccountRepository's contract as PgAccountRepository does
// (account_repository_contract.hpp): a phone is taken once (409), a region or department must
// exist (422, as the users table's keys refuse them), a session resolves until it expires or is
// revoked.
class InMemoryAccountRepository final : public AccountRepository {
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

 private:
  struct Session {
    std::int64_t user_id = 0;
    kernel::Instant expires_at{};
    bool revoked = false;
  };

  mutable std::mutex mutex_;
  std::set<std::string> regions_;
  std::set<std::string> departments_;
  std::map<std::string, StoredUser> users_;  // by phone
  std::map<std::string, Session> sessions_;  // by token hash
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
