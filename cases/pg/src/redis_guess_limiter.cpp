#include "daiban/cases/pg/redis_guess_limiter.hpp"

namespace daiban::cases {

namespace {

std::string RedisKey(const std::string& address) {
  return "ratelimit:{case-lookup}:address:" + address;
}

}  // namespace

bool RedisGuessLimiter::Blocked(const std::string& address) {
  auto count = redis_.Command({"GET", RedisKey(address)});
  return !count.IsNil() && std::stoll(count.text) >= max_failures_;
}

void RedisGuessLimiter::RecordFailure(const std::string& address) {
  auto count = redis_.Command({"INCR", RedisKey(address)}, false);
  if (count.integer == 1) {
    redis_.Command({"EXPIRE", RedisKey(address), std::to_string(window_.count())});
  }
}

}  // namespace daiban::cases
