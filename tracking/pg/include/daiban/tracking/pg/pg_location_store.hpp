#pragma once

#include "daiban/tracking/location_store.hpp"

namespace pqxx {
class transaction_base;
}

namespace daiban::db {
class PgPool;
class RedisPool;
}  // namespace daiban::db

namespace daiban::tracking {

// The location store in PostgreSQL and Redis: every fix into PostgreSQL's `locations` (the
// history, the truth), the newest one also into Redis as the user's live position (dispatch's GEO
// set `PositionsKey()`, member = user id, and, for an agent dispatch has live, its agent hash),
// plus `agents.last_lat/last_lng/last_seen_at`, from which dispatch rebuilds its live state.
//
// Redis keeps the device time of each live position next to it (`PositionTimesKey()`) and one Lua
// script compares and moves atomically; `agents` is updated under the same rule by `last_seen_at`.
// Two copies of the same retry racing each other can still both land in the history: the table
// has no unique key.
//
// Thread-safe as far as the pools are.
class PgLocationStore final : public LocationStore {
 public:
  PgLocationStore(db::PgPool& pg, db::RedisPool& redis, FarOutsideCity far_outside);

  // All in one INSERT statement, then the live position. Throws kernel::DependencyUnavailable
  // when PostgreSQL or Redis is down; when Redis fails after PostgreSQL committed, the history is
  // kept and a retry of the same batch stores nothing twice and moves the live position then.
  IngestResult Ingest(std::int64_t user_id, const std::vector<Fix>& fixes,
                      std::chrono::sys_seconds received_at) override;
  std::optional<Fix> Latest(std::int64_t user_id) override;

 private:
  static std::optional<Fix> LatestIn(pqxx::transaction_base& tx, std::int64_t user_id);
  bool MoveLive(std::int64_t user_id, const Fix& fix, std::chrono::sys_seconds received_at);

  db::PgPool& pg_;
  db::RedisPool& redis_;
  FarOutsideCity far_outside_;
};

}  // namespace daiban::tracking
