#pragma once

#include <chrono>
#include <string>

#include "daiban/cases/case_store.hpp"
#include "daiban/db/redis_pool.hpp"

namespace daiban::cases {

// Failed case look-ups per client address, counted in Redis over a window.
class RedisGuessLimiter final : public cases::GuessLimiter {
 public:
  RedisGuessLimiter(db::RedisPool& redis, int max_failures, std::chrono::seconds window)
      : redis_(redis), max_failures_(max_failures), window_(window) {}
  bool Blocked(const std::string& address) override;
  void RecordFailure(const std::string& address) override;

 private:
  db::RedisPool& redis_;
  int max_failures_;
  std::chrono::seconds window_;
};

}  // namespace daiban::cases
