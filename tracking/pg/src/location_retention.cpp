#include "daiban/tracking/pg/location_retention.hpp"

#include <pqxx/pqxx>

#include "daiban/db/pg_pool.hpp"

namespace daiban::tracking {

LocationRetentionOptions ReadLocationRetentionOptions(const kernel::Env& env) {
  LocationRetentionOptions options;
  options.retention_days =
      static_cast<int>(env.Int("DAIBAN_LOCATION_RETENTION_DAYS", options.retention_days, 1, 3660));
  options.ahead_days =
      static_cast<int>(env.Int("DAIBAN_LOCATION_PARTITIONS_AHEAD", options.ahead_days, 1, 60));
  options.interval = env.Millis("DAIBAN_LOCATION_RETENTION_INTERVAL_MS", options.interval.count(),
                                1000, 7 * 24 * 3600 * 1000LL);
  return options;
}

LocationRetention::LocationRetention(db::PgPool& pg, const kernel::Clock& clock,
                                     LocationRetentionOptions options)
    : pg_(pg), clock_(clock), options_(options) {}

LocationRetention::Outcome LocationRetention::RunOnce() {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  Outcome outcome;
  // The partition work is one function in the database (migration 0015), so the migration that
  // made the first partitions and this worker share one definition of a day's partition.
  pg_.Transact([&](pqxx::dbtransaction& tx) {
    const auto row = tx.exec_params1(
        "SELECT created, dropped FROM locations_maintain("
        "to_timestamp($1), $2, $3)",
        now, options_.retention_days, options_.ahead_days);
    outcome.created = row[0].as<int>();
    outcome.dropped = row[1].as<int>();
  });
  return outcome;
}

}  // namespace daiban::tracking
