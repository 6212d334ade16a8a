#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/metrics.hpp"

namespace daiban::kernel {
class Logger;
}

namespace daiban::db {

namespace streams {
struct Entry;  // a raw stream entry, see src/stream_replies.hpp
}

struct StreamMessage {
  std::string id;              // the stream entry id; a re-published event gets a new one
  std::int64_t outbox_id = 0;  // the event's identity: the same on every delivery of it
  std::string type;            // outbox.event_type
  std::string aggregate;       // outbox.aggregate_id
  nlohmann::json payload;
  std::string at;  // outbox.created_at, RFC 3339 (empty if the entry lacks it)
};

// Reads one stream of events published by OutboxRelay through a consumer group (DESIGN.md §2:
// each service reads with its own consumer group and acknowledges after its own transaction).
//
// What a handler must do:
//  - Be idempotent on StreamMessage::outbox_id. The same event can arrive more than once: the
//    relay re-sends a batch that failed midway (new entry id, same outbox_id), and a message is
//    delivered again when its consumer died or its handler threw before the acknowledgement.
//    A handler that writes PostgreSQL records the outbox ids it handled in its own
//    transaction and skips an id it finds there (a table owned by the consuming library, e.g.
//    (group, outbox_id) primary key with INSERT ... ON CONFLICT DO NOTHING; none exists in the
//    migrations yet), or makes its write conditional so a repeat changes nothing (state and
//    version checks).
//  - Return only once its effects are committed: the message is acknowledged (XACK) right after
//    the handler returns and never again offered to this group.
//  - Throw to have the message retried. A kernel::DependencyUnavailable (its database is down)
//    stops the run: RunOnce rethrows it and every unacknowledged message stays pending, never
//    dead-lettered for an outage. Any other exception is logged and the run goes on with the
//    next message; the failed one is offered again at the next RunOnce, and after
//    `max_failures` failures seen by this consumer it is dead-lettered: copied to the stream
//    "<stream>:dead" (its fields plus source_id, group, consumer and error) and acknowledged,
//    so one poison event cannot block or loop forever. A malformed entry (no numeric
//    outbox_id, payload not JSON) is dead-lettered at once.
//  - Not rely on strict order across failures: a retried message is handled after messages that
//    followed it. Messages that succeed are handled in stream order.
//
// A stream or group that vanished (Redis flushed or restarted empty, the key deleted) is
// recreated by the next RunOnce (NOGROUP → EnsureGroup) and reading carries on; events that
// were in Redis then are gone, and the services rebuild live state from PostgreSQL.
//
// One thread per StreamConsumer. `consumer` names this process in the group and should be
// stable across restarts (e.g. the instance name), so a restarted process finds its own
// pending messages first; a name that never returns leaves its pending messages to be claimed
// by the others after `claim_idle`.
class StreamConsumer {
 public:
  using Handler = std::function<void(const StreamMessage&)>;

  struct Options {
    int count = 100;  // messages per read, for each of the three reads of a run
    // No blocking by default: the pool's read timeout is short, so callers poll. A value above
    // zero must stay well below RedisOptions::timeout.
    std::chrono::milliseconds block{0};
    // A message pending this long with another consumer is taken over (that consumer is
    // presumed dead). Longer than any handler runs.
    std::chrono::milliseconds claim_idle{30000};
    int max_failures = 5;
    std::size_t dead_letter_max_length = 10000;
    // Crash takeover in seconds rather than after claim_idle: every run refreshes a heartbeat
    // key of this consumer that expires after this long ("<stream>:alive:<group>:<consumer>");
    // a consumer of the group whose heartbeat expired is presumed dead, and its pending
    // messages older than this are claimed at once. (Redis 7.0's per-consumer idle time cannot
    // serve: an empty read does not reset it.) Zero turns both off. Must exceed `block` and the
    // longest handler by a good margin: a live consumer presumed dead has its messages handled
    // twice (harmless, handlers are idempotent, but wasted).
    std::chrono::milliseconds dead_consumer_idle{0};
    // The takeover checks (2) run at most this often; zero: at every run.
    std::chrono::milliseconds claim_every{0};
  };

  StreamConsumer(RedisPool& redis, std::string stream, std::string group, std::string consumer,
                 Handler handler, const kernel::Logger& logger, Options options);
  StreamConsumer(RedisPool& redis, std::string stream, std::string group, std::string consumer,
                 Handler handler, const kernel::Logger& logger)
      : StreamConsumer(redis, std::move(stream), std::move(group), std::move(consumer),
                       std::move(handler), logger, Options{}) {}
  StreamConsumer(const StreamConsumer&) = delete;
  StreamConsumer& operator=(const StreamConsumer&) = delete;

  // Creates the stream (if missing) and the group reading it from the start; an existing group
  // is kept as it is. Call at start; RunOnce also calls it when the group turns out missing.
  void EnsureGroup();

  // One round: (1) this consumer's own pending messages (left by a failed handler or a crash;
  // read at the first run and after a failure, since a run that handled everything leaves
  // none), (2) the pending messages of consumers presumed dead (dead_consumer_idle) and those
  // idle longer than claim_idle at any other consumer (XAUTOCLAIM), (3) new messages, waiting
  // up to `block` for them.
  // Returns how many messages handlers completed (and were acknowledged). Throws
  // kernel::DependencyUnavailable when Redis, or a handler's dependency, is unavailable.
  int RunOnce();

  // Refreshes this consumer's heartbeat (RunOnce does, at most every dead_consumer_idle / 3).
  void Heartbeat();

  // Whether a handler failed in the last run (its message stays pending and is read again at
  // the next one): a caller looping on RunOnce pauses before that retry.
  bool LastRunFailed() const { return last_run_failed_; }

  const std::string& Stream() const { return stream_; }
  const std::string& Group() const { return group_; }
  std::string DeadLetterStream() const { return stream_ + ":dead"; }

  void ReportTo(kernel::Metrics::Writer& writer) const;

 private:
  RedisValue Call(const std::vector<std::string>& argv, const char* command);
  int ClaimFromDeadConsumers();
  std::string HeartbeatKey(const std::string& consumer) const;
  int HandleAll(const std::vector<streams::Entry>& entries, bool fresh = false);
  bool Handle(const streams::Entry& entry);
  void DeadLetter(const streams::Entry& entry, const std::string& error);
  void Ack(const std::string& id);

  RedisPool& redis_;
  std::string stream_;
  std::string group_;
  std::string consumer_;
  Handler handler_;
  const kernel::Logger& logger_;
  Options options_;
  std::string claim_cursor_ = "0-0";
  // Handler failures per entry id, counted here rather than from XPENDING's delivery count,
  // which also grows while a dependency is down and would dead-letter good messages.
  std::unordered_map<std::string, int> failures_;
  bool own_pending_maybe_ = true;  // see RunOnce (1)
  bool last_run_failed_ = false;
  std::chrono::steady_clock::time_point last_claim_{};
  std::chrono::steady_clock::time_point last_heartbeat_{};
  bool heartbeat_sent_ = false;
  bool claimed_once_ = false;
  // Stage timings: the relay's XADD (the entry id's time) → this read; read → handler done.
  kernel::StageHistogram publish_to_read_;
  kernel::StageHistogram handling_;
  std::atomic<std::uint64_t> handled_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> dead_lettered_{0};
  std::atomic<std::uint64_t> claimed_{0};
};

}  // namespace daiban::db
