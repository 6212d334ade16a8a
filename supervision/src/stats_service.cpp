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
  const auto calendar = calendar_.Current();
  auto input = store_.Read(group, scope, period, CalendarKey(*calendar));
  return ComputeStats(group, period, input.cases, input.rollups, *calendar, now);
}

std::size_t StatsService::RollUp(std::size_t max_days, std::size_t max_batches) {
  const auto calendar = calendar_.Current();
  const auto key = CalendarKey(*calendar);
  std::size_t days = 0;
  for (std::size_t batch = 0; batch < max_batches; ++batch) {
    const auto rolled = store_.RollUp(
        max_days, key, [&calendar](const auto& cohort) { return RollUpCases(cohort, *calendar); });
    days += rolled;
    if (rolled < max_days) break;
  }
  return days;
}

}  // namespace daiban::supervision
