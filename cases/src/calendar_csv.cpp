#include "daiban/cases/calendar_csv.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <utility>

#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;

constexpr std::size_t kFieldCount = 3;
constexpr const char* kFieldNames[kFieldCount] = {"date", "kind", "name"};
// CsvTable wants a file name for its errors; CalendarCsvError carries none (callers add theirs).
constexpr const char* kFileName = "calendar";

bool HasControlCharacter(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

// A field for an error message: quoted, cut short if long, and safe to put in JSON or a log
// (control characters, and every non-ASCII byte of a field that is not valid UTF-8, as \xNN).
std::string Quote(std::string_view field) {
  constexpr std::size_t kMaxShown = 40;
  const bool valid_utf8 = kernel::IsValidUtf8(field);
  std::size_t shown = std::min(field.size(), kMaxShown);
  if (valid_utf8) {
    // Do not cut a character in two.
    while (shown < field.size() && (static_cast<unsigned char>(field[shown]) & 0xC0) == 0x80) {
      --shown;
    }
  }
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char c : field.substr(0, shown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || (byte >= 0x80 && !valid_utf8)) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    } else {
      out += c;
    }
  }
  if (shown < field.size()) out += "...";
  return out + "\"";
}

CalendarCsvError Error(int line, int column, std::string message) {
  return CalendarCsvError{line, column, std::move(message)};
}

// CsvTable reports errors about a whole line (no header) as column 0; ours are 1-based.
CalendarCsvError FromCsvError(const kernel::CsvError& error, std::string_view prefix = {}) {
  return Error(error.Line(), std::max(error.Column(), 1), std::string(prefix) + error.Reason());
}

// Checks that line 1 is exactly the header `date,kind,name`. Parsing that line on its own
// locates a wrong header at its column even when later records have a different field count.
std::optional<CalendarCsvError> CheckHeaderLine(std::string_view text) {
  const std::string_view first_line = text.substr(0, text.find('\n'));
  std::string_view content = first_line;  // CsvTable itself skips one BOM, so pass it the line
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);
  if (content.ends_with('\r')) content.remove_suffix(1);
  if (content.empty() || content.starts_with('#')) {
    return Error(1, 1, "missing header `date,kind,name` on line 1");
  }
  std::vector<std::string> names;
  try {
    names = kernel::CsvTable::Parse(kFileName, first_line).Header();
  } catch (const kernel::CsvError& error) {
    return FromCsvError(error, "header: ");
  }
  for (std::size_t index = 0; index < kFieldCount; ++index) {
    if (index >= names.size() || names[index] != kFieldNames[index]) {
      const int column = static_cast<int>(index) + 1;
      return Error(1, column,
                   std::string("header must be `date,kind,name`: expected `") + kFieldNames[index] +
                       "` in column " + std::to_string(column));
    }
  }
  if (names.size() > kFieldCount) {
    return Error(1, static_cast<int>(kFieldCount) + 1,
                 "header must be `date,kind,name`: extra column");
  }
  return std::nullopt;
}

CalendarCsvResult Parse(std::string_view text) {
  if (auto error = CheckHeaderLine(text)) return *std::move(error);
  // Checks quoting, UTF-8 and that every record has exactly the header's three fields.
  const kernel::CsvTable table = kernel::CsvTable::Parse(kFileName, text);

  CalendarFile file;
  std::map<chrono::sys_days, int> line_of_date;
  for (const kernel::CsvRow& row : table.Rows()) {
    const int line = row.line;
    const std::string& date_text = row.fields[0];
    const std::optional<CivilDate> date = ParseIsoDate(date_text);
    if (!date) {
      return Error(line, 1,
                   "invalid date " + Quote(date_text) + ": expected a real date as YYYY-MM-DD");
    }
    const auto [previous, inserted] = line_of_date.emplace(chrono::sys_days{*date}, line);
    if (!inserted) {
      return Error(line, 1,
                   "duplicate date " + date_text + " (first on line " +
                       std::to_string(previous->second) + ")");
    }

    DayKind kind;
    if (row.fields[1] == "holiday") {
      kind = DayKind::kHoliday;
    } else if (row.fields[1] == "workday") {
      kind = DayKind::kWorkday;
    } else {
      return Error(line, 2,
                   "unknown kind " + Quote(row.fields[1]) + ": expected `holiday` or `workday`");
    }

    const std::string& name = row.fields[2];  // valid UTF-8: CsvTable checks every field
    if (name.empty()) return Error(line, 3, "empty name");
    if (HasControlCharacter(name)) return Error(line, 3, "name contains a control character");

    file.years.insert(date->year());
    file.entries.push_back(CalendarEntry{*date, kind, name});
  }
  return file;
}

}  // namespace

CalendarCsvResult ParseCalendarCsv(std::string_view text) {
  try {
    return Parse(text);
  } catch (const kernel::CsvError& error) {
    return FromCsvError(error);
  }
}

}  // namespace daiban::cases
