#include "daiban/supervision/stats_service.hpp"

namespace daiban::supervision {

StatsService::StatsService(StatsStore& store, cases::CalendarSource& calendar,
                           const kernel::Clock& clock)
    : store_(store), calendar_(calendar), clock_(clock) {}

StatsReport StatsService::Report(StatsGroup group, const SupervisionScope& scope,
                                 const std::optional<std::string>& from,
                                 const std::optional<std::string>& to) {
  const Moment now = kernel::ToMoment(clock_.Now());
  const StatsPeriod period = ResolveStatsPeriod(from, to, cases::ChinaDateOf(now));
  auto cohort = store_.Cohort(scope, period.Start(), period.End());
  return ComputeStats(group, period, cohort, *calendar_.Current(), now);
}

}  // namespace daiban::supervision
