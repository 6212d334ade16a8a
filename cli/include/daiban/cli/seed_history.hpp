#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "daiban/cases/china_time.hpp"

namespace daiban::db {
class PgPool;
}  // namespace daiban::db

namespace daiban::cli {

// What `daibanctl seed-history` makes: `cases` cases arriving on the working days of the `days`
// calendar days that end with `until` (China time), as the same rows the services write.
struct HistoryRequest {
  std::int64_t cases = 0;
  int days = 0;
  std::uint64_t seed = 1;
  cases::CivilDate until{};  // the last day of the history (normally today)
  // "Now" for the history: what has happened by then is written, the rest of each case's life is
  // not (so the newest cases are still open: in progress, at risk, overdue).
  std::chrono::sys_seconds now{};
  // Location fixes per agent and courier per working day, for days within `fix_days` of `now`
  // (older raw fixes would be past the retention anyway).
  int fixes_per_day = 480;
  int fix_days = 14;
  // Days written at once, each in its own transaction and connection; the rows do not depend on
  // it (ids are taken in day order).
  int jobs = 1;
};

struct HistoryReport {
  int days_written = 0;
  int days_skipped = 0;  // found complete from an earlier run
  std::int64_t cases = 0;
  std::int64_t events = 0;
  std::int64_t fixes = 0;
  // Secondary indexes dropped for the load and built at its end (see DeferIndexes), and the
  // part of `seconds` their build took.
  int indexes_built = 0;
  double index_seconds = 0;
  double seconds = 0;
};

// Fills the database with a consistent history (see README, "A year of history"): for every
// working day one transaction of COPYs, so a run that stops keeps whole days and a second run
// with the same arguments writes only the days still missing. The same seed and dates give the
// same rows. Needs the catalogue, the calendar and at least one agent and one courier
// (`make run`'s demo data has them); progress goes to `progress`, one line per day.
// A load asking for at least twice as many cases as there are drops the secondary indexes of the
// tables it fills first and builds them at the end, `jobs` at a time; a run that stops before
// leaves their definitions in history_deferred_indexes, and the next run builds them.
HistoryReport SeedHistory(db::PgPool& pool, const HistoryRequest& request, std::ostream& progress);

}  // namespace daiban::cli
