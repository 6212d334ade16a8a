#include "daiban/catalogue/calendar_service.hpp"

#include <regex>

#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::catalogue {

CalendarService::CalendarService(CalendarStore& store, const kernel::Clock& clock,
                                 cases::OfficeHours office_hours, std::chrono::seconds refresh)
    : store_(store), clock_(clock), office_hours_(office_hours), refresh_(refresh) {}

void CalendarService::Load(const std::string& file_name, const std::string& text) {
  auto parsed = cases::ParseCalendarCsv(text);
  if (auto* error = std::get_if<cases::CalendarCsvError>(&parsed)) {
    throw kernel::CsvError(file_name, error->line, error->column, error->message);
  }
  store_.ReplaceYears(std::get<cases::CalendarFile>(parsed), file_name);
  std::lock_guard lock(mutex_);
  current_.reset();  // reload on next use
}

std::shared_ptr<const cases::WorkingCalendar> CalendarService::Current() {
  std::lock_guard lock(mutex_);
  auto now = clock_.Now();
  if (!current_ || now - loaded_at_ >= refresh_) {
    cases::CalendarFile stored = store_.LoadAll();
    current_ = std::make_shared<const cases::WorkingCalendar>(
        std::move(stored.entries), std::move(stored.years), office_hours_);
    loaded_at_ = now;
  }
  return current_;
}

cases::DeadlineResult CalendarService::Deadline(std::chrono::sys_seconds from, int working_days) {
  if (working_days < 0 || working_days > cases::kMaxWorkingDaySpan) {
    throw kernel::BadRequest("working_days must be 0.." + std::to_string(cases::kMaxWorkingDaySpan),
                             "working_days");
  }
  return Current()->CommittedDeadline(from, working_days);
}

cases::OfficeHours ParseOfficeHours(const std::string& text) {
  static const std::regex kPattern(
      "^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$");
  std::smatch match;
  if (!std::regex_match(text, match, kPattern)) {
    throw kernel::ConfigError("office hours '" + text + "' are invalid: expected HH:MM-HH:MM");
  }
  auto minutes = [&](int h, int m) {
    return std::chrono::minutes(std::stoi(match[h]) * 60 + std::stoi(match[m]));
  };
  cases::OfficeHours hours{minutes(1, 2), minutes(3, 4)};
  if (hours.open >= hours.close || hours.close > std::chrono::minutes(24 * 60)) {
    throw kernel::ConfigError("office hours '" + text + "' must open before they close");
  }
  return hours;
}

}  // namespace daiban::catalogue
