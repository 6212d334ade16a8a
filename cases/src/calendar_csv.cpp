#include "daiban/cases/calendar_csv.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "daiban/cases/china_time.hpp"

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr int kFieldCount = 3;
constexpr const char* kFieldNames[kFieldCount] = {"date", "kind", "name"};

// A field-splitting failure: the 1-based field it occurred in and why.
struct SplitError {
  int column;
  std::string message;
};

// Splits one line into fields (RFC 4180 quoting, within the line).
std::variant<std::vector<std::string>, SplitError> SplitFields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t pos = 0;
  while (true) {
    const int column = static_cast<int>(fields.size()) + 1;
    std::string field;
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      while (true) {
        if (pos >= line.size()) return SplitError{column, "unterminated quoted field"};
        if (line[pos] == '"') {
          if (pos + 1 < line.size() && line[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        field += line[pos++];
      }
      if (pos < line.size() && line[pos] != ',') {
        return SplitError{column, "unexpected text after a closing quote"};
      }
    } else {
      const std::size_t comma = std::min(line.find(',', pos), line.size());
      field.assign(line.substr(pos, comma - pos));
      if (field.find('"') != std::string::npos) {
        return SplitError{column, "quote inside an unquoted field"};
      }
      pos = comma;
    }
    fields.push_back(std::move(field));
    if (pos >= line.size()) return fields;
    ++pos;  // the comma; a trailing comma yields a last, empty field
  }
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing beyond U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    std::uint32_t smallest = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1Fu;
      smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0Fu;
      smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07u;
      smallest = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<unsigned char>(text[i + k]);
      if ((continuation & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (continuation & 0x3Fu);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

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
  const bool valid_utf8 = IsValidUtf8(field);
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

}  // namespace

CalendarCsvResult ParseCalendarCsv(std::string_view text) {
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());

  CalendarFile file;
  std::map<chrono::sys_days, int> line_of_date;
  int line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size() || line_number == 0) {
    ++line_number;
    const std::size_t line_end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, line_end - pos);
    pos = line_end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);

    if (line_number == 1) {
      if (line.empty()) return Error(1, 1, "missing header `date,kind,name`");
      auto split = SplitFields(line);
      if (const auto* error = std::get_if<SplitError>(&split)) {
        return Error(1, error->column, "header: " + error->message);
      }
      const auto& names = std::get<std::vector<std::string>>(split);
      for (int column = 1; column <= kFieldCount; ++column) {
        const auto index = static_cast<std::size_t>(column - 1);
        if (index >= names.size() || names[index] != kFieldNames[index]) {
          return Error(1, column,
                       std::string("header must be `date,kind,name`: expected `") +
                           kFieldNames[index] + "` in column " + std::to_string(column));
        }
      }
      if (names.size() > kFieldCount) {
        return Error(1, kFieldCount + 1, "header must be `date,kind,name`: extra column");
      }
      continue;
    }
    if (line.empty()) continue;

    auto split = SplitFields(line);
    if (const auto* error = std::get_if<SplitError>(&split)) {
      return Error(line_number, error->column, error->message);
    }
    auto& fields = std::get<std::vector<std::string>>(split);
    if (fields.size() < kFieldCount) {
      const auto missing = fields.size();
      return Error(line_number, static_cast<int>(missing) + 1,
                   std::string("missing field `") + kFieldNames[missing] + "`");
    }
    if (fields.size() > kFieldCount) {
      return Error(line_number, kFieldCount + 1,
                   "extra field " + Quote(fields[kFieldCount]) +
                       " (a name containing a comma must be quoted)");
    }

    const std::optional<CivilDate> date = ParseIsoDate(fields[0]);
    if (!date) {
      return Error(line_number, 1,
                   "invalid date " + Quote(fields[0]) + ": expected a real date as YYYY-MM-DD");
    }
    const auto [previous, inserted] = line_of_date.emplace(chrono::sys_days{*date}, line_number);
    if (!inserted) {
      return Error(line_number, 1,
                   "duplicate date " + fields[0] + " (first on line " +
                       std::to_string(previous->second) + ")");
    }

    DayKind kind;
    if (fields[1] == "holiday") {
      kind = DayKind::kHoliday;
    } else if (fields[1] == "workday") {
      kind = DayKind::kWorkday;
    } else {
      return Error(line_number, 2,
                   "unknown kind " + Quote(fields[1]) + ": expected `holiday` or `workday`");
    }

    std::string& name = fields[2];
    if (name.empty()) return Error(line_number, 3, "empty name");
    if (!IsValidUtf8(name)) return Error(line_number, 3, "name is not valid UTF-8");
    if (HasControlCharacter(name)) {
      return Error(line_number, 3, "name contains a control character");
    }

    file.years.insert(date->year());
    file.entries.push_back(CalendarEntry{*date, kind, std::move(name)});
  }
  return file;
}

}  // namespace daiban::cases
