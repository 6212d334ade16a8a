#include "daiban/db/outbox_relay.hpp"

#include <chrono>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daiban/db/array_literal.hpp"
#include "daiban/kernel/log.hpp"
#include "stream_replies.hpp"

namespace daiban::db {

namespace {

// The partial index outbox_unpublished serves this scan. SKIP LOCKED: rows another relay run
// holds are left to it instead of waiting for (and then re-sending) them.
constexpr const char* kClaim = "outbox_relay_claim";
constexpr const char* kClaimSql = R"sql(
SELECT id, stream, aggregate_id, event_type, payload::text,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       extract(epoch FROM clock_timestamp() - created_at)
  FROM outbox
 WHERE published_at IS NULL
 ORDER BY id
 LIMIT $1
   FOR UPDATE SKIP LOCKED)sql";

// $1: the ids as a PostgreSQL array literal ("{1,2,3}"): libpqxx 6 has no array parameters.
constexpr const char* kMarkPublished = "outbox_relay_mark_published";
constexpr const char* kMarkPublishedSql =
    "UPDATE outbox SET published_at = now() WHERE id = ANY ($1::bigint[])";

// The newest rows by the primary key (no index on published_at), at most what a stream holds.
constexpr const char* kRepublish = "outbox_relay_republish";
constexpr const char* kRepublishSql = R"sql(
UPDATE outbox SET published_at = NULL
 WHERE id IN (SELECT id FROM outbox ORDER BY id DESC LIMIT $2)
   AND published_at > now() - make_interval(secs => $1))sql";

}  // namespace

OutboxRelay::OutboxRelay(PgPool& pg, RedisPool& redis, const kernel::Logger& logger,
                         Options options)
    : pg_(pg), redis_(redis), logger_(logger), options_(options) {
  pg_.Prepare(kClaim, kClaimSql);
  pg_.Prepare(kMarkPublished, kMarkPublishedSql);
  pg_.Prepare(kRepublish, kRepublishSql);
  primary_changes_seen_ = redis_.PrimaryChanges();
}

void OutboxRelay::RepublishAfterFailover() {
  std::uint64_t changes = redis_.PrimaryChanges();
  if (changes == primary_changes_seen_) return;
  if (options_.republish_window.count() > 0) {
    std::size_t rows = 0;
    pg_.Transact([&](pqxx::dbtransaction& tx) {
      rows = tx.exec_prepared(kRepublish, static_cast<double>(options_.republish_window.count()),
                              static_cast<long long>(options_.max_stream_length))
                 .affected_rows();
    });
    republished_ += rows;
    logger_.Warn("outbox relay: the Redis primary changed, recent events are sent again",
                 {{"events", rows}, {"window_seconds", options_.republish_window.count()}});
  }
  primary_changes_seen_ = changes;
}

int OutboxRelay::RunOnce() {
  int published = 0;
  // Seconds each event waited since its transaction began, as the database clock saw it at the
  // claim: observed only once the batch is committed.
  std::vector<double> waited;
  const std::string max_length = std::to_string(options_.max_stream_length);
  const auto started = std::chrono::steady_clock::now();
  try {
    RepublishAfterFailover();
  } catch (...) {
    ++failed_runs_;
    throw;
  }
  try {
    pg_.Transact([&](pqxx::dbtransaction& tx) {
      // Transact runs this body again on a fresh connection after a broken one.
      published = 0;
      waited.clear();
      auto rows = tx.exec_prepared(kClaim, options_.batch);
      if (rows.empty()) return;
      ArrayLiteral ids;
      for (const auto& row : rows) {
        std::string id = row[0].c_str();
        std::string stream = row[1].c_str();
        // Idempotent as far as the pool's one retry goes: that retry happens only when the
        // connection broke, and a duplicate entry is something consumers handle anyway.
        RedisValue reply =
            redis_.Command({"XADD", stream, "MAXLEN", "~", max_length, "*", "outbox_id", id, "type",
                            row[3].c_str(), "aggregate", row[2].c_str(), "payload", row[4].c_str(),
                            "at", row[5].c_str()});
        if (reply.kind == RedisValue::Kind::kError) {
          logger_.Error("outbox relay: Redis refused an event",
                        {{"outbox_id", id}, {"stream", stream}, {"error", reply.text}});
          streams::ThrowErrorReply(reply, "XADD");
        }
        waited.push_back(row[6].as<double>(0));
        ids.Add(row[0].as<std::int64_t>());
      }
      tx.exec_prepared(kMarkPublished, ids.Text());
      published = static_cast<int>(rows.size());
    });
  } catch (...) {
    ++failed_runs_;
    throw;  // the worker running us logs it and tries again at its next tick
  }
  if (published > 0) {
    // Add the time the publish itself took to each wait, so the figure ends at the commit.
    const double publishing =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (double seconds : waited) commit_to_publish_.Observe(seconds + publishing);
    published_ += static_cast<std::uint64_t>(published);
    logger_.Debug("outbox relay published events", {{"count", published}});
  }
  return published;
}

void OutboxRelay::ReportTo(kernel::Metrics::Writer& writer) const {
  writer.Counter("daiban_outbox_published_total", "Outbox events published to Redis Streams",
                 static_cast<double>(published_.load()));
  writer.Counter("daiban_outbox_failed_runs_total",
                 "Outbox relay runs rolled back (their events are sent again later)",
                 static_cast<double>(failed_runs_.load()));
  writer.Counter("daiban_outbox_republished_total",
                 "Events sent again because the Redis primary changed (failover)",
                 static_cast<double>(republished_.load()));
  commit_to_publish_.ReportTo(
      writer, "daiban_outbox_commit_to_publish_seconds",
      "From the writing transaction's start (outbox.created_at) to its event published to Redis");
}

}  // namespace daiban::db
