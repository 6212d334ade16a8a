#include "daiban/db/redis_pool.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <stdexcept>
#include <tuple>

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

std::vector<std::pair<std::string, std::uint16_t>> ParseSentinels(const std::string& list) {
  std::vector<std::pair<std::string, std::uint16_t>> sentinels;
  std::size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string entry = list.substr(start, end - start);
    std::size_t colon = entry.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size() ||
        entry.size() - colon - 1 > 5 ||
        entry.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      throw std::invalid_argument("expected host:port, got '" + entry + "'");
    }
    long port = std::stol(entry.substr(colon + 1));
    if (port < 1 || port > 65535)
      throw std::invalid_argument("port out of range in '" + entry + "'");
    sentinels.emplace_back(entry.substr(0, colon), static_cast<std::uint16_t>(port));
    start = end + 1;
  }
  return sentinels;
}

RedisPool::ContextPtr RedisPool::ConnectTo(const std::string& host, std::uint16_t port) const {
  timeval timeout = ToTimeval(options_.timeout);
  ContextPtr context(redisConnectWithTimeout(host.c_str(), port, timeout));
  if (!context) throw DependencyUnavailable("redis", "cannot allocate a context");
  if (context->err != 0) throw DependencyUnavailable("redis", context->errstr);
  // Without this, a read on a frozen Redis blocks forever.
  redisSetTimeout(context.get(), timeout);
  return context;
}

// The first Sentinel that answers names the primary; ROLE on the node then confirms it.
std::pair<std::string, std::uint16_t> RedisPool::AskSentinels() const {
  std::string last_error = "no Sentinel answered";
  for (const auto& [host, port] : options_.sentinels) {
    try {
      ContextPtr sentinel = ConnectTo(host, port);
      auto* reply = static_cast<redisReply*>(redisCommand(
          sentinel.get(), "SENTINEL get-master-addr-by-name %s", options_.master_name.c_str()));
      if (reply == nullptr) {
        last_error = sentinel->errstr;
        continue;
      }
      RedisValue value = Convert(reply);
      freeReplyObject(reply);
      if (value.kind == RedisValue::Kind::kArray && value.elements.size() == 2) {
        long primary_port = std::stol(value.elements[1].text);
        return {value.elements[0].text, static_cast<std::uint16_t>(primary_port)};
      }
      last_error = "Sentinel knows no primary named " + options_.master_name;
    } catch (const DependencyUnavailable& error) {
      last_error = error.Detail();
    } catch (const std::logic_error&) {
      last_error = "Sentinel gave a malformed port";
    }
  }
  throw DependencyUnavailable("redis", last_error);
}

RedisPool::ContextPtr RedisPool::Connect() {
  std::string host = options_.host;
  std::uint16_t port = options_.port;
  if (!options_.sentinels.empty()) std::tie(host, port) = AskSentinels();
  ContextPtr context = ConnectTo(host, port);
  if (!options_.sentinels.empty()) {
    auto* reply = static_cast<redisReply*>(redisCommand(context.get(), "ROLE"));
    bool primary = reply != nullptr && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
                   reply->element[0]->type == REDIS_REPLY_STRING &&
                   std::string(reply->element[0]->str, reply->element[0]->len) == "master";
    if (reply != nullptr) freeReplyObject(reply);
    if (!primary)
      throw DependencyUnavailable("redis", "the node the Sentinels name is no primary yet");
    std::string address = host + ":" + std::to_string(port);
    std::lock_guard lock(mutex_);
    if (!primary_.empty() && primary_ != address) ++primary_changes_;
    primary_ = address;
  }
  if (options_.database != 0) {
    auto* reply =
        static_cast<redisReply*>(redisCommand(context.get(), "SELECT %d", options_.database));
    bool selected = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
    if (!selected) throw DependencyUnavailable("redis", "cannot select database");
  }
  return context;
}

void RedisPool::DropAll() {
  std::lock_guard lock(mutex_);
  ++reconnects_;
  idle_.clear();
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
      // A restart or CLIENT KILL breaks every idle context alike: drop them all, so the
      // retry and the requests after it connect afresh instead of finding the next corpse.
      DropAll();
      if (attempt == 0 && idempotent) continue;
      throw DependencyUnavailable("redis", detail);
    }
    RedisValue value = Convert(reply);
    freeReplyObject(reply);
    if (value.kind == RedisValue::Kind::kError && value.text.rfind("READONLY", 0) == 0) {
      // The node was demoted (a failover): the command was refused, not applied.
      give_back(nullptr);
      DropAll();
      if (attempt == 0) continue;
      throw DependencyUnavailable("redis", value.text);
    }
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
