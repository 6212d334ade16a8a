#include "daiban/cases/working_calendar.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;
using chrono::sys_days;
using chrono::sys_seconds;

constexpr chrono::days kOneDay{1};

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t quotient = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --quotient;
  return quotient;
}

// A running count of Monday–Friday dates: WeekdaysBefore(b) - WeekdaysBefore(a) is the number
// of them in [a, b), for any a <= b.
std::int64_t WeekdaysBefore(sys_days day) {
  // 1970-01-05 (day 4 of the epoch) was a Monday.
  const std::int64_t since_monday = day.time_since_epoch().count() - 4;
  const std::int64_t weeks = FloorDiv(since_monday, 7);
  const std::int64_t rest = since_monday - weeks * 7;  // 0 = Monday ... 6 = Sunday
  return weeks * 5 + std::min<std::int64_t>(rest, 5);
}

bool IsMondayToFriday(sys_days day) {
  const chrono::weekday weekday{day};
  return weekday != chrono::Saturday && weekday != chrono::Sunday;
}

// The date for an error message; never throws for a valid date.
std::string DescribeDate(CivilDate date) {
  const int year = static_cast<int>(date.year());
  if (date.ok() && year >= 0 && year <= 9999) return FormatIsoDate(date);
  return "(" + std::to_string(year) + "-" + std::to_string(static_cast<unsigned>(date.month())) +
         "-" + std::to_string(static_cast<unsigned>(date.day())) + ")";
}

}  // namespace

WorkingCalendar::WorkingCalendar(std::vector<CalendarEntry> entries,
                                 std::set<chrono::year> loaded_years, OfficeHours office_hours)
    : loaded_years_(std::move(loaded_years)), office_hours_(office_hours) {
  if (office_hours_.open < chrono::minutes{0} || office_hours_.close > chrono::hours{24} ||
      office_hours_.open >= office_hours_.close) {
    throw std::invalid_argument("office hours must satisfy 00:00 <= open < close <= 24:00");
  }
  for (const CalendarEntry& entry : entries) {
    if (!entry.date.ok()) {
      throw std::invalid_argument("calendar entry with invalid date " + DescribeDate(entry.date));
    }
    if (!loaded_years_.contains(entry.date.year())) {
      throw std::invalid_argument("calendar entry " + DescribeDate(entry.date) +
                                  " lies in a year that is not loaded");
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const CalendarEntry& a, const CalendarEntry& b) { return a.date < b.date; });
  for (CalendarEntry& entry : entries) {
    if (!entries_.empty() && entries_.back().date == entry.date) {
      if (entries_.back().kind != entry.kind) {
        throw std::invalid_argument("calendar lists " + DescribeDate(entry.date) +
                                    " both as a holiday and as a workday");
      }
      continue;
    }
    entries_.push_back(std::move(entry));
  }

  entry_days_.reserve(entries_.size());
  deviation_sums_.push_back(0);
  for (const CalendarEntry& entry : entries_) {
    const sys_days day{entry.date};
    entry_days_.push_back(day);
    const bool plain_rule_works = IsMondayToFriday(day);
    const bool works = entry.kind == DayKind::kWorkday;
    if (works != plain_rule_works) {
      deviation_days_.push_back(day);
      deviation_sums_.push_back(deviation_sums_.back() + (works ? 1 : -1));
    }
  }
}

bool WorkingCalendar::IsWorkingDay(CivilDate date) const {
  if (!date.ok()) throw std::invalid_argument("IsWorkingDay: invalid date");
  return WorksOn(sys_days{date});
}

bool WorkingCalendar::IsLoadedYear(chrono::year year) const { return loaded_years_.contains(year); }

const CalendarEntry* WorkingCalendar::FindEntry(CivilDate date) const {
  if (!date.ok()) return nullptr;
  const auto it = std::lower_bound(entry_days_.begin(), entry_days_.end(), sys_days{date});
  if (it == entry_days_.end() || *it != sys_days{date}) return nullptr;
  return &entries_[static_cast<std::size_t>(it - entry_days_.begin())];
}

DeadlineResult WorkingCalendar::CommittedDeadline(sys_seconds accepted_at, int working_days) const {
  if (working_days < 0 || working_days > kMaxWorkingDaySpan) {
    throw std::invalid_argument("committed time limit must be 0.." +
                                std::to_string(kMaxWorkingDaySpan) + " working days, got " +
                                std::to_string(working_days));
  }
  const sys_days acceptance_day{ChinaDateOf(accepted_at)};
  const sys_days first_counted = working_days == 0 ? acceptance_day : acceptance_day + kOneDay;
  const sys_days due_day = NthWorkingDayFrom(first_counted, std::max(working_days, 1));
  return DeadlineResult{OfficeMoment(due_day, office_hours_.close),
                        AnyUnloadedYear(first_counted, due_day)};
}

WorkingTimeResult WorkingCalendar::MeasureWorkingTime(sys_seconds from, sys_seconds to) const {
  if (to <= from) return WorkingTimeResult{};
  const chrono::seconds open = office_hours_.open;
  const chrono::seconds close = office_hours_.close;
  const chrono::seconds zero{0};
  const ChinaLocalTime start = ToChinaLocal(from);
  const ChinaLocalTime end = ToChinaLocal(to);
  const sys_days first_day{start.date};
  const sys_days last_day{end.date};

  chrono::seconds total{0};
  if (first_day == last_day) {
    if (WorksOn(first_day)) {
      total = std::max(zero,
                       std::min(end.since_midnight, close) - std::max(start.since_midnight, open));
    }
  } else {
    if (WorksOn(first_day)) total += std::max(zero, close - std::max(start.since_midnight, open));
    if (WorksOn(last_day)) total += std::max(zero, std::min(end.since_midnight, close) - open);
    total += OfficeDay() * CountWorkingDays(first_day + kOneDay, last_day);
  }
  // Only days whose office hours overlap [from, to) were classified in a way that matters.
  const sys_days first_touched = start.since_midnight < close ? first_day : first_day + kOneDay;
  const sys_days last_touched = end.since_midnight > open ? last_day : last_day - kOneDay;
  return WorkingTimeResult{total, AnyUnloadedYear(first_touched, last_touched)};
}

chrono::seconds WorkingCalendar::WorkingTimeBetween(sys_seconds from, sys_seconds to) const {
  return MeasureWorkingTime(from, to).working_time;
}

MomentResult WorkingCalendar::AddWorkingTime(sys_seconds from, chrono::seconds amount) const {
  CheckAmount(amount, "AddWorkingTime");
  if (amount == chrono::seconds{0}) return MomentResult{from, false};
  const chrono::seconds open = office_hours_.open;
  const chrono::seconds close = office_hours_.close;
  const ChinaLocalTime start = ToChinaLocal(from);
  const sys_days start_day{start.date};
  const bool before_close = start.since_midnight < close;
  const sys_days first_touched = before_close ? start_day : start_day + kOneDay;

  chrono::seconds left = amount;
  if (before_close && WorksOn(start_day)) {
    const chrono::seconds begin = std::max(start.since_midnight, open);
    const chrono::seconds available = close - begin;
    if (left <= available) {
      return MomentResult{OfficeMoment(start_day, begin + left),
                          AnyUnloadedYear(start_day, start_day)};
    }
    left -= available;
  }
  // `left` > 0 runs from the opening of office on the following working days: whole office days
  // first, then a last part in (0, one office day], so that it may end exactly at a close.
  const std::int64_t whole_days = (left.count() - 1) / OfficeDay().count();
  const chrono::seconds last_part = left - OfficeDay() * whole_days;
  const sys_days last_day = NthWorkingDayFrom(start_day + kOneDay, whole_days + 1);
  return MomentResult{OfficeMoment(last_day, open + last_part),
                      AnyUnloadedYear(first_touched, last_day)};
}

MomentResult WorkingCalendar::SubtractWorkingTime(sys_seconds to, chrono::seconds amount) const {
  CheckAmount(amount, "SubtractWorkingTime");
  if (amount == chrono::seconds{0}) return MomentResult{to, false};
  const chrono::seconds open = office_hours_.open;
  const chrono::seconds close = office_hours_.close;
  const ChinaLocalTime end = ToChinaLocal(to);
  const sys_days end_day{end.date};
  const bool after_open = end.since_midnight > open;
  const sys_days last_touched = after_open ? end_day : end_day - kOneDay;

  chrono::seconds left = amount;
  if (after_open && WorksOn(end_day)) {
    const chrono::seconds finish = std::min(end.since_midnight, close);
    const chrono::seconds available = finish - open;
    if (left <= available) {
      return MomentResult{OfficeMoment(end_day, finish - left), AnyUnloadedYear(end_day, end_day)};
    }
    left -= available;
  }
  // Mirror of AddWorkingTime: whole office days backward, then a last part ending at an opening
  // at the earliest.
  const std::int64_t whole_days = (left.count() - 1) / OfficeDay().count();
  const chrono::seconds last_part = left - OfficeDay() * whole_days;
  const sys_days first_day = NthWorkingDayBackFrom(end_day - kOneDay, whole_days + 1);
  return MomentResult{OfficeMoment(first_day, close - last_part),
                      AnyUnloadedYear(first_day, last_touched)};
}

MomentResult WorkingCalendar::AtRiskMoment(sys_seconds accepted_at, sys_seconds deadline,
                                           double share_left) const {
  // Written so that NaN fails too.
  if (!(share_left > 0.0 && share_left < 1.0)) {
    throw std::invalid_argument("AtRiskMoment: share_left must lie strictly between 0 and 1");
  }
  const WorkingTimeResult total = MeasureWorkingTime(accepted_at, deadline);
  const chrono::seconds left{
      static_cast<std::int64_t>(static_cast<double>(total.working_time.count()) * share_left)};
  const MomentResult moment = SubtractWorkingTime(deadline, left);
  return MomentResult{moment.moment, total.provisional || moment.provisional};
}

bool WorkingCalendar::WorksOn(sys_days day) const {
  const auto it = std::lower_bound(entry_days_.begin(), entry_days_.end(), day);
  if (it != entry_days_.end() && *it == day) {
    return entries_[static_cast<std::size_t>(it - entry_days_.begin())].kind == DayKind::kWorkday;
  }
  return IsMondayToFriday(day);
}

std::int64_t WorkingCalendar::CountWorkingDays(sys_days first, sys_days end) const {
  if (end <= first) return 0;
  const auto deviations_from =
      std::lower_bound(deviation_days_.begin(), deviation_days_.end(), first) -
      deviation_days_.begin();
  const auto deviations_to = std::lower_bound(deviation_days_.begin(), deviation_days_.end(), end) -
                             deviation_days_.begin();
  return WeekdaysBefore(end) - WeekdaysBefore(first) +
         deviation_sums_[static_cast<std::size_t>(deviations_to)] -
         deviation_sums_[static_cast<std::size_t>(deviations_from)];
}

sys_days WorkingCalendar::NthWorkingDayFrom(sys_days first, std::int64_t n) const {
  // Grow a window [first, first + reach) until it holds n working days (it must: only finitely
  // many dates are listed as holidays), then find the shortest such window by bisection.
  std::int64_t reach = n;
  while (CountWorkingDays(first, first + chrono::days{reach}) < n) reach *= 2;
  std::int64_t low = 1;
  std::int64_t high = reach;
  while (low < high) {
    const std::int64_t middle = low + (high - low) / 2;
    if (CountWorkingDays(first, first + chrono::days{middle}) >= n) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return first + chrono::days{low - 1};
}

sys_days WorkingCalendar::NthWorkingDayBackFrom(sys_days last, std::int64_t n) const {
  const sys_days end = last + kOneDay;
  std::int64_t reach = n;
  while (CountWorkingDays(end - chrono::days{reach}, end) < n) reach *= 2;
  std::int64_t low = 1;
  std::int64_t high = reach;
  while (low < high) {
    const std::int64_t middle = low + (high - low) / 2;
    if (CountWorkingDays(end - chrono::days{middle}, end) >= n) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return end - chrono::days{low};
}

bool WorkingCalendar::AnyUnloadedYear(sys_days first, sys_days last) const {
  if (last < first) return false;
  const int first_year = static_cast<int>(CivilDate{first}.year());
  const int last_year = static_cast<int>(CivilDate{last}.year());
  for (int year = first_year; year <= last_year; ++year) {
    if (!loaded_years_.contains(chrono::year{year})) return true;
  }
  return false;
}

sys_seconds WorkingCalendar::OfficeMoment(sys_days day, chrono::seconds since_midnight) const {
  return FromChinaLocal(CivilDate{day}, since_midnight);
}

chrono::seconds WorkingCalendar::OfficeDay() const {
  return office_hours_.close - office_hours_.open;
}

void WorkingCalendar::CheckAmount(chrono::seconds amount, const char* caller) const {
  if (amount < chrono::seconds{0}) {
    throw std::invalid_argument(std::string(caller) + ": negative amount of working time");
  }
  if (amount > OfficeDay() * kMaxWorkingDaySpan) {
    throw std::invalid_argument(std::string(caller) + ": amount above " +
                                std::to_string(kMaxWorkingDaySpan) + " office days");
  }
}

}  // namespace daiban::cases
