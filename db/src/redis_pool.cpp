#include "daiban/db/redis_pool.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "daiban/kernel/errors.hpp"

namespace daiban::db {

namespace {

using kernel::DependencyUnavailable;

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

RedisValue Convert(const redisReply* reply) {
  RedisValue value;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      value.kind = RedisValue::Kind::kString;
      value.text.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      value.kind = RedisValue::Kind::kStatus;
      value.text.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ERROR:
      value.kind = RedisValue::Kind::kError;
      value.text.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_INTEGER:
      value.kind = RedisValue::Kind::kInteger;
      value.integer = reply->integer;
      break;
    case REDIS_REPLY_ARRAY:
      value.kind = RedisValue::Kind::kArray;
      for (std::size_t i = 0; i < reply->elements; ++i) {
        value.elements.push_back(Convert(reply->element[i]));
      }
      break;
    default:
      value.kind = RedisValue::Kind::kNil;
  }
  return value;
}

}  // namespace

void RedisPool::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

RedisPool::RedisPool(RedisOptions options) : options_(std::move(options)) {}

RedisPool::~RedisPool() = default;

RedisPool::ContextPtr RedisPool::Connect() const {
  timeval timeout = ToTimeval(options_.timeout);
  ContextPtr context(redisConnectWithTimeout(options_.host.c_str(), options_.port, timeout));
  if (!context) throw DependencyUnavailable("redis", "cannot allocate a context");
  if (context->err != 0) throw DependencyUnavailable("redis", context->errstr);
  // Without this, a read on a frozen Redis blocks forever.
  redisSetTimeout(context.get(), timeout);
  if (options_.database != 0) {
    auto* reply =
        static_cast<redisReply*>(redisCommand(context.get(), "SELECT %d", options_.database));
    bool selected = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
    if (!selected) throw DependencyUnavailable("redis", "cannot select database");
  }
  return context;
}

RedisValue RedisPool::Command(const std::vector<std::string>& argv, bool idempotent) {
  std::vector<const char*> args;
  std::vector<std::size_t> lengths;
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  for (int attempt = 0;; ++attempt) {
    ContextPtr context;
    {
      std::unique_lock lock(mutex_);
      if (!released_.wait_for(lock, options_.acquire_timeout,
                              [this] { return leased_ < options_.pool_size; })) {
        ++acquire_timeouts_;
        throw DependencyUnavailable("redis", "no free connection in time");
      }
      ++leased_;
      if (!idle_.empty()) {
        context = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    auto give_back = [this](ContextPtr ctx) {
      {
        std::lock_guard lock(mutex_);
        --leased_;
        if (ctx) idle_.push_back(std::move(ctx));
      }
      released_.notify_one();
    };
    try {
      if (!context) context = Connect();
    } catch (...) {
      give_back(nullptr);
      throw;
    }
    auto* reply = static_cast<redisReply*>(redisCommandArgv(
        context.get(), static_cast<int>(args.size()), args.data(), lengths.data()));
    if (reply == nullptr || context->err != 0) {
      // A context broken by a Redis restart stays broken: drop it and reconnect.
      std::string detail = context->errstr;
      if (reply != nullptr) freeReplyObject(reply);
      give_back(nullptr);
      {
        // A restart or CLIENT KILL breaks every idle context alike: drop them all, so the
        // retry and the requests after it connect afresh instead of finding the next corpse.
        std::lock_guard lock(mutex_);
        ++reconnects_;
        idle_.clear();
      }
      if (attempt == 0 && idempotent) continue;
      throw DependencyUnavailable("redis", detail);
    }
    RedisValue value = Convert(reply);
    freeReplyObject(reply);
    give_back(std::move(context));
    return value;
  }
}

void RedisPool::Ping() {
  RedisValue pong = Command({"PING"});
  if (pong.kind != RedisValue::Kind::kStatus || pong.text != "PONG") {
    throw DependencyUnavailable("redis", "unexpected PING reply: " + pong.text);
  }
}

void RedisPool::ReportTo(kernel::Metrics::Writer& writer) const {
  std::lock_guard lock(mutex_);
  writer.Gauge("daiban_redis_pool_size", "Configured Redis connections",
               static_cast<double>(options_.pool_size));
  writer.Gauge("daiban_redis_pool_in_use", "Redis connections leased",
               static_cast<double>(leased_));
  writer.Counter("daiban_redis_reconnects_total", "Redis connections found broken",
                 static_cast<double>(reconnects_));
  writer.Counter("daiban_redis_acquire_timeouts_total", "Acquisitions that gave up",
                 static_cast<double>(acquire_timeouts_));
}

}  // namespace daiban::db
