#include "daiban/tracking/pg/pg_location_store.hpp"

#include <algorithm>
#include <charconv>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "daiban/db/array_literal.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/dispatch/live/dispatch_keys.hpp"
#include "daiban/dispatch/live/live_scripts.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::tracking {

namespace {

// Named statements, next to the code that runs them.
//
// One statement per batch, whatever its size: the fixes travel as four parallel arrays and
// unnest() turns them back into rows, so a batch of 500 costs one round trip and one plan. The
// same statement moves `agents`' last position (no row matches for a courier), so the history
// and the agent's row commit together.
// The newest plausible fix also moves the user's row of `latest_positions` forward (never back:
// a late batch leaves a newer position alone; of two fixes at the same device time the later
// arrival wins, as the history's id order would have it).
//
// `locations` is partitioned by received_at, and a resent fix was received after its phone took
// it, less the largest clock lead a batch may have (LocationLimits::max_future, minutes): the
// resend check looks only at partitions from the batch's oldest device time less a day on, so it
// probes a few days' partitions, not the whole retention.
// $1 user id, $2..$5 lat, lng, accuracy (NULL elements allowed), device time (epoch seconds),
// $6 received_at (epoch seconds), $7 whether the batch has a live candidate, $8..$10 its lat,
// lng, device time, $11 each fix's flag (SpeedFlags; empty when plausible), $12 the live
// candidate's accuracy (NULL allowed), $13 the oldest receive time a resent fix can have (epoch
// seconds).
constexpr const char* kInsert = "locations_insert";
constexpr const char* kInsertSql = R"sql(
WITH batch AS (
  SELECT DISTINCT ON (f.device_time, f.lat, f.lng)
         f.lat, f.lng, f.accuracy_m, to_timestamp(f.device_time) AS device_time, f.flagged
    FROM unnest($2::float8[], $3::float8[], $4::float8[], $5::float8[], $11::text[])
         AS f (lat, lng, accuracy_m, device_time, flagged)
), fresh AS (
  INSERT INTO locations (user_id, lat, lng, accuracy_m, device_time, received_at, flagged)
  SELECT $1::bigint, b.lat, b.lng, b.accuracy_m, b.device_time, to_timestamp($6::float8),
         b.flagged
    FROM batch b
   WHERE NOT EXISTS (SELECT 1 FROM locations l
                      WHERE l.user_id = $1::bigint AND l.device_time = b.device_time
                        AND l.lat = b.lat AND l.lng = b.lng
                        AND l.received_at >= to_timestamp($13::float8))
  RETURNING 1
), newest AS (
  INSERT INTO latest_positions AS p (user_id, lat, lng, accuracy_m, device_time, received_at)
  SELECT $1::bigint, $8::float8, $9::float8, $12::float8, to_timestamp($10::float8),
         to_timestamp($6::float8)
   WHERE $7::boolean
  ON CONFLICT (user_id) DO UPDATE
     SET lat = excluded.lat, lng = excluded.lng, accuracy_m = excluded.accuracy_m,
         device_time = excluded.device_time, received_at = excluded.received_at
   WHERE p.device_time <= excluded.device_time
  RETURNING 1
), seen AS (
  UPDATE agents
     SET last_lat = $8::float8, last_lng = $9::float8, last_seen_at = to_timestamp($10::float8)
   WHERE $7::boolean AND user_id = $1::bigint
     AND (last_seen_at IS NULL OR last_seen_at < to_timestamp($10::float8))
  RETURNING 1
)
SELECT (SELECT count(*) FROM fresh), (SELECT count(*) FROM seen),
       (SELECT count(*) FROM newest))sql";

constexpr const char* kLatest = "locations_latest";
constexpr const char* kLatestSql = R"sql(
SELECT lat, lng, accuracy_m, extract(epoch FROM device_time)::bigint
  FROM latest_positions
 WHERE user_id = $1)sql";

// KEYS: agent hash, positions, position times. ARGV: user id, lat, lng, updated_at (epoch
// seconds, server time), device time (epoch seconds).
// Returns 1 when the live position moved, 0 when the stored one is as new or newer. GEOADD goes
// first: it is the one command that can fail on input, and Redis does not roll a script back.
// The agent's hash is then written by dispatch's own kSetPosition, run as a function inside this
// script (its KEYS and ARGV are the first ones here), so the hash's layout stays in one place and
// the comparison, the GEO set and the hash change as one: two batches of one user racing each
// other can never leave the set and the hash at different fixes. For a courier, or an agent
// dispatch does not have live, it changes nothing.
const std::string& MoveLiveScript() {
  static const std::string script = std::string(R"lua(
local known = redis.call('HGET', KEYS[3], ARGV[1])
if known and tonumber(known) >= tonumber(ARGV[5]) then return 0 end
redis.call('GEOADD', KEYS[2], ARGV[3], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
local function set_agent_position()
)lua") + std::string(dispatch::scripts::kSetPosition) +
                                    R"lua(
end
set_agent_position()
return 1
)lua";
  return script;
}

// Shortest text that reads back as the same double, so no precision is lost on the way.
std::string FormatDouble(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) throw std::invalid_argument("unformattable number");
  return std::string(buffer, end);
}

// How far before a fix's device time its batch may have been received: far more than the clock
// lead a batch is allowed (LocationLimits::max_future), so the resend check never misses one.
constexpr std::chrono::seconds kResendClockLead{24 * 3600};

std::int64_t Epoch(std::chrono::sys_seconds at) { return at.time_since_epoch().count(); }

}  // namespace

PgLocationStore::PgLocationStore(db::PgPool& pg, db::RedisPool& redis, FarOutsideCity far_outside)
    : pg_(pg), redis_(redis), far_outside_(std::move(far_outside)) {
  pg_.Prepare(kInsert, kInsertSql);
  pg_.Prepare(kLatest, kLatestSql);
}

LocationStore::IngestResult PgLocationStore::Ingest(std::int64_t user_id,
                                                    const std::vector<Fix>& fixes,
                                                    std::chrono::sys_seconds received_at) {
  IngestResult result;
  if (fixes.empty()) return result;
  const std::string lats = db::ArrayOf(fixes, [](const Fix& f) { return f.lat; });
  const std::string lngs = db::ArrayOf(fixes, [](const Fix& f) { return f.lng; });
  const std::string accuracies = db::ArrayOf(fixes, [](const Fix& f) { return f.accuracy_m; });
  const std::string times =
      db::ArrayOf(fixes, [](const Fix& f) { return static_cast<double>(Epoch(f.device_time)); });
  // Asked before the transaction: the city's boundaries may be read from the database now and
  // then, and a second lease taken while this batch holds one could starve the pool.
  std::vector<bool> far_outside;
  far_outside.reserve(fixes.size());
  for (const auto& fix : fixes) far_outside.push_back(far_outside_(fix.lat, fix.lng));
  std::optional<Fix> live;
  pg_.Transact([&](pqxx::dbtransaction& tx) {
    // Implausible jumps are kept for the record but never become the live position. The fix
    // they are measured from is read on the batch's own connection: no second lease per batch.
    const auto flags = SpeedFlags(LatestIn(tx, user_id), fixes, far_outside);
    std::vector<Fix> plausible;
    db::ArrayLiteral flag_literal;
    for (std::size_t i = 0; i < fixes.size(); ++i) {
      if (flags[i].empty()) plausible.push_back(fixes[i]);
      flag_literal.Add(flags[i]);
    }
    const Fix* candidate = LiveCandidate(plausible);
    live = candidate ? std::optional<Fix>(*candidate) : std::nullopt;
    const auto oldest =
        std::min_element(fixes.begin(), fixes.end(),
                         [](const Fix& a, const Fix& b) { return a.device_time < b.device_time; });
    const std::int64_t resend_from = Epoch(oldest->device_time) - kResendClockLead.count();
    const std::optional<double> live_accuracy = live ? live->accuracy_m : std::nullopt;
    auto rows = tx.exec_prepared(kInsert, user_id, lats, lngs, accuracies, times,
                                 Epoch(received_at), live.has_value(), live ? live->lat : 0.0,
                                 live ? live->lng : 0.0, live ? Epoch(live->device_time) : 0,
                                 flag_literal.Text(), live_accuracy, resend_from);
    result.stored = rows[0][0].as<int>();
  });

  // After the commit: the history is the truth, the live position a copy of its newest fix. If
  // Redis fails here the caller sees 503 and retries; the retry finds the fixes stored already.
  if (live) result.live_moved = MoveLive(user_id, *live, received_at);
  return result;
}

bool PgLocationStore::MoveLive(std::int64_t user_id, const Fix& fix,
                               std::chrono::sys_seconds received_at) {
  const std::vector<std::string> argv{"EVAL",
                                      MoveLiveScript(),
                                      "3",
                                      dispatch::AgentKey(user_id),
                                      dispatch::PositionsKey(),
                                      dispatch::PositionTimesKey(),
                                      std::to_string(user_id),
                                      FormatDouble(fix.lat),
                                      FormatDouble(fix.lng),
                                      std::to_string(Epoch(received_at)),
                                      std::to_string(Epoch(fix.device_time))};
  // Safe to repeat: a second run finds the same device time stored and changes nothing.
  db::RedisValue reply = redis_.Command(argv, true);
  if (reply.kind == db::RedisValue::Kind::kError) {
    // Never the caller's input (checked before): a Redis loading, read-only after a failover,
    // out of memory, or holding a key of the wrong type.
    throw kernel::DependencyUnavailable("redis", "location script: " + reply.text);
  }
  return reply.kind == db::RedisValue::Kind::kInteger && reply.integer == 1;
}

std::optional<Fix> PgLocationStore::Latest(std::int64_t user_id) {
  std::optional<Fix> latest;
  pg_.Read([&](pqxx::transaction_base& tx) { latest = LatestIn(tx, user_id); });
  return latest;
}

std::optional<Fix> PgLocationStore::LatestIn(pqxx::transaction_base& tx, std::int64_t user_id) {
  auto rows = tx.exec_prepared(kLatest, user_id);
  if (rows.empty()) return std::nullopt;
  const auto& row = rows[0];
  Fix fix;
  fix.lat = row[0].as<double>();
  fix.lng = row[1].as<double>();
  if (!row[2].is_null()) fix.accuracy_m = row[2].as<double>();
  fix.device_time = std::chrono::sys_seconds(std::chrono::seconds(row[3].as<long long>()));
  return fix;
}

}  // namespace daiban::tracking
