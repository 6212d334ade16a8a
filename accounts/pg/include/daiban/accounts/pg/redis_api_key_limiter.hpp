#pragma once

#include "daiban/accounts/api_keys.hpp"
#include "daiban/db/redis_pool.hpp"

namespace daiban::accounts {

// Submissions per api_key counted in Redis over one-minute windows (shared by every intake
// instance), like the failed sign-in counters of RedisAuthState.
class RedisApiKeyLimiter final : public ApiKeyLimiter {
 public:
  RedisApiKeyLimiter(db::RedisPool& redis, int per_minute)
      : redis_(redis), per_minute_(per_minute) {}
  std::optional<std::chrono::seconds> Admit(std::int64_t key_id) override;

 private:
  db::RedisPool& redis_;
  int per_minute_;
};

}  // namespace daiban::accounts
