#pragma once

#include "daiban/db/redis_pool.hpp"
#include "daiban/intake/open311.hpp"

namespace daiban::intake {

// Submissions per api_key counted in Redis over one-minute windows (shared by every intake
// instance), like the case look-up guess limiter.
class RedisOpen311Limiter final : public open311::SubmissionLimiter {
 public:
  RedisOpen311Limiter(db::RedisPool& redis, int per_minute)
      : redis_(redis), per_minute_(per_minute) {}
  std::optional<std::chrono::seconds> Admit(std::int64_t key_id) override;

 private:
  db::RedisPool& redis_;
  int per_minute_;
};

}  // namespace daiban::intake
