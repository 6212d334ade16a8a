#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/supervision/stats.hpp"

namespace daiban::supervision {

// What a report reads: cases read one by one, and the roll-ups of days already summed.
struct StatsInput {
  std::vector<CohortCase> cases;
  std::vector<StatsRollup> rollups;
};

// Computes the roll-up of days' cases (RollUpCases on the current calendar).
using StatsRollupFunction = std::function<std::vector<StatsRollup>(const std::vector<CohortCase>&)>;

// Where the cohort of a report comes from. Implementations: PgStatsStore.
class StatsStore {
 public:
  virtual ~StatsStore() = default;
  // The cases in `scope` created in [start, end), one entry per case, ordered by id.
  virtual std::vector<CohortCase> Cohort(const SupervisionScope& scope, Moment start,
                                         Moment end) = 0;
  // The input of a report by `group` for the period, in one snapshot: the roll-ups (names and
  // districts resolved; they may come summed per group) of the days rolled up on the calendar
  // `calendar_key` and clean since, and every case of the other days raw. Computing over it
  // gives exactly what computing over Cohort() gives. By default everything is raw.
  virtual StatsInput Read(StatsGroup group, const SupervisionScope& scope,
                          const StatsPeriod& period, const std::string& calendar_key) {
    (void)group, (void)calendar_key;
    return {Cohort(scope, period.Start(), period.End()), {}};
  }
  // Rolls up to `max_days` days that are dirty (changed since their roll-up, or never rolled
  // up) or were rolled up on another calendar than `calendar_key`, in one snapshot: `roll_up`
  // gets the days' cases (every scope). Returns how many days it rolled up.
  // By default there is no roll-up (0).
  virtual std::size_t RollUp(std::size_t max_days, const std::string& calendar_key,
                             const StatsRollupFunction& roll_up) {
    (void)max_days, (void)calendar_key, (void)roll_up;
    return 0;
  }
};

// The statistics use case: resolves the period (China dates, today from the clock), reads the
// cohort and computes the report on the current working-day calendar.
class StatsService {
 public:
  StatsService(StatsStore& store, cases::CalendarSource& calendar, const kernel::Clock& clock);

  // Throws kernel::ApiError 422 naming "from" or "to" for a bad period.
  StatsReport Report(StatsGroup group, const SupervisionScope& scope,
                     const std::optional<std::string>& from, const std::optional<std::string>& to);

  // Brings the roll-up up to date, at most `max_days` days per snapshot, until no stale day is
  // left or `max_batches` snapshots were taken (changes may keep coming). Returns the days
  // rolled up. Run by one elected worker; safe if two overlap (the store's snapshots).
  // Two days a snapshot: a day of Jinan is ~20,000 cases, read well within the pool's 5 s
  // statement timeout on a loaded machine.
  std::size_t RollUp(std::size_t max_days = 2, std::size_t max_batches = 400);

 private:
  StatsStore& store_;
  cases::CalendarSource& calendar_;
  const kernel::Clock& clock_;
};

}  // namespace daiban::supervision
