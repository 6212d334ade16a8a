#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "daiban/cases/china_time.hpp"

// The working-day calendar: which dates are working days in China and how deadlines and working
// time are counted on them (DESIGN.md §1, "Case lifecycle").

namespace daiban::cases {

// How a calendar entry overrides the plain Monday–Friday rule.
enum class DayKind {
  kHoliday,  // no work, even on a Monday–Friday (法定节假日)
  kWorkday,  // work, even on a Saturday or Sunday (调休上班)
};

// One line of a holiday calendar file.
struct CalendarEntry {
  CivilDate date;
  DayKind kind = DayKind::kHoliday;
  std::string name;  // e.g. "国庆节"; for display only

  bool operator==(const CalendarEntry&) const = default;
};

// Office hours in China Standard Time, as minutes since local midnight. The same hours apply on
// every working day, make-up working days included.
struct OfficeHours {
  std::chrono::minutes open{9 * 60};
  std::chrono::minutes close{17 * 60};
};

// The largest committed time limit (working days) CommittedDeadline accepts, and the largest
// amount, in office days, that AddWorkingTime and SubtractWorkingTime move by: ten years.
inline constexpr int kMaxWorkingDaySpan = 3650;

// A deadline; `provisional` when some day it had to classify lies in a year with no calendar
// loaded (classified by the plain Monday–Friday rule, so a later calendar could disagree).
struct DeadlineResult {
  kernel::Moment deadline;
  bool provisional = false;
};

// A moment found by counting working time; `provisional` as for DeadlineResult.
struct MomentResult {
  kernel::Moment moment;
  bool provisional = false;
};

// An amount of working time; `provisional` as for DeadlineResult.
struct WorkingTimeResult {
  std::chrono::seconds working_time{0};
  bool provisional = false;
};

// Working days and office time on the official holiday calendar.
//
// A date is a working day if the calendar lists it as a workday, not one if it lists it as a
// holiday, and otherwise if it is a Monday–Friday. Dates in years whose calendar was not loaded
// follow the plain rule and make results provisional. Working time is the office time
// (OfficeHours) of working days, in China Standard Time.
//
// Immutable after construction: every member function is const and safe to call from several
// threads.
// Loading another year's file means building a new WorkingCalendar; results already stored
// (deadlines) are the caller's and never move. No member reads a clock or does I/O.
// Members taking moments support local years 0001–9999.
class WorkingCalendar {
 public:
  // `entries` may come from several files, in any order. `loaded_years` are the years whose
  // calendar file was loaded. Throws std::invalid_argument when an entry's date is invalid or
  // lies outside `loaded_years`, when two entries give one date different kinds (identical
  // kinds are merged, the first name kept), or unless 00:00 <= open < close <= 24:00.
  WorkingCalendar(std::vector<CalendarEntry> entries, std::set<std::chrono::year> loaded_years,
                  OfficeHours office_hours = {});

  // Whether `date` is a working day. Throws std::invalid_argument for an invalid date.
  bool IsWorkingDay(CivilDate date) const;

  // Whether a calendar file for `year` was loaded.
  bool IsLoadedYear(std::chrono::year year) const;

  // The entry listed for `date`, or nullptr when the plain rule applies to it.
  const CalendarEntry* FindEntry(CivilDate date) const;

  const OfficeHours& office_hours() const { return office_hours_; }
  const std::set<std::chrono::year>& loaded_years() const { return loaded_years_; }
  // All entries, sorted by date, one per date.
  const std::vector<CalendarEntry>& entries() const { return entries_; }

  // The deadline of a case accepted at `accepted_at` with a committed time limit of
  // `working_days` (承诺时限): the close of office on the N-th working day after the local day of
  // acceptance, which never counts itself, whatever the time of acceptance. N = 0 means the close
  // of office of the acceptance day if it is a working day, otherwise of the next working day
  // (so, accepted after the close on a working day, the deadline precedes the acceptance).
  // Provisional when a day from the one after acceptance (N = 0: the acceptance day) up to the
  // deadline's day lies in a year not loaded. Throws std::invalid_argument unless
  // 0 <= working_days <= kMaxWorkingDaySpan.
  DeadlineResult CommittedDeadline(kernel::Moment accepted_at, int working_days) const;

  // Office time on working days within [from, to); zero when to <= from. Provisional when a day
  // whose office hours overlap [from, to) lies in a year not loaded. Cost is logarithmic in the
  // number of calendar entries, whatever the span.
  WorkingTimeResult MeasureWorkingTime(kernel::Moment from, kernel::Moment to) const;

  // MeasureWorkingTime(from, to).working_time.
  std::chrono::seconds WorkingTimeBetween(kernel::Moment from, kernel::Moment to) const;

  // The earliest moment t >= from with MeasureWorkingTime(from, t) == amount: the clock runs
  // only during office hours, and an amount used up exactly at a close of office ends at that
  // close (17:00), not at the next opening. A zero amount gives `from`. Moves a deadline by the
  // working time a case spent suspended. Throws std::invalid_argument for a negative amount or
  // one above kMaxWorkingDaySpan office days.
  MomentResult AddWorkingTime(kernel::Moment from, std::chrono::seconds amount) const;

  // The latest moment t <= to with MeasureWorkingTime(t, to) == amount (the mirror of
  // AddWorkingTime: an amount used up exactly at an opening of office ends at that opening,
  // 09:00, not at the previous close). A zero amount gives `to`. Same limits as AddWorkingTime.
  MomentResult SubtractWorkingTime(kernel::Moment to, std::chrono::seconds amount) const;

  // The moment from which a case accepted at `accepted_at` and due at `deadline` is at risk:
  // after it, less than `share_left` of the working time between the two is left. That is
  // SubtractWorkingTime(deadline, floor(share_left * working time)), in [accepted_at, deadline]
  // when accepted_at <= deadline, and `deadline` itself when there is no working time between
  // them. Provisional if either count was. Throws std::invalid_argument unless
  // 0 < share_left < 1.
  MomentResult AtRiskMoment(kernel::Moment accepted_at, kernel::Moment deadline,
                            double share_left) const;

 private:
  bool WorksOn(std::chrono::sys_days day) const;
  // Working days in [first, end).
  std::int64_t CountWorkingDays(std::chrono::sys_days first, std::chrono::sys_days end) const;
  // The n-th (n >= 1) working day counting forward from `first`, which counts itself.
  std::chrono::sys_days NthWorkingDayFrom(std::chrono::sys_days first, std::int64_t n) const;
  // The n-th (n >= 1) working day counting backward from `last`, which counts itself.
  std::chrono::sys_days NthWorkingDayBackFrom(std::chrono::sys_days last, std::int64_t n) const;
  // Whether a date in [first, last] lies in a year not loaded; false for an empty range.
  bool AnyUnloadedYear(std::chrono::sys_days first, std::chrono::sys_days last) const;
  kernel::Moment OfficeMoment(std::chrono::sys_days day, std::chrono::seconds since_midnight) const;
  std::chrono::seconds OfficeDay() const;
  void CheckAmount(std::chrono::seconds amount, const char* caller) const;

  std::vector<CalendarEntry> entries_;             // sorted by date, one per date
  std::vector<std::chrono::sys_days> entry_days_;  // entries_[i].date, for binary search
  // Entries that change the plain rule's answer (a holiday on a Monday–Friday, a workday on a
  // weekend), sorted, and the running sum of their effect (-1 or +1) on a working-day count:
  // deviation_sums_[i] is the sum over the first i of them.
  std::vector<std::chrono::sys_days> deviation_days_;
  std::vector<std::int64_t> deviation_sums_;
  std::set<std::chrono::year> loaded_years_;
  OfficeHours office_hours_;
};

}  // namespace daiban::cases
