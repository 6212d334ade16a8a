#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/device_auth.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/db/redis_pool.hpp"

// The accounts context's stores: users, sessions and the phones' refresh tokens in PostgreSQL;
// the session cache and the failed sign-in counters in Redis.
namespace daiban::accounts {

class PgAccountStore final : public AccountStore {
 public:
  explicit PgAccountStore(db::PgPool& pool);
  std::int64_t AddUser(const NewUser& user, const std::string& password_hash) override;
  std::optional<StoredUser> FindByPhone(const std::string& phone) override;
  void CreateSession(const std::string& token_hash, std::int64_t user_id,
                     const std::string& device_id, kernel::Instant expires_at) override;
  std::optional<Principal> FindSession(const std::string& token_hash, kernel::Instant now) override;
  bool RevokeSession(const std::string& token_hash, kernel::Instant now) override;

 private:
  db::PgPool& pool_;
};

class PgDeviceTokenStore final : public DeviceTokenStore {
 public:
  explicit PgDeviceTokenStore(db::PgPool& pool) : pool_(pool) {}
  void StoreRefresh(const std::string& token_hash, std::int64_t user_id,
                    const std::string& device_id, kernel::Instant created_at,
                    kernel::Instant expires_at) override;
  Spent SpendRefresh(const std::string& token_hash, const std::string& device_id,
                     kernel::Instant now) override;
  Revoked RevokeDevice(std::int64_t user_id, const std::string& device_id, kernel::Instant now,
                       const kernel::StaffScope& scope) override;

 private:
  db::PgPool& pool_;
};

// Sessions vouched for under "auth:session:<hash>"; failed sign-ins counted under
// "ratelimit:{login}:<key>".
class RedisAuthState final : public SessionCache, public FailureCounter {
 public:
  explicit RedisAuthState(db::RedisPool& redis) : redis_(redis) {}
  std::optional<Principal> Get(const std::string& token_hash) override;
  void Put(const std::string& token_hash, const Principal& principal,
           std::chrono::seconds ttl) override;
  void Forget(const std::string& token_hash) override;
  std::int64_t Count(const std::string& key) override;
  void Add(const std::string& key, std::chrono::seconds window) override;
  void Clear(const std::string& key) override;

 private:
  db::RedisPool& redis_;
};

}  // namespace daiban::accounts
