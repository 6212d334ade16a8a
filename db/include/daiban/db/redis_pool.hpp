#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daiban/kernel/metrics.hpp"

struct redisContext;
struct redisReply;

namespace daiban::db {

struct RedisOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::size_t pool_size = 4;
  std::chrono::milliseconds timeout{1000};  // connect, read and write
  std::chrono::milliseconds acquire_timeout{1000};
  // The logical database (SELECT); tests use their own so running services never see them.
  int database = 0;
  // When set, host and port are ignored: the primary is whichever node the Sentinels name for
  // `master_name`, asked again at every new connection, so the pool follows a failover.
  std::vector<std::pair<std::string, std::uint16_t>> sentinels;
  std::string master_name = "daiban";
};

// "host:port,host:port" (DAIBAN_REDIS_SENTINELS) as a list; throws std::invalid_argument.
std::vector<std::pair<std::string, std::uint16_t>> ParseSentinels(const std::string& list);

// A Redis reply reduced to what callers use, owning no hiredis memory.
struct RedisValue {
  enum class Kind { kNil, kString, kInteger, kArray, kStatus, kError };
  Kind kind = Kind::kNil;
  std::string text;  // string, status or error
  long long integer = 0;
  std::vector<RedisValue> elements;

  bool IsNil() const { return kind == Kind::kNil; }
};

// A fixed-size pool of hiredis contexts (a context is not thread-safe: one per lease).
// Every command gets the configured timeouts; a context broken by a Redis restart is
// reconnected and the command retried once. Failures surface as
// kernel::DependencyUnavailable ("redis"); a Redis error reply is returned as kError.
//
// With Sentinels configured, a new connection goes to the node they name as primary, checked
// with ROLE (a Sentinel may not have seen the failover yet). A node that answers READONLY was
// demoted under us: every context is dropped and the command retried once on the new primary
// (it was refused, so even a non-idempotent command is safe to send again).
class RedisPool {
 public:
  explicit RedisPool(RedisOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Runs one command. When the connection turns out broken, a command that is safe to repeat
  // is retried once on a new connection; pass idempotent = false for one that is not (INCR):
  // its reply may have been lost after Redis applied it.
  RedisValue Command(const std::vector<std::string>& argv, bool idempotent = true);
  void Ping();  // throws DependencyUnavailable
  void ReportTo(kernel::Metrics::Writer& writer) const;
  // How many times this pool found the primary at another address than before (Sentinel
  // failovers it saw). The outbox relay republishes recent events when it moves.
  std::uint64_t PrimaryChanges() const { return primary_changes_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
  ContextPtr Connect();
  ContextPtr ConnectTo(const std::string& host, std::uint16_t port) const;
  std::pair<std::string, std::uint16_t> AskSentinels() const;
  void DropAll();

  RedisOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<ContextPtr> idle_;
  std::size_t leased_ = 0;
  std::uint64_t reconnects_ = 0;
  std::uint64_t acquire_timeouts_ = 0;
  std::string primary_;  // "host:port" last connected to, under mutex_
  std::atomic<std::uint64_t> primary_changes_{0};
};

}  // namespace daiban::db
