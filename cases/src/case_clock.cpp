#include "daiban/cases/case_clock.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <stdexcept>

namespace daiban::cases {

namespace chrono = std::chrono;
using chrono::sys_seconds;

CaseClock ClockAtAcceptance(const WorkingCalendar& calendar, sys_seconds accepted_at,
                            int committed_days, double at_risk_share_left) {
  const DeadlineResult deadline = calendar.CommittedDeadline(accepted_at, committed_days);
  const MomentResult at_risk =
      calendar.AtRiskMoment(accepted_at, deadline.deadline, at_risk_share_left);
  return CaseClock{deadline.deadline, at_risk.moment, deadline.provisional || at_risk.provisional};
}

CaseClock ClockAfterSuspension(const WorkingCalendar& calendar, const CaseClock& clock,
                               sys_seconds suspended_at, sys_seconds resumed_at) {
  if (resumed_at < suspended_at) {
    throw std::invalid_argument("ClockAfterSuspension: the case resumed before it was suspended");
  }
  const WorkingTimeResult stopped = calendar.MeasureWorkingTime(suspended_at, resumed_at);
  const MomentResult deadline = calendar.AddWorkingTime(clock.deadline, stopped.working_time);
  const MomentResult at_risk = calendar.AddWorkingTime(clock.at_risk_at, stopped.working_time);
  return CaseClock{
      deadline.moment, at_risk.moment,
      clock.provisional || stopped.provisional || deadline.provisional || at_risk.provisional};
}

std::string ToWord(Urgency urgency) {
  switch (urgency) {
    case Urgency::kOnTrack:
      return "on_track";
    case Urgency::kAtRisk:
      return "at_risk";
    case Urgency::kOverdue:
      return "overdue";
  }
  throw std::invalid_argument("ToWord: not an Urgency");
}

Urgency UrgencyAt(const CaseClock& clock, sys_seconds now) {
  if (now > clock.deadline) return Urgency::kOverdue;
  if (now >= clock.at_risk_at) return Urgency::kAtRisk;
  return Urgency::kOnTrack;
}

std::vector<DeadlineResult> PlanBundleSteps(const WorkingCalendar& calendar,
                                            sys_seconds accepted_at, int bundle_committed_days,
                                            const std::vector<StepPlan>& steps) {
  const DeadlineResult bundle = calendar.CommittedDeadline(accepted_at, bundle_committed_days);

  // The indexes of the steps of each order, orders ascending.
  std::map<int, std::vector<std::size_t>> by_order;
  for (std::size_t i = 0; i < steps.size(); ++i) by_order[steps[i].order].push_back(i);

  std::vector<DeadlineResult> planned(steps.size());
  sys_seconds start = accepted_at;
  bool start_provisional = false;  // whether a count before this order was provisional
  for (const auto& [order, indexes] : by_order) {
    sys_seconds due = start;
    bool due_provisional = start_provisional;
    bool first = true;
    for (std::size_t i : indexes) {
      DeadlineResult step = calendar.CommittedDeadline(start, steps[i].committed_days);
      if (step.deadline > bundle.deadline) step = bundle;
      step.provisional = step.provisional || start_provisional;
      planned[i] = step;
      due = first ? step.deadline : std::max(due, step.deadline);
      due_provisional = due_provisional || step.provisional;
      first = false;
    }
    start = due;
    start_provisional = due_provisional;
  }
  return planned;
}

std::vector<sys_seconds> PlanStepDeadlines(const WorkingCalendar& calendar, sys_seconds accepted_at,
                                           int bundle_committed_days,
                                           const std::vector<StepPlan>& steps) {
  std::vector<sys_seconds> deadlines;
  deadlines.reserve(steps.size());
  for (const DeadlineResult& step :
       PlanBundleSteps(calendar, accepted_at, bundle_committed_days, steps)) {
    deadlines.push_back(step.deadline);
  }
  return deadlines;
}

}  // namespace daiban::cases
