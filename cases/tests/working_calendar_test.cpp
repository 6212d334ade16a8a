#include "daiban/cases/working_calendar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "daiban/cases/calendar_csv.hpp"
#include "daiban/cases/china_time.hpp"

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;
using chrono::sys_days;
using chrono::sys_seconds;
using namespace std::chrono_literals;

CivilDate Date(int year, unsigned month, unsigned day) {
  return CivilDate{chrono::year{year}, chrono::month{month}, chrono::day{day}};
}

// A moment given by its China Standard Time reading.
sys_seconds Cst(int year, unsigned month, unsigned day, int hour, int minute = 0, int second = 0) {
  return FromChinaLocal(Date(year, month, day),
                        chrono::hours{hour} + chrono::minutes{minute} + chrono::seconds{second});
}

std::string Text(sys_seconds moment) { return FormatRfc3339China(moment); }

WorkingCalendar LoadRealCalendar(OfficeHours office_hours = {}) {
  std::ifstream in(DAIBAN_CALENDAR_CSV, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  CalendarCsvResult result = ParseCalendarCsv(content.str());
  if (const auto* error = std::get_if<CalendarCsvError>(&result)) {
    throw std::runtime_error("cannot load " DAIBAN_CALENDAR_CSV ": " + error->message);
  }
  CalendarFile file = std::get<CalendarFile>(std::move(result));
  return WorkingCalendar(std::move(file.entries), std::move(file.years), office_hours);
}

// Office time between two moments, counted day by day from IsWorkingDay: the obvious algorithm
// the fast one must agree with.
chrono::seconds ReferenceWorkingTime(const WorkingCalendar& calendar, sys_seconds from,
                                     sys_seconds to) {
  chrono::seconds total{0};
  if (to <= from) return total;
  for (sys_days day{ChinaDateOf(from)}; day <= sys_days{ChinaDateOf(to)}; day += chrono::days{1}) {
    if (!calendar.IsWorkingDay(CivilDate{day})) continue;
    const sys_seconds open = FromChinaLocal(CivilDate{day}, calendar.office_hours().open);
    const sys_seconds close = FromChinaLocal(CivilDate{day}, calendar.office_hours().close);
    const sys_seconds begin = std::max(open, from);
    const sys_seconds end = std::min(close, to);
    if (end > begin) total += end - begin;
  }
  return total;
}

// The deadline counted day by day.
sys_seconds ReferenceDeadline(const WorkingCalendar& calendar, sys_seconds accepted_at, int n) {
  sys_days day{ChinaDateOf(accepted_at)};
  if (n == 0) {
    while (!calendar.IsWorkingDay(CivilDate{day})) day += chrono::days{1};
  }
  for (int counted = 0; counted < n;) {
    day += chrono::days{1};
    if (calendar.IsWorkingDay(CivilDate{day})) ++counted;
  }
  return FromChinaLocal(CivilDate{day}, calendar.office_hours().close);
}

class WorkingCalendarTest : public ::testing::Test {
 protected:
  const WorkingCalendar calendar_ = LoadRealCalendar();
};

// --- Working days -------------------------------------------------------------------------------

TEST_F(WorkingCalendarTest, LoadsTheYearOfTheFile) {
  EXPECT_TRUE(calendar_.IsLoadedYear(chrono::year{2026}));
  EXPECT_FALSE(calendar_.IsLoadedYear(chrono::year{2025}));
  EXPECT_FALSE(calendar_.IsLoadedYear(chrono::year{2027}));
  EXPECT_EQ(calendar_.entries().size(), 39u);
}

TEST_F(WorkingCalendarTest, PlainWeeksWorkMondayToFriday) {
  // 2026-03-09 is a Monday; nothing is listed that week.
  for (unsigned day = 9; day <= 13; ++day) EXPECT_TRUE(calendar_.IsWorkingDay(Date(2026, 3, day)));
  EXPECT_FALSE(calendar_.IsWorkingDay(Date(2026, 3, 14)));
  EXPECT_FALSE(calendar_.IsWorkingDay(Date(2026, 3, 15)));
  EXPECT_EQ(calendar_.FindEntry(Date(2026, 3, 9)), nullptr);
}

TEST_F(WorkingCalendarTest, HolidaysAndMakeUpDaysOverrideTheWeek) {
  EXPECT_FALSE(calendar_.IsWorkingDay(Date(2026, 1, 1)));    // Thursday, 元旦
  EXPECT_FALSE(calendar_.IsWorkingDay(Date(2026, 4, 6)));    // Monday, 清明节
  EXPECT_TRUE(calendar_.IsWorkingDay(Date(2026, 1, 4)));     // Sunday, 元旦调休上班
  EXPECT_TRUE(calendar_.IsWorkingDay(Date(2026, 10, 10)));   // Saturday, 国庆节调休上班
  EXPECT_FALSE(calendar_.IsWorkingDay(Date(2026, 10, 11)));  // Sunday
  const CalendarEntry* entry = calendar_.FindEntry(Date(2026, 1, 4));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->kind, DayKind::kWorkday);
  EXPECT_EQ(entry->name, "元旦调休上班");
  EXPECT_THROW(calendar_.IsWorkingDay(Date(2026, 2, 30)), std::invalid_argument);
}

TEST_F(WorkingCalendarTest, CountsTheWorkingDaysOf2026) {
  // 261 Monday–Fridays; 19 of them holidays (元旦 2, 春节 6, 清明 1, 劳动节 3, 端午 1, 中秋 1,
  // 国庆 5); 6 make-up weekend days: 248.
  int working = 0;
  for (sys_days day{Date(2026, 1, 1)}; day <= sys_days{Date(2026, 12, 31)};
       day += chrono::days{1}) {
    working += calendar_.IsWorkingDay(CivilDate{day}) ? 1 : 0;
  }
  EXPECT_EQ(working, 261 - 19 + 6);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 1, 1, 0), Cst(2027, 1, 1, 0)), 248 * 8h);
}

// --- Committed deadlines ------------------------------------------------------------------------

TEST_F(WorkingCalendarTest, DeadlineSkipsTheWeekend) {
  // Friday 2026-03-06: the first working day after it is Monday.
  const DeadlineResult one = calendar_.CommittedDeadline(Cst(2026, 3, 6, 10, 15), 1);
  EXPECT_EQ(Text(one.deadline), "2026-03-09T17:00:00+08:00");
  EXPECT_FALSE(one.provisional);
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 3, 6, 10), 5).deadline),
            "2026-03-13T17:00:00+08:00");
  // Accepted on a Saturday: Monday is the first day after it.
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 3, 7, 11), 1).deadline),
            "2026-03-09T17:00:00+08:00");
}

TEST_F(WorkingCalendarTest, AcceptanceDayNeverCountsWhateverTheTime) {
  for (const sys_seconds accepted : {Cst(2026, 3, 9, 0), Cst(2026, 3, 9, 8, 59),
                                     Cst(2026, 3, 9, 12), Cst(2026, 3, 9, 23, 59, 59)}) {
    EXPECT_EQ(Text(calendar_.CommittedDeadline(accepted, 1).deadline), "2026-03-10T17:00:00+08:00");
  }
}

TEST_F(WorkingCalendarTest, DeadlineSkipsAWeekdayHoliday) {
  // Friday 2026-04-03, then the Qingming weekend and Monday 04-06 off.
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 4, 3, 9), 1).deadline),
            "2026-04-07T17:00:00+08:00");
  // Thursday 2026-04-30, then 05-01..05-05 off; Saturday 05-09 is worked.
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 4, 30, 9), 1).deadline),
            "2026-05-06T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 4, 30, 9), 4).deadline),
            "2026-05-09T17:00:00+08:00");
}

TEST_F(WorkingCalendarTest, DeadlineLandsOnAMakeUpSunday) {
  // 2026-01-01..03 are holidays; Sunday 01-04 is worked. Accepted in 2025 (not loaded): the
  // acceptance day is never classified, so the deadline is not provisional.
  const DeadlineResult result = calendar_.CommittedDeadline(Cst(2025, 12, 31, 16), 1);
  EXPECT_EQ(Text(result.deadline), "2026-01-04T17:00:00+08:00");
  EXPECT_FALSE(result.provisional);
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 1, 4, 10), 1).deadline),
            "2026-01-05T17:00:00+08:00");
}

TEST_F(WorkingCalendarTest, NationalDayWeek) {
  // Wednesday 2026-09-30; 10-01..10-07 off; Thursday 10-08, Friday 10-09, Saturday 10-10 worked.
  for (const sys_seconds accepted :
       {Cst(2026, 9, 30, 0), Cst(2026, 9, 30, 9), Cst(2026, 9, 30, 16, 59, 59),
        Cst(2026, 9, 30, 17), Cst(2026, 9, 30, 23, 59, 59)}) {
    const DeadlineResult result = calendar_.CommittedDeadline(accepted, 3);
    EXPECT_EQ(Text(result.deadline), "2026-10-10T17:00:00+08:00") << Text(accepted);
    EXPECT_FALSE(result.provisional);
  }
  // The same moment given in UTC: 2026-09-29T16:30Z is already 09-30 in China.
  EXPECT_EQ(Text(calendar_.CommittedDeadline(*ParseRfc3339("2026-09-29T16:30:00Z"), 3).deadline),
            "2026-10-10T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 10, 8, 9), 3).deadline),
            "2026-10-12T17:00:00+08:00");
}

TEST_F(WorkingCalendarTest, SpringFestival) {
  // Saturday 02-14 worked, 02-15..02-23 off, Saturday 02-28 worked.
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 2, 13, 10), 1).deadline),
            "2026-02-14T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 2, 13, 10), 2).deadline),
            "2026-02-24T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 2, 14, 10), 1).deadline),
            "2026-02-24T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 2, 18, 10), 5).deadline),
            "2026-02-28T17:00:00+08:00");
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 2, 13, 9), Cst(2026, 2, 24, 17)), 3 * 8h);
}

TEST_F(WorkingCalendarTest, ZeroWorkingDaysMeansTheCloseOfTheAcceptanceOrNextWorkingDay) {
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 3, 9, 10), 0).deadline),
            "2026-03-09T17:00:00+08:00");
  // After the close the deadline is the same day's close, already past.
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 3, 9, 18), 0).deadline),
            "2026-03-09T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 10, 1, 10), 0).deadline),
            "2026-10-08T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 10, 10, 10), 0).deadline),
            "2026-10-10T17:00:00+08:00");
  // N = 0 classifies the acceptance day itself.
  EXPECT_TRUE(calendar_.CommittedDeadline(Cst(2025, 12, 31, 10), 0).provisional);
}

TEST_F(WorkingCalendarTest, DeadlineAcrossTheYearEndIsProvisional) {
  // Thursday 2026-12-31; 2027 is not loaded, so Friday 2027-01-01 counts by the weekday rule.
  const DeadlineResult into_2027 = calendar_.CommittedDeadline(Cst(2026, 12, 31, 10), 1);
  EXPECT_EQ(Text(into_2027.deadline), "2027-01-01T17:00:00+08:00");
  EXPECT_TRUE(into_2027.provisional);
  const DeadlineResult within_2026 = calendar_.CommittedDeadline(Cst(2026, 12, 29, 10), 2);
  EXPECT_EQ(Text(within_2026.deadline), "2026-12-31T17:00:00+08:00");
  EXPECT_FALSE(within_2026.provisional);
  EXPECT_TRUE(calendar_.CommittedDeadline(Cst(2026, 12, 29, 10), 3).provisional);
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 12, 29, 10), 3).deadline),
            "2027-01-01T17:00:00+08:00");
}

TEST(WorkingCalendarWithoutFilesTest, EveryResultIsProvisionalAndFollowsTheWeekdayRule) {
  const WorkingCalendar calendar({}, {});
  EXPECT_TRUE(calendar.IsWorkingDay(Date(2026, 10, 1)));  // Thursday
  const DeadlineResult result = calendar.CommittedDeadline(Cst(2026, 9, 30, 10), 3);
  EXPECT_EQ(Text(result.deadline), "2026-10-05T17:00:00+08:00");
  EXPECT_TRUE(result.provisional);
  const WorkingTimeResult span =
      calendar.MeasureWorkingTime(Cst(2026, 9, 30, 9), Cst(2026, 10, 2, 17));
  EXPECT_EQ(span.working_time, 3 * 8h);
  EXPECT_TRUE(span.provisional);
}

TEST_F(WorkingCalendarTest, DeadlineInALaterUnloadedYear) {
  // Friday 2027-12-31 → Monday 2028-01-03, by the weekday rule.
  const DeadlineResult result = calendar_.CommittedDeadline(Cst(2027, 12, 31, 10), 1);
  EXPECT_EQ(Text(result.deadline), "2028-01-03T17:00:00+08:00");
  EXPECT_TRUE(result.provisional);
}

TEST_F(WorkingCalendarTest, DeadlineAgreesWithCountingDayByDay) {
  for (sys_seconds accepted = Cst(2025, 12, 20, 10); accepted < Cst(2027, 1, 10, 10);
       accepted += 24h) {
    for (const int n : {0, 1, 2, 3, 5, 7, 15, 20, 60}) {
      ASSERT_EQ(calendar_.CommittedDeadline(accepted, n).deadline,
                ReferenceDeadline(calendar_, accepted, n))
          << Text(accepted) << " N=" << n;
    }
  }
  const sys_seconds accepted = Cst(2026, 1, 5, 10);
  EXPECT_EQ(calendar_.CommittedDeadline(accepted, kMaxWorkingDaySpan).deadline,
            ReferenceDeadline(calendar_, accepted, kMaxWorkingDaySpan));
}

TEST_F(WorkingCalendarTest, DeadlineRejectsNegativeAndRunawayLimits) {
  EXPECT_THROW(calendar_.CommittedDeadline(Cst(2026, 3, 9, 10), -1), std::invalid_argument);
  EXPECT_THROW(calendar_.CommittedDeadline(Cst(2026, 3, 9, 10), kMaxWorkingDaySpan + 1),
               std::invalid_argument);
}

TEST_F(WorkingCalendarTest, RatingFollowUpIsDueInFifteenWorkingDays) {
  // Rated Friday 2026-09-18: 09-20 (Sunday) worked, 09-25 off, 10-01..07 off, 10-10 worked.
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 9, 18, 20), 15).deadline),
            Text(ReferenceDeadline(calendar_, Cst(2026, 9, 18, 20), 15)));
  EXPECT_EQ(Text(calendar_.CommittedDeadline(Cst(2026, 9, 18, 20), 15).deadline),
            "2026-10-15T17:00:00+08:00");
}

// --- Working time -------------------------------------------------------------------------------

TEST_F(WorkingCalendarTest, WorkingTimeWithinOneDay) {
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 9, 10, 30), Cst(2026, 3, 9, 15, 45)),
            5h + 15min);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 9, 8), Cst(2026, 3, 9, 20)), 8h);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 9, 7), Cst(2026, 3, 9, 8)), 0s);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 9, 17), Cst(2026, 3, 9, 23)), 0s);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 9, 16, 59, 59), Cst(2026, 3, 9, 17, 0, 1)),
            1s);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 14, 10), Cst(2026, 3, 14, 12)), 0s);
}

TEST_F(WorkingCalendarTest, WorkingTimeIsZeroForAnEmptyOrReversedSpan) {
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 9, 12), Cst(2026, 3, 9, 12)), 0s);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 10, 12), Cst(2026, 3, 9, 12)), 0s);
}

TEST_F(WorkingCalendarTest, WorkingTimeOutsideOfficeHoursAndOverAWeekend) {
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 9, 17, 30), Cst(2026, 3, 10, 8, 30)), 0s);
  // Friday 15:00 → Monday 11:00.
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 13, 15), Cst(2026, 3, 16, 11)), 4h);
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 3, 13, 20), Cst(2026, 3, 16, 8)), 0s);
}

TEST_F(WorkingCalendarTest, WorkingTimeAcrossHolidays) {
  // Thursday 2026-04-30 16:00 → Wednesday 05-06 10:00 over the May Day holiday.
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 4, 30, 16), Cst(2026, 5, 6, 10)), 2h);
  // 04-30, 05-06, 05-07, 05-08 and the make-up Saturday 05-09.
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 4, 30, 9), Cst(2026, 5, 11, 9)), 5 * 8h);
  // The National Day week: only Saturday 10-10 between Wednesday 09-30's close and 10-12.
  EXPECT_EQ(calendar_.WorkingTimeBetween(Cst(2026, 9, 30, 17), Cst(2026, 10, 12, 9)), 3 * 8h);
}

TEST_F(WorkingCalendarTest, WorkingTimeAcrossTheYearEnd) {
  // Thursday 2026-12-31 16:00 → Monday 2027-01-04 10:00, 2027 by the weekday rule.
  const WorkingTimeResult result =
      calendar_.MeasureWorkingTime(Cst(2026, 12, 31, 16), Cst(2027, 1, 4, 10));
  EXPECT_EQ(result.working_time, 1h + 8h + 1h);
  EXPECT_TRUE(result.provisional);
  // No office hour of 2027 is touched: not provisional.
  const WorkingTimeResult evening =
      calendar_.MeasureWorkingTime(Cst(2026, 12, 31, 16), Cst(2027, 1, 1, 9));
  EXPECT_EQ(evening.working_time, 1h);
  EXPECT_FALSE(evening.provisional);
  EXPECT_FALSE(calendar_.MeasureWorkingTime(Cst(2026, 1, 1, 0), Cst(2026, 12, 31, 23)).provisional);
  // 2025-12-31 17:30 is after the close: 2025 is not touched.
  EXPECT_FALSE(
      calendar_.MeasureWorkingTime(Cst(2025, 12, 31, 17, 30), Cst(2026, 1, 5, 10)).provisional);
  EXPECT_TRUE(
      calendar_.MeasureWorkingTime(Cst(2025, 12, 31, 16, 30), Cst(2026, 1, 5, 10)).provisional);
}

TEST_F(WorkingCalendarTest, WorkingTimeAgreesWithCountingDayByDay) {
  std::mt19937_64 random(20260930);
  const auto first = Cst(2025, 11, 1, 0).time_since_epoch().count();
  const auto last = Cst(2028, 3, 1, 0).time_since_epoch().count();
  std::uniform_int_distribution<std::int64_t> moment(first, last);
  std::uniform_int_distribution<std::int64_t> short_span(0, 20 * 86400);
  for (int i = 0; i < 3000; ++i) {
    const sys_seconds from{chrono::seconds{moment(random)}};
    const sys_seconds to = i % 2 == 0 ? sys_seconds{chrono::seconds{moment(random)}}
                                      : from + chrono::seconds{short_span(random)};
    ASSERT_EQ(calendar_.WorkingTimeBetween(from, to), ReferenceWorkingTime(calendar_, from, to))
        << Text(from) << " → " << Text(to);
  }
}

TEST_F(WorkingCalendarTest, WorkingTimeOverACenturyIsExact) {
  const sys_seconds from = Cst(2000, 1, 1, 0);
  const sys_seconds to = Cst(2100, 1, 1, 0);
  const WorkingTimeResult result = calendar_.MeasureWorkingTime(from, to);
  EXPECT_EQ(result.working_time, ReferenceWorkingTime(calendar_, from, to));
  EXPECT_TRUE(result.provisional);
}

// --- Adding and subtracting working time ---------------------------------------------------------

TEST_F(WorkingCalendarTest, AddWithinADay) {
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 9, 10), 2h).moment),
            "2026-03-09T12:00:00+08:00");
  // Before the opening the clock starts at 09:00.
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 9, 6), 1h).moment),
            "2026-03-09T10:00:00+08:00");
}

TEST_F(WorkingCalendarTest, AddEndsAtTheCloseWhenUsedUpExactlyThere) {
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 9, 9), 8h).moment),
            "2026-03-09T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 9, 13), 4h).moment),
            "2026-03-09T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 9, 9), 16h).moment),
            "2026-03-10T17:00:00+08:00");
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 9, 13), 4h + 1s).moment),
            "2026-03-10T09:00:01+08:00");
}

TEST_F(WorkingCalendarTest, AddZeroIsTheStart) {
  const MomentResult result = calendar_.AddWorkingTime(Cst(2027, 6, 5, 23), 0s);
  EXPECT_EQ(result.moment, Cst(2027, 6, 5, 23));
  EXPECT_FALSE(result.provisional);
}

TEST_F(WorkingCalendarTest, AddSkipsNonWorkingTime) {
  // Friday 16:00 + 2h → Monday 10:00.
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 13, 16), 2h).moment),
            "2026-03-16T10:00:00+08:00");
  // From a Saturday evening.
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 3, 14, 20), 30min).moment),
            "2026-03-16T09:30:00+08:00");
  // From Wednesday 09-30 18:00 over the National Day week: 10-08, 10-09, then Saturday 10-10.
  EXPECT_EQ(Text(calendar_.AddWorkingTime(Cst(2026, 9, 30, 18), 2 * 8h + 3h).moment),
            "2026-10-10T12:00:00+08:00");
}

TEST_F(WorkingCalendarTest, ResumingMovesTheDeadlineByTheSuspendedWorkingTime) {
  const sys_seconds deadline = calendar_.CommittedDeadline(Cst(2026, 9, 30, 10), 3).deadline;
  ASSERT_EQ(Text(deadline), "2026-10-10T17:00:00+08:00");
  // Suspended from Thursday 10-08 14:00 to Friday 10-09 11:00: 3h + 2h of office time.
  const chrono::seconds suspended =
      calendar_.WorkingTimeBetween(Cst(2026, 10, 8, 14), Cst(2026, 10, 9, 11));
  EXPECT_EQ(suspended, 5h);
  EXPECT_EQ(Text(calendar_.AddWorkingTime(deadline, suspended).moment),
            "2026-10-12T14:00:00+08:00");
  // A whole office day moves it to the next working day's close.
  EXPECT_EQ(Text(calendar_.AddWorkingTime(deadline, 8h).moment), "2026-10-12T17:00:00+08:00");
}

TEST_F(WorkingCalendarTest, AddIntoAnUnloadedYearIsProvisional) {
  const MomentResult result = calendar_.AddWorkingTime(Cst(2026, 12, 31, 16), 2h);
  EXPECT_EQ(Text(result.moment), "2027-01-01T10:00:00+08:00");
  EXPECT_TRUE(result.provisional);
  EXPECT_FALSE(calendar_.AddWorkingTime(Cst(2026, 12, 31, 16), 1h).provisional);
}

TEST_F(WorkingCalendarTest, AddAndSubtractRejectBadAmounts) {
  EXPECT_THROW(calendar_.AddWorkingTime(Cst(2026, 3, 9, 10), -1s), std::invalid_argument);
  EXPECT_THROW(calendar_.SubtractWorkingTime(Cst(2026, 3, 9, 10), -1s), std::invalid_argument);
  const chrono::seconds too_much = kMaxWorkingDaySpan * 8h + 1s;
  EXPECT_THROW(calendar_.AddWorkingTime(Cst(2026, 3, 9, 10), too_much), std::invalid_argument);
  EXPECT_THROW(calendar_.SubtractWorkingTime(Cst(2026, 3, 9, 10), too_much), std::invalid_argument);
  EXPECT_NO_THROW(calendar_.AddWorkingTime(Cst(2026, 3, 9, 10), too_much - 1s));
}

TEST_F(WorkingCalendarTest, AddUndoesWorkingTimeBetween) {
  // `to` inside office hours (or at a close) of a working day is reached exactly.
  std::mt19937_64 random(7);
  const auto first = Cst(2025, 12, 1, 0).time_since_epoch().count();
  const auto last = Cst(2027, 2, 1, 0).time_since_epoch().count();
  std::uniform_int_distribution<std::int64_t> moment(first, last);
  std::uniform_int_distribution<int> office_second(1, 8 * 3600);
  int checked = 0;
  while (checked < 2000) {
    const sys_seconds from{chrono::seconds{moment(random)}};
    const CivilDate to_day = ChinaDateOf(sys_seconds{chrono::seconds{moment(random)}});
    if (!calendar_.IsWorkingDay(to_day)) continue;
    const sys_seconds to = FromChinaLocal(to_day, 9h + chrono::seconds{office_second(random)});
    if (to <= from) continue;
    const chrono::seconds amount = calendar_.WorkingTimeBetween(from, to);
    if (amount == 0s) continue;
    ASSERT_EQ(calendar_.AddWorkingTime(from, amount).moment, to) << Text(from) << " → " << Text(to);
    ++checked;
  }
}

TEST_F(WorkingCalendarTest, SubtractUndoesWorkingTimeBetween) {
  // `from` inside office hours (or at an opening) of a working day is reached exactly.
  std::mt19937_64 random(11);
  const auto first = Cst(2025, 12, 1, 0).time_since_epoch().count();
  const auto last = Cst(2027, 2, 1, 0).time_since_epoch().count();
  std::uniform_int_distribution<std::int64_t> moment(first, last);
  std::uniform_int_distribution<int> office_second(0, 8 * 3600 - 1);
  int checked = 0;
  while (checked < 2000) {
    const CivilDate from_day = ChinaDateOf(sys_seconds{chrono::seconds{moment(random)}});
    if (!calendar_.IsWorkingDay(from_day)) continue;
    const sys_seconds from = FromChinaLocal(from_day, 9h + chrono::seconds{office_second(random)});
    const sys_seconds to{chrono::seconds{moment(random)}};
    if (to <= from) continue;
    const chrono::seconds amount = calendar_.WorkingTimeBetween(from, to);
    if (amount == 0s) continue;
    ASSERT_EQ(calendar_.SubtractWorkingTime(to, amount).moment, from)
        << Text(from) << " → " << Text(to);
    ++checked;
  }
}

TEST_F(WorkingCalendarTest, SubtractEndsAtTheOpeningWhenUsedUpExactlyThere) {
  EXPECT_EQ(Text(calendar_.SubtractWorkingTime(Cst(2026, 3, 10, 17), 8h).moment),
            "2026-03-10T09:00:00+08:00");
  EXPECT_EQ(Text(calendar_.SubtractWorkingTime(Cst(2026, 3, 10, 17), 8h + 1s).moment),
            "2026-03-09T16:59:59+08:00");
  // Monday 10:00 − 2h → Friday 16:00; from a Sunday, the Friday close counts back.
  EXPECT_EQ(Text(calendar_.SubtractWorkingTime(Cst(2026, 3, 16, 10), 2h).moment),
            "2026-03-13T16:00:00+08:00");
  EXPECT_EQ(Text(calendar_.SubtractWorkingTime(Cst(2026, 3, 15, 12), 1h).moment),
            "2026-03-13T16:00:00+08:00");
  EXPECT_EQ(calendar_.SubtractWorkingTime(Cst(2026, 3, 15, 12), 0s).moment, Cst(2026, 3, 15, 12));
}

TEST_F(WorkingCalendarTest, SubtractBackIntoAnUnloadedYearIsProvisional) {
  // Monday 2026-01-05 10:00 − 1h − 8h (Sunday 01-04 worked) − 8h → 2025-12-31 16:00.
  const MomentResult result = calendar_.SubtractWorkingTime(Cst(2026, 1, 5, 10), 1h + 8h + 1h);
  EXPECT_EQ(Text(result.moment), "2025-12-31T16:00:00+08:00");
  EXPECT_TRUE(result.provisional);
  EXPECT_FALSE(calendar_.SubtractWorkingTime(Cst(2026, 1, 5, 10), 9h).provisional);
}

// --- At risk ------------------------------------------------------------------------------------

TEST_F(WorkingCalendarTest, AtRiskMomentLeavesTheShareOfWorkingTime) {
  // Monday 09:00 → Friday 17:00: 40 office hours.
  const sys_seconds accepted = Cst(2026, 3, 9, 9);
  const sys_seconds deadline = Cst(2026, 3, 13, 17);
  const MomentResult quarter = calendar_.AtRiskMoment(accepted, deadline, 0.25);
  EXPECT_EQ(Text(quarter.moment), "2026-03-12T15:00:00+08:00");
  EXPECT_EQ(calendar_.WorkingTimeBetween(quarter.moment, deadline), 10h);
  EXPECT_FALSE(quarter.provisional);
  // Exactly one office day left: from Friday's opening, not Thursday's close.
  EXPECT_EQ(Text(calendar_.AtRiskMoment(accepted, deadline, 0.2).moment),
            "2026-03-13T09:00:00+08:00");
}

TEST_F(WorkingCalendarTest, AtRiskMomentLiesBetweenAcceptanceAndDeadline) {
  const sys_seconds accepted = Cst(2026, 9, 30, 15, 20);
  const DeadlineResult deadline = calendar_.CommittedDeadline(accepted, 3);
  const chrono::seconds total = calendar_.WorkingTimeBetween(accepted, deadline.deadline);
  EXPECT_EQ(total, 1h + 40min + 3 * 8h);
  for (const double share : {0.01, 0.1, 0.3, 0.5, 0.9, 0.99}) {
    const MomentResult at_risk = calendar_.AtRiskMoment(accepted, deadline.deadline, share);
    EXPECT_GE(at_risk.moment, accepted) << share;
    EXPECT_LE(at_risk.moment, deadline.deadline) << share;
    const auto left = calendar_.WorkingTimeBetween(at_risk.moment, deadline.deadline);
    EXPECT_EQ(left.count(), static_cast<std::int64_t>(static_cast<double>(total.count()) * share))
        << share;
  }
  // No working time at all: at risk from the deadline.
  EXPECT_EQ(calendar_.AtRiskMoment(Cst(2026, 10, 1, 10), Cst(2026, 10, 3, 10), 0.5).moment,
            Cst(2026, 10, 3, 10));
}

TEST_F(WorkingCalendarTest, AtRiskMomentIsProvisionalAcrossAnUnloadedYear) {
  const sys_seconds accepted = Cst(2026, 12, 28, 10);
  const DeadlineResult deadline = calendar_.CommittedDeadline(accepted, 10);
  EXPECT_TRUE(deadline.provisional);
  EXPECT_TRUE(calendar_.AtRiskMoment(accepted, deadline.deadline, 0.9).provisional);
}

TEST_F(WorkingCalendarTest, AtRiskMomentRejectsSharesOutsideZeroToOne) {
  const sys_seconds accepted = Cst(2026, 3, 9, 9);
  const sys_seconds deadline = Cst(2026, 3, 13, 17);
  for (const double share : {0.0, 1.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity()}) {
    EXPECT_THROW(calendar_.AtRiskMoment(accepted, deadline, share), std::invalid_argument) << share;
  }
}

// --- Construction and office hours --------------------------------------------------------------

TEST(WorkingCalendarConstructionTest, RejectsBadInput) {
  const std::set<chrono::year> loaded{chrono::year{2026}};
  EXPECT_THROW(WorkingCalendar({}, loaded, OfficeHours{17h, 9h}), std::invalid_argument);
  EXPECT_THROW(WorkingCalendar({}, loaded, OfficeHours{9h, 9h}), std::invalid_argument);
  EXPECT_THROW(WorkingCalendar({}, loaded, OfficeHours{-1min, 9h}), std::invalid_argument);
  EXPECT_THROW(WorkingCalendar({}, loaded, OfficeHours{9h, 24h + 1min}), std::invalid_argument);
  EXPECT_NO_THROW(WorkingCalendar({}, loaded, OfficeHours{0h, 24h}));
  EXPECT_THROW(WorkingCalendar({{Date(2027, 1, 1), DayKind::kHoliday, "元旦"}}, loaded),
               std::invalid_argument);
  EXPECT_THROW(WorkingCalendar({{Date(2026, 2, 30), DayKind::kHoliday, "x"}}, loaded),
               std::invalid_argument);
  EXPECT_THROW(WorkingCalendar({{Date(2026, 10, 1), DayKind::kHoliday, "a"},
                                {Date(2026, 10, 1), DayKind::kWorkday, "b"}},
                               loaded),
               std::invalid_argument);
}

TEST(WorkingCalendarConstructionTest, MergesEntriesOfSeveralFilesInAnyOrder) {
  const WorkingCalendar calendar({{Date(2027, 1, 1), DayKind::kHoliday, "元旦"},
                                  {Date(2026, 10, 1), DayKind::kHoliday, "国庆节"},
                                  {Date(2026, 10, 1), DayKind::kHoliday, "again"},
                                  {Date(2026, 10, 10), DayKind::kWorkday, "调休"}},
                                 {chrono::year{2026}, chrono::year{2027}});
  ASSERT_EQ(calendar.entries().size(), 3u);
  EXPECT_EQ(calendar.entries()[0].date, Date(2026, 10, 1));
  EXPECT_EQ(calendar.FindEntry(Date(2026, 10, 1))->name, "国庆节");
  EXPECT_FALSE(calendar.IsWorkingDay(Date(2027, 1, 1)));
  const DeadlineResult result = calendar.CommittedDeadline(Cst(2026, 12, 31, 10), 1);
  EXPECT_EQ(Text(result.deadline), "2027-01-04T17:00:00+08:00");
  EXPECT_FALSE(result.provisional);
}

TEST(WorkingCalendarOfficeHoursTest, UsesConfiguredHours) {
  const WorkingCalendar calendar = LoadRealCalendar(OfficeHours{8h + 30min, 17h + 30min});
  EXPECT_EQ(Text(calendar.CommittedDeadline(Cst(2026, 9, 30, 10), 3).deadline),
            "2026-10-10T17:30:00+08:00");
  EXPECT_EQ(calendar.WorkingTimeBetween(Cst(2026, 3, 9, 8), Cst(2026, 3, 10, 9)), 9h + 30min);
  EXPECT_EQ(Text(calendar.AddWorkingTime(Cst(2026, 3, 9, 17), 1h).moment),
            "2026-03-10T09:00:00+08:00");
  EXPECT_EQ(Text(calendar.AddWorkingTime(Cst(2026, 3, 9, 8, 30), 9h).moment),
            "2026-03-09T17:30:00+08:00");
  EXPECT_EQ(Text(calendar.SubtractWorkingTime(Cst(2026, 3, 10, 9), 1h).moment),
            "2026-03-09T17:00:00+08:00");
}

TEST(WorkingCalendarOfficeHoursTest, RoundTheClockOfficeCountsWholeWorkingDays) {
  const WorkingCalendar calendar = LoadRealCalendar(OfficeHours{0h, 24h});
  EXPECT_EQ(calendar.WorkingTimeBetween(Cst(2026, 3, 13, 12), Cst(2026, 3, 16, 12)), 24h);
  EXPECT_EQ(Text(calendar.AddWorkingTime(Cst(2026, 3, 13, 12), 12h).moment),
            "2026-03-14T00:00:00+08:00");
  EXPECT_EQ(Text(calendar.CommittedDeadline(Cst(2026, 3, 12, 12), 1).deadline),
            "2026-03-14T00:00:00+08:00");
}

}  // namespace
}  // namespace daiban::cases
