#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "daiban/cases/calendar_csv.hpp"
#include "daiban/cases/case_store.hpp"
#include "daiban/cases/working_calendar.hpp"
#include "daiban/kernel/clock.hpp"

namespace daiban::catalogue {

// Storage of the holiday calendar. Implementations: PgCalendarStore.
class CalendarStore {
 public:
  virtual ~CalendarStore() = default;
  // Replaces every stored day of the file's years with the file's entries and records the
  // years as loaded, in one transaction.
  virtual void ReplaceYears(const cases::CalendarFile& file, const std::string& source) = 0;
  virtual cases::CalendarFile LoadAll() = 0;
};

// The working-day calendar as loaded in the database. A calendar loaded by another process
// (daibanctl calendar load) is picked up within `refresh` without a restart; deadlines already
// set never move, since they are stored on the cases.
class CalendarService : public cases::CalendarSource {
 public:
  CalendarService(CalendarStore& store, const kernel::Clock& clock, cases::OfficeHours office_hours,
                  std::chrono::seconds refresh = std::chrono::seconds(60));

  // Parses a calendar file and stores its years. Throws kernel::CsvError (file, line, column)
  // on a bad file; nothing is written then.
  void Load(const std::string& file_name, const std::string& text);

  std::shared_ptr<const cases::WorkingCalendar> Current() override;

  // The committed deadline N working days after `from` (DESIGN.md §1).
  cases::DeadlineResult Deadline(std::chrono::sys_seconds from, int working_days);

  const cases::OfficeHours& OfficeHours() const { return office_hours_; }

 private:
  CalendarStore& store_;
  const kernel::Clock& clock_;
  cases::OfficeHours office_hours_;
  std::chrono::seconds refresh_;
  std::mutex mutex_;
  std::shared_ptr<const cases::WorkingCalendar> current_;
  kernel::Instant loaded_at_{};
};

// Parses "HH:MM-HH:MM" (e.g. "09:00-17:00"); throws kernel::ConfigError.
cases::OfficeHours ParseOfficeHours(const std::string& text);

}  // namespace daiban::catalogue
