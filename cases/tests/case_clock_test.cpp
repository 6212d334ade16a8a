#include "daiban/cases/case_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/working_calendar.hpp"

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;
using chrono::sys_seconds;
using namespace std::chrono_literals;

CivilDate Date(int year, unsigned month, unsigned day) {
  return CivilDate{chrono::year{year}, chrono::month{month}, chrono::day{day}};
}

// A moment given by its China Standard Time reading.
sys_seconds Cst(int year, unsigned month, unsigned day, int hour, int minute = 0) {
  return FromChinaLocal(Date(year, month, day), chrono::hours{hour} + chrono::minutes{minute});
}

std::string Text(sys_seconds moment) { return FormatRfc3339China(moment); }

// The autumn of 2026 as in db/seed/calendar/cn-calendar-2026.csv: 中秋节 09-25..27, 国庆节
// 10-01..07, make-up workdays on Sunday 09-20 and Saturday 10-10.
WorkingCalendar Autumn2026() {
  std::vector<CalendarEntry> entries = {
      {Date(2026, 9, 20), DayKind::kWorkday, "国庆节调休上班"},
      {Date(2026, 9, 25), DayKind::kHoliday, "中秋节"},
      {Date(2026, 9, 26), DayKind::kHoliday, "中秋节"},
      {Date(2026, 9, 27), DayKind::kHoliday, "中秋节"},
      {Date(2026, 10, 10), DayKind::kWorkday, "国庆节调休上班"},
  };
  for (unsigned day = 1; day <= 7; ++day) {
    entries.push_back({Date(2026, 10, day), DayKind::kHoliday, "国庆节"});
  }
  return WorkingCalendar(std::move(entries), {chrono::year{2026}});
}

class CaseClockTest : public ::testing::Test {
 protected:
  const WorkingCalendar calendar_ = Autumn2026();
};

// --- Acceptance ---------------------------------------------------------------------------------

TEST_F(CaseClockTest, DeadlineSkipsTheNationalDayHolidayAndCountsTheMakeUpSaturday) {
  // Accepted Wednesday 09-30; then 10-08 (1), 10-09 (2), Saturday 10-10 (3), 10-12 (4), 10-13 (5).
  const CaseClock clock = ClockAtAcceptance(calendar_, Cst(2026, 9, 30, 10), 5, 0.25);
  EXPECT_EQ(Text(clock.deadline), "2026-10-13T17:00:00+08:00");
  // Working time: 7 h on 09-30 + 5 × 8 h = 47 h; a quarter is 11 h 45 min: 8 h on 10-13 and
  // 3 h 45 min before the close of 10-12.
  EXPECT_EQ(Text(clock.at_risk_at), "2026-10-12T13:15:00+08:00");
  EXPECT_FALSE(clock.provisional);
  EXPECT_EQ(calendar_.WorkingTimeBetween(clock.at_risk_at, clock.deadline), 11h + 45min);
}

TEST_F(CaseClockTest, TheAcceptanceDayNeverCountsEvenAtDawn) {
  // Accepted Saturday 09-19 at 11:00: the first working day after it is Sunday 09-20 (make-up).
  EXPECT_EQ(Text(ClockAtAcceptance(calendar_, Cst(2026, 9, 19, 11), 1, 0.5).deadline),
            "2026-09-20T17:00:00+08:00");
  // Accepted Monday 11-02 at 06:00: Monday does not count.
  EXPECT_EQ(Text(ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 6), 1, 0.5).deadline),
            "2026-11-03T17:00:00+08:00");
  // Thursday 09-24 + 1: Friday 09-25 to Sunday 09-27 is 中秋节, Monday 09-28.
  EXPECT_EQ(Text(ClockAtAcceptance(calendar_, Cst(2026, 9, 24, 16), 1, 0.5).deadline),
            "2026-09-28T17:00:00+08:00");
}

TEST_F(CaseClockTest, AcceptanceIntoAYearNotLoadedIsProvisional) {
  const CaseClock clock = ClockAtAcceptance(calendar_, Cst(2026, 12, 28, 10), 5, 0.2);
  // 12-29, 12-30, 12-31, Friday 2027-01-01 by the plain rule, Monday 2027-01-04.
  EXPECT_EQ(Text(clock.deadline), "2027-01-04T17:00:00+08:00");
  EXPECT_TRUE(clock.provisional);
  EXPECT_FALSE(ClockAtAcceptance(calendar_, Cst(2026, 12, 21, 10), 5, 0.2).provisional);
}

TEST_F(CaseClockTest, AcceptanceRejectsBadArguments) {
  EXPECT_THROW(ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 10), -1, 0.2), std::invalid_argument);
  EXPECT_THROW(ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 10), 5, 0.0), std::invalid_argument);
  EXPECT_THROW(ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 10), 5, 1.0), std::invalid_argument);
}

// --- Suspension ---------------------------------------------------------------------------------

TEST_F(CaseClockTest, SuspensionOverAWeekendMovesTheDeadlineByTheSuspendedWorkingTime) {
  // Accepted Monday 11-02 10:00 with 5 days: due Monday 11-09 17:00.
  const CaseClock before = ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 10), 5, 0.25);
  ASSERT_EQ(Text(before.deadline), "2026-11-09T17:00:00+08:00");
  // Suspended Friday 15:00, resumed Monday 11:00: 2 h + 2 h of office time.
  const sys_seconds suspended = Cst(2026, 11, 6, 15);
  const sys_seconds resumed = Cst(2026, 11, 9, 11);
  const CaseClock after = ClockAfterSuspension(calendar_, before, suspended, resumed);
  EXPECT_EQ(Text(after.deadline), "2026-11-10T13:00:00+08:00");
  EXPECT_EQ(calendar_.WorkingTimeBetween(before.deadline, after.deadline), 4h);
  EXPECT_EQ(calendar_.WorkingTimeBetween(before.at_risk_at, after.at_risk_at), 4h);
  // The working time left is what it was when the clock stopped.
  EXPECT_EQ(calendar_.WorkingTimeBetween(resumed, after.deadline),
            calendar_.WorkingTimeBetween(suspended, before.deadline));
  EXPECT_EQ(calendar_.WorkingTimeBetween(resumed, after.at_risk_at),
            calendar_.WorkingTimeBetween(suspended, before.at_risk_at));
  EXPECT_FALSE(after.provisional);
}

TEST_F(CaseClockTest, SuspensionOutsideOfficeHoursChangesNothing) {
  const CaseClock before = ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 10), 5, 0.25);
  // Friday 17:00 to Monday 09:00, and the whole National Day holiday.
  for (const auto& [from, to] : {std::pair{Cst(2026, 11, 6, 17), Cst(2026, 11, 9, 9)},
                                 std::pair{Cst(2026, 9, 30, 17), Cst(2026, 10, 8, 9)},
                                 std::pair{Cst(2026, 11, 4, 12), Cst(2026, 11, 4, 12)}}) {
    const CaseClock after = ClockAfterSuspension(calendar_, before, from, to);
    EXPECT_EQ(after.deadline, before.deadline);
    EXPECT_EQ(after.at_risk_at, before.at_risk_at);
  }
}

TEST_F(CaseClockTest, SuspensionAcrossTheHolidayCountsOnlyWorkingDays) {
  // Accepted 09-28 09:00 with 3 days: 09-29, 09-30, 10-08 -> due 10-08 17:00.
  const CaseClock before = ClockAtAcceptance(calendar_, Cst(2026, 9, 28, 9), 3, 0.5);
  ASSERT_EQ(Text(before.deadline), "2026-10-08T17:00:00+08:00");
  // Suspended 09-30 09:00 to 10-09 09:00: 09-30 and 10-08, 16 h.
  const CaseClock after =
      ClockAfterSuspension(calendar_, before, Cst(2026, 9, 30, 9), Cst(2026, 10, 9, 9));
  // Two more office days after 10-08 17:00: 10-09 and Saturday 10-10.
  EXPECT_EQ(Text(after.deadline), "2026-10-10T17:00:00+08:00");
}

TEST_F(CaseClockTest, SuspensionKeepsOrSpreadsProvisional) {
  CaseClock provisional = ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 10), 5, 0.25);
  provisional.provisional = true;
  EXPECT_TRUE(
      ClockAfterSuspension(calendar_, provisional, Cst(2026, 11, 3, 10), Cst(2026, 11, 3, 11))
          .provisional);
  // A deadline moved into 2027 becomes provisional.
  const CaseClock late = ClockAtAcceptance(calendar_, Cst(2026, 12, 21, 10), 5, 0.25);
  ASSERT_FALSE(late.provisional);
  const CaseClock moved =
      ClockAfterSuspension(calendar_, late, Cst(2026, 12, 22, 9), Cst(2026, 12, 25, 17));
  EXPECT_EQ(Text(moved.deadline), "2027-01-01T17:00:00+08:00");
  EXPECT_TRUE(moved.provisional);
}

TEST_F(CaseClockTest, ResumingBeforeSuspendingIsAnError) {
  const CaseClock clock = ClockAtAcceptance(calendar_, Cst(2026, 11, 2, 10), 5, 0.25);
  EXPECT_THROW(ClockAfterSuspension(calendar_, clock, Cst(2026, 11, 3, 10), Cst(2026, 11, 3, 9)),
               std::invalid_argument);
}

// --- Urgency ------------------------------------------------------------------------------------

TEST_F(CaseClockTest, UrgencyAroundTheAtRiskMomentAndTheDeadline) {
  const CaseClock clock = ClockAtAcceptance(calendar_, Cst(2026, 9, 30, 10), 5, 0.25);
  EXPECT_EQ(UrgencyAt(clock, Cst(2026, 9, 30, 10)), Urgency::kOnTrack);
  EXPECT_EQ(UrgencyAt(clock, clock.at_risk_at - 1s), Urgency::kOnTrack);
  EXPECT_EQ(UrgencyAt(clock, clock.at_risk_at), Urgency::kAtRisk);
  EXPECT_EQ(UrgencyAt(clock, clock.deadline - 1s), Urgency::kAtRisk);
  EXPECT_EQ(UrgencyAt(clock, clock.deadline), Urgency::kAtRisk);
  EXPECT_EQ(UrgencyAt(clock, clock.deadline + 1s), Urgency::kOverdue);
  EXPECT_EQ(UrgencyAt(clock, Cst(2027, 3, 1, 9)), Urgency::kOverdue);
  EXPECT_EQ(ToWord(Urgency::kOnTrack), "on_track");
  EXPECT_EQ(ToWord(Urgency::kAtRisk), "at_risk");
  EXPECT_EQ(ToWord(Urgency::kOverdue), "overdue");
}

// --- Bundles ------------------------------------------------------------------------------------

TEST_F(CaseClockTest, BundleStepsRunInOrderParallelStepsStartTogetherAndTheBundleCaps) {
  // Accepted Monday 11-02 10:00; the bundle has 10 days: due Monday 11-16 17:00.
  const std::vector<StepPlan> steps = {{3, 5}, {1, 3}, {2, 4}, {1, 2}};
  const std::vector<sys_seconds> deadlines =
      PlanStepDeadlines(calendar_, Cst(2026, 11, 2, 10), 10, steps);
  ASSERT_EQ(deadlines.size(), 4u);
  // Order 1 starts at acceptance: 3 days -> Thursday 11-05, 2 days -> Wednesday 11-04.
  EXPECT_EQ(Text(deadlines[1]), "2026-11-05T17:00:00+08:00");
  EXPECT_EQ(Text(deadlines[3]), "2026-11-04T17:00:00+08:00");
  // Order 2 starts at 11-05 17:00, the later of order 1: 11-06, 09, 10, 11.
  EXPECT_EQ(Text(deadlines[2]), "2026-11-11T17:00:00+08:00");
  // Order 3 starts at 11-11 17:00: 5 days would end 11-18; the bundle caps it at 11-16.
  EXPECT_EQ(Text(deadlines[0]), "2026-11-16T17:00:00+08:00");
}

TEST_F(CaseClockTest, ParallelStepsOfALaterOrderShareTheirStart) {
  // Orders need not be consecutive. Order 10: one step of 1 day. Order 20: 1 and 3 days, both
  // counted from the close of order 10's day.
  const std::vector<StepPlan> steps = {{20, 3}, {10, 1}, {20, 1}};
  const std::vector<sys_seconds> deadlines =
      PlanStepDeadlines(calendar_, Cst(2026, 9, 29, 14), 30, steps);
  // 09-29 + 1 = 09-30; then 10-08 (1), 10-09 (2), Saturday 10-10 (3).
  EXPECT_EQ(Text(deadlines[1]), "2026-09-30T17:00:00+08:00");
  EXPECT_EQ(Text(deadlines[2]), "2026-10-08T17:00:00+08:00");
  EXPECT_EQ(Text(deadlines[0]), "2026-10-10T17:00:00+08:00");
}

TEST_F(CaseClockTest, AStepOfZeroDaysIsDueWhenItsOrderStarts) {
  const std::vector<sys_seconds> deadlines =
      PlanStepDeadlines(calendar_, Cst(2026, 11, 2, 10), 5, {{1, 2}, {2, 0}, {3, 1}});
  EXPECT_EQ(Text(deadlines[0]), "2026-11-04T17:00:00+08:00");
  EXPECT_EQ(Text(deadlines[1]), "2026-11-04T17:00:00+08:00");
  EXPECT_EQ(Text(deadlines[2]), "2026-11-05T17:00:00+08:00");
}

TEST_F(CaseClockTest, EveryStepIsCappedAtTheBundleDeadline) {
  const sys_seconds accepted = Cst(2026, 11, 2, 10);
  const sys_seconds bundle = calendar_.CommittedDeadline(accepted, 3).deadline;
  const std::vector<sys_seconds> deadlines =
      PlanStepDeadlines(calendar_, accepted, 3, {{1, 20}, {2, 1}, {2, 0}, {1, 1}});
  EXPECT_EQ(deadlines[0], bundle);
  EXPECT_EQ(deadlines[1], bundle);
  EXPECT_EQ(deadlines[2], bundle);
  EXPECT_EQ(Text(deadlines[3]), "2026-11-03T17:00:00+08:00");
  EXPECT_TRUE(PlanStepDeadlines(calendar_, accepted, 3, {}).empty());
}

TEST_F(CaseClockTest, BundleStepsCarryProvisional) {
  // Accepted 2025-12-29 (2025 is not loaded): order 1 ends 2025-12-31 and is provisional. Order 2
  // counts only 2026 days itself (the test calendar lists no 元旦, so 01-01 is a plain Thursday),
  // yet starts from a provisional moment.
  const sys_seconds order_one_due = Cst(2025, 12, 31, 17);
  ASSERT_FALSE(calendar_.CommittedDeadline(order_one_due, 3).provisional);
  const std::vector<DeadlineResult> plan =
      PlanBundleSteps(calendar_, Cst(2025, 12, 29, 10), 20, {{1, 2}, {2, 3}});
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].deadline, order_one_due);
  EXPECT_TRUE(plan[0].provisional);
  EXPECT_EQ(Text(plan[1].deadline), "2026-01-05T17:00:00+08:00");
  EXPECT_TRUE(plan[1].provisional);
  // Within 2026 nothing is provisional.
  for (const DeadlineResult& step :
       PlanBundleSteps(calendar_, Cst(2026, 11, 2, 10), 10, {{1, 2}, {2, 3}})) {
    EXPECT_FALSE(step.provisional);
  }
  EXPECT_THROW(PlanBundleSteps(calendar_, Cst(2026, 12, 21, 10), 20, {{1, -1}}),
               std::invalid_argument);
  EXPECT_THROW(PlanStepDeadlines(calendar_, Cst(2026, 12, 21, 10), -2, {}), std::invalid_argument);
}

}  // namespace
}  // namespace daiban::cases
