#pragma once

#include <chrono>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/config.hpp"

namespace daiban::db {
class PgPool;
}  // namespace daiban::db

namespace daiban::tracking {

// How long raw location fixes are kept and how far ahead their day partitions are made.
struct LocationRetentionOptions {
  int retention_days = 90;  // a fix is kept at least this many days after the server received it
  int ahead_days = 7;       // partitions exist for today and this many days more
  std::chrono::milliseconds interval{std::chrono::hours(1)};  // how often the worker runs
};

// DAIBAN_LOCATION_RETENTION_DAYS (1..3660, default 90), DAIBAN_LOCATION_PARTITIONS_AHEAD
// (1..60, default 7), DAIBAN_LOCATION_RETENTION_INTERVAL_MS (default one hour).
LocationRetentionOptions ReadLocationRetentionOptions(const kernel::Env& env);

// Keeps `locations` (partitioned by the day the server received a fix, db migration 0015)
// bounded: creates the coming days' partitions, moves fixes that fell into the default partition
// into their day's partition, and drops whole partitions older than the retention — never a
// DELETE. `latest_positions` (each user's newest plausible fix) is not touched. Run by one
// elected instance of the mobile gateway; two runs at once serialise in PostgreSQL.
class LocationRetention {
 public:
  LocationRetention(db::PgPool& pg, const kernel::Clock& clock, LocationRetentionOptions options);

  struct Outcome {
    int created = 0;  // day partitions created
    int dropped = 0;  // day partitions dropped
  };
  Outcome RunOnce();

  const LocationRetentionOptions& Options() const { return options_; }

 private:
  db::PgPool& pg_;
  const kernel::Clock& clock_;
  LocationRetentionOptions options_;
};

}  // namespace daiban::tracking
