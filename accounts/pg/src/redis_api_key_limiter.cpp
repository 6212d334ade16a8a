#include "daiban/accounts/pg/redis_api_key_limiter.hpp"

#include <algorithm>
#include <string>

namespace daiban::accounts {

namespace {

constexpr long long kWindowSeconds = 60;

std::string RedisKey(std::int64_t key_id) {
  return "ratelimit:{open311-submit}:key:" + std::to_string(key_id);
}

}  // namespace

std::optional<std::chrono::seconds> RedisApiKeyLimiter::Admit(std::int64_t key_id) {
  const std::string key = RedisKey(key_id);
  // Retried on a connection broken by a Redis restart: counting one submission twice then is
  // harmless, refusing it with a 503 is not.
  auto count = redis_.Command({"INCR", key});
  if (count.integer == 1) redis_.Command({"EXPIRE", key, std::to_string(kWindowSeconds)});
  if (count.integer <= per_minute_) return std::nullopt;
  // A window whose EXPIRE was lost (a crash between the two commands) would never end.
  auto ttl = redis_.Command({"TTL", key});
  if (ttl.integer < 0) {
    redis_.Command({"EXPIRE", key, std::to_string(kWindowSeconds)});
    return std::chrono::seconds(kWindowSeconds);
  }
  return std::chrono::seconds(std::max<long long>(ttl.integer, 1));
}

}  // namespace daiban::accounts
