#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/supervision/stats.hpp"

namespace daiban::supervision {

// Where the cohort of a report comes from. Implementations: PgStatsStore.
class StatsStore {
 public:
  virtual ~StatsStore() = default;
  // The cases in `scope` created in [start, end), one entry per case, ordered by id.
  virtual std::vector<CohortCase> Cohort(const SupervisionScope& scope, Moment start,
                                         Moment end) = 0;
};

// The statistics use case: resolves the period (China dates, today from the clock), reads the
// cohort and computes the report on the current working-day calendar.
class StatsService {
 public:
  StatsService(StatsStore& store, cases::CalendarSource& calendar, const kernel::Clock& clock);

  // Throws kernel::ApiError 422 naming "from" or "to" for a bad period.
  StatsReport Report(StatsGroup group, const SupervisionScope& scope,
                     const std::optional<std::string>& from, const std::optional<std::string>& to);

 private:
  StatsStore& store_;
  cases::CalendarSource& calendar_;
  const kernel::Clock& clock_;
};

}  // namespace daiban::supervision
