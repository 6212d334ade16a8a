#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "daiban/mobile/locations.hpp"

namespace pqxx {
class transaction_base;
}

namespace daiban::db {
class PgPool;
class RedisPool;
}  // namespace daiban::db

namespace daiban::mobile {

// Where fixes go: every fix into PostgreSQL's `locations` (the history, the truth), the newest
// one also into Redis as the user's live position (dispatch's GEO set `PositionsKey()`, member =
// user id, and, for an agent dispatch has live, its agent hash), plus `agents.last_lat/last_lng/
// last_seen_at`, from which dispatch rebuilds its live state.
//
// The live position only ever moves forward in device time: a batch that arrives late (a phone
// that was offline, a retry) is kept in the history but leaves a newer position alone. Redis keeps
// the device time of each live position next to it (`PositionTimesKey()`) and one Lua script
// compares and moves atomically; `agents` is updated under the same rule by `last_seen_at`.
//
// A resent batch is stored once: a fix already in the history for the user with the same device
// time and coordinates is not inserted again, so a phone may retry after a lost answer (two
// copies of the same retry racing each other can still both land: the table has no unique key).
//
// Thread-safe as far as the pools are.
class LocationStore {
 public:
  LocationStore(db::PgPool& pg, db::RedisPool& redis, FarOutsideCity far_outside);

  struct IngestResult {
    int stored = 0;           // fixes newly written to the history (a resent fix counts 0)
    bool live_moved = false;  // the live position in Redis moved to this batch's newest fix
  };

  // Stores `fixes` (validated by ParseFixBatch) for `user_id`, all in one INSERT statement, then
  // moves the live position. Throws kernel::DependencyUnavailable when PostgreSQL or Redis is
  // down; when Redis fails after PostgreSQL committed, the history is kept and a retry of the
  // same batch stores nothing twice and moves the live position then.
  IngestResult Ingest(std::int64_t user_id, const std::vector<Fix>& fixes,
                      std::chrono::sys_seconds received_at);

  // The user's newest plausible (unflagged) fix in the history by device time, or nullopt when
  // it has none.
  std::optional<Fix> Latest(std::int64_t user_id);

 private:
  static std::optional<Fix> LatestIn(pqxx::transaction_base& tx, std::int64_t user_id);
  bool MoveLive(std::int64_t user_id, const Fix& fix, std::chrono::sys_seconds received_at);

  db::PgPool& pg_;
  db::RedisPool& redis_;
  FarOutsideCity far_outside_;
};

}  // namespace daiban::mobile
