#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "daiban/db/pg_pool.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/metrics.hpp"

namespace daiban::kernel {
class Logger;
}

namespace daiban::db {

// Publishes committed outbox rows to Redis Streams (DESIGN.md §2, "Data and messages").
//
// Each row becomes one entry of the stream named in its `stream` column, with the fields
//   outbox_id  the row's id (decimal): the identity consumers deduplicate on
//   type       event_type
//   aggregate  aggregate_id
//   payload    the JSON payload as text
//   at         created_at, RFC 3339 in UTC ("2024-05-01T08:30:00.123456Z")
// and the row is stamped published_at.
//
// Delivery is at least once. The rows are claimed, sent and stamped in one transaction; when
// Redis fails mid-batch (or the commit fails after the entries went out) the transaction rolls
// back and the whole batch is sent again by a later run, so an event can appear more than once
// in its stream, under a new entry id but always with the same outbox_id.
//
// Order: rows go out in id order within a run. A row whose transaction committed late (a lower
// id than rows already published) goes out in a later run, so a stream is in commit order
// rather than strict id order; events of one aggregate keep their order as long as the writers
// of that aggregate serialise on its row, as every state change does.
//
// Wake-up: the outbox trigger notifies kOutboxChannel (db/pg_listener.hpp) when events commit;
// intake's listener wakes the relay's worker, whose interval is only the safety net.
//
// The relay runs in one process at a time (runtime::ElectedWorker in intake). Two overlapping
// runs are still safe: FOR UPDATE SKIP LOCKED gives each row to one of them.
class OutboxRelay {
 public:
  struct Options {
    int batch = 500;
    // Streams are trimmed to about this many entries (XADD MAXLEN ~) so Redis memory stays
    // bounded; a consumer group further behind than that loses the oldest events and must
    // rebuild its state from PostgreSQL.
    std::size_t max_stream_length = 100000;
    // Redis replicates asynchronously: entries the relay added to a primary that died just
    // after may never have reached the replica promoted in its place. When the Redis pool
    // finds a new primary, the events published in this window before are sent again
    // (consumers deduplicate on outbox_id). Zero turns it off.
    std::chrono::seconds republish_window{60};
  };

  // Declares the relay's prepared statements on `pg`.
  OutboxRelay(PgPool& pg, RedisPool& redis, const kernel::Logger& logger, Options options);
  OutboxRelay(PgPool& pg, RedisPool& redis, const kernel::Logger& logger)
      : OutboxRelay(pg, redis, logger, Options{}) {}
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Publishes up to `batch` unpublished rows; returns how many. First, when the Redis pool
  // has found a new primary since the last run, marks the rows published within
  // republish_window as unpublished again, so this run and the next ones send them anew. Throws
  // kernel::DependencyUnavailable when PostgreSQL or Redis fails (nothing is stamped), and
  // std::runtime_error when Redis refuses an entry (e.g. the stream key holds another type):
  // that row blocks the ones after it until the key is fixed, on purpose, so no event is
  // skipped silently.
  int RunOnce();

  void ReportTo(kernel::Metrics::Writer& writer) const;

 private:
  void RepublishAfterFailover();

  PgPool& pg_;
  RedisPool& redis_;
  const kernel::Logger& logger_;
  Options options_;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> failed_runs_{0};
  std::atomic<std::uint64_t> republished_{0};
  std::uint64_t primary_changes_seen_ = 0;  // RedisPool::PrimaryChanges() at the last check
  kernel::StageHistogram commit_to_publish_;
};

}  // namespace daiban::db
