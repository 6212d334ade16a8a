#pragma once

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daiban/cases/working_calendar.hpp"

// The holiday calendar file (db/seed/calendar/cn-calendar-YYYY.csv), parsed without I/O.
//
// Format, strictly:
// - Read with kernel::CsvTable: RFC 4180, UTF-8 (every field is checked), optionally starting
//   with a byte order mark; lines end in LF or CRLF (a lone CR also ends a line); the last line
//   may or may not end in a line end. Empty lines and comment lines (starting with '#') are
//   skipped anywhere after the header.
// - Line 1 is exactly the header `date,kind,name`.
// - Every other record has exactly three fields: `date` is YYYY-MM-DD naming a real date; `kind`
//   is `holiday` or `workday` (lower case); `name` is non-empty with no control characters. A
//   field may be quoted ("a ""b"", c"); a quoted field may span lines, but no field may hold a
//   line break, so such a record is refused at the line where it starts. Nothing is trimmed, so
//   surrounding spaces are part of a field (and make a date or kind invalid).
// - Extra fields are an error: an unquoted comma in a name would otherwise be lost silently.
// - A date may appear once. A holiday on a Saturday or Sunday (the official notices list whole
//   holiday spans) and a workday on a Monday–Friday (no effect) are both accepted.

namespace daiban::cases {

// A parsed calendar file.
struct CalendarFile {
  std::vector<CalendarEntry> entries;  // in file order
  // The years the file covers: every year in which it lists at least one date. These become
  // "loaded" years of a WorkingCalendar.
  std::set<std::chrono::year> years;
};

// Why a calendar file was rejected.
struct CalendarCsvError {
  int line = 0;    // 1-based physical line number (a BOM does not count)
  int column = 0;  // 1-based field index: 1 date, 2 kind, 3 name, 4 an extra field
  std::string message;

  bool operator==(const CalendarCsvError&) const = default;
};

// Either the parsed file or the first error found in it.
using CalendarCsvResult = std::variant<CalendarFile, CalendarCsvError>;

// Parses a calendar file's text. Never throws on bad input: reports the first error instead.
CalendarCsvResult ParseCalendarCsv(std::string_view text);

}  // namespace daiban::cases
