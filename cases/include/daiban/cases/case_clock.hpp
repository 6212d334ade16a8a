#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "daiban/cases/working_calendar.hpp"

// A case's deadline and at-risk moment on the working-day calendar (DESIGN.md §1: "The deadline",
// "Working time", "At risk", "Bundles"). Nothing here reads a clock: "now" is always passed in.

namespace daiban::cases {

// The moments stored on a case: due at `deadline`, at risk (yellow) from `at_risk_at`.
// `provisional` when some day counted lies in a year with no calendar loaded.
struct CaseClock {
  kernel::Moment deadline;
  kernel::Moment at_risk_at;
  bool provisional = false;
};

// The clock set at acceptance: deadline = calendar.CommittedDeadline(accepted_at,
// committed_days); at_risk_at = calendar.AtRiskMoment(accepted_at, deadline,
// at_risk_share_left), the moment from which less than that share of the working time is left.
// Provisional if either was. Throws std::invalid_argument as those two do (committed_days outside
// 0..kMaxWorkingDaySpan, share not in (0, 1)).
CaseClock ClockAtAcceptance(const WorkingCalendar& calendar, kernel::Moment accepted_at,
                            int committed_days, double at_risk_share_left);

// The clock after a suspension (中止) from `suspended_at` to `resumed_at`: the deadline and the
// at-risk moment both move later by the working time spent suspended (WorkingTimeBetween, added
// to each with AddWorkingTime), so the working time left is what it was when the clock stopped.
// A suspension entirely outside office hours changes nothing. Provisional if `clock` was or any
// count involved was. Throws std::invalid_argument if resumed_at < suspended_at.
CaseClock ClockAfterSuspension(const WorkingCalendar& calendar, const CaseClock& clock,
                               kernel::Moment suspended_at, kernel::Moment resumed_at);

// How a case stands against its clock.
enum class Urgency { kOnTrack, kAtRisk, kOverdue };

// "on_track", "at_risk", "overdue".
std::string ToWord(Urgency urgency);

// kOverdue when now > deadline (the deadline moment itself is still in time), else kAtRisk when
// now >= at_risk_at, else kOnTrack.
Urgency UrgencyAt(const CaseClock& clock, kernel::Moment now);

// One step of a bundle (一件事): steps with the same `order` run in parallel; a smaller order runs
// first. Orders need not be consecutive or sorted.
struct StepPlan {
  int order = 0;
  int committed_days = 0;  // the step's own committed time limit, in working days
};

// The deadlines of a bundle's steps, in the order of `steps`, each with the provisional flag of
// the counts that produced it.
//
// The bundle is due at CommittedDeadline(accepted_at, bundle_committed_days). The steps of the
// smallest order start at `accepted_at`. The steps of each later order start together at the
// "due moment" of the previous order: the latest of that order's (capped) step deadlines. That
// moment counts as a new acceptance: a step's deadline is CommittedDeadline(start, its
// committed_days), so the start's own day never counts (the previous steps may use all of it).
// Every step deadline is then capped at the bundle's deadline: no step is due after the bundle.
// A step is provisional if its own count was (a capped step: the bundle's) or any step of an
// earlier order was, since its start depends on them. Throws std::invalid_argument if a
// committed_days is outside 0..kMaxWorkingDaySpan.
std::vector<DeadlineResult> PlanBundleSteps(const WorkingCalendar& calendar,
                                            kernel::Moment accepted_at, int bundle_committed_days,
                                            const std::vector<StepPlan>& steps);

// PlanBundleSteps without the provisional flags: the step deadlines in the order of `steps`.
std::vector<kernel::Moment> PlanStepDeadlines(const WorkingCalendar& calendar,
                                              kernel::Moment accepted_at, int bundle_committed_days,
                                              const std::vector<StepPlan>& steps);

}  // namespace daiban::cases
