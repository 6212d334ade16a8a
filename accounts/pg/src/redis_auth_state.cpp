#include <string>

#include "daiban/accounts/pg/pg_account_store.hpp"

namespace daiban::accounts {

namespace {

std::string SessionKey(const std::string& token_hash) { return "auth:session:" + token_hash; }
std::string FailureKey(const std::string& key) { return "ratelimit:{login}:" + key; }

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
  auto role = kernel::ParseStaffRole(json.value("role", ""));
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

std::optional<Principal> RedisAuthState::Get(const std::string& token_hash) {
  auto cached = redis_.Command({"GET", SessionKey(token_hash)});
  if (cached.kind != db::RedisValue::Kind::kString) return std::nullopt;
  return FromCache(cached.text);
}

void RedisAuthState::Put(const std::string& token_hash, const Principal& principal,
                         std::chrono::seconds ttl) {
  redis_.Command({"SET", SessionKey(token_hash), kernel::DumpJson(ToCache(principal)), "EX",
                  std::to_string(ttl.count())});
}

void RedisAuthState::Forget(const std::string& token_hash) {
  redis_.Command({"DEL", SessionKey(token_hash)});
}

std::int64_t RedisAuthState::Count(const std::string& key) {
  auto count = redis_.Command({"GET", FailureKey(key)});
  return count.IsNil() ? 0 : std::stoll(count.text);
}

void RedisAuthState::Add(const std::string& key, std::chrono::seconds window) {
  // INCR is not idempotent: never retried on a broken connection.
  auto count = redis_.Command({"INCR", FailureKey(key)}, false);
  if (count.integer == 1) {
    redis_.Command({"EXPIRE", FailureKey(key), std::to_string(window.count())});
  }
}

void RedisAuthState::Clear(const std::string& key) { redis_.Command({"DEL", FailureKey(key)}); }

}  // namespace daiban::accounts
