#include "daiban/cases/china_time.hpp"

#include <cstddef>
#include <stdexcept>

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Appends `value` (in [0, 10^width)) as exactly `width` decimal digits.
void AppendDigits(std::string& out, int value, int width) {
  std::string digits(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i) {
    digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out += digits;
}

// Reads exactly `width` ASCII digits starting at `pos`; std::nullopt if the text is too short
// or any of them is not a digit.
std::optional<int> ReadDigits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos > text.size() || text.size() - pos < width) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!IsAsciiDigit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

void AppendIsoDate(std::string& out, CivilDate date) {
  if (!date.ok()) throw std::invalid_argument("FormatIsoDate: invalid date");
  const int year = static_cast<int>(date.year());
  if (year < 0 || year > 9999) {
    throw std::out_of_range("FormatIsoDate: year outside 0000-9999");
  }
  AppendDigits(out, year, 4);
  out += '-';
  AppendDigits(out, static_cast<int>(static_cast<unsigned>(date.month())), 2);
  out += '-';
  AppendDigits(out, static_cast<int>(static_cast<unsigned>(date.day())), 2);
}

}  // namespace

chrono::minutes ChinaLocalTime::MinuteOfDay() const {
  return chrono::floor<chrono::minutes>(since_midnight);
}

ChinaLocalTime ToChinaLocal(chrono::sys_seconds moment) {
  // The local wall-clock reading, expressed on the sys_seconds scale.
  const chrono::sys_seconds wall = moment + kChinaUtcOffset;
  const chrono::sys_days day = chrono::floor<chrono::days>(wall);
  return ChinaLocalTime{CivilDate{day}, wall - day};
}

CivilDate ChinaDateOf(chrono::sys_seconds moment) { return ToChinaLocal(moment).date; }

chrono::sys_seconds FromChinaLocal(CivilDate date, chrono::seconds since_midnight) {
  if (!date.ok()) throw std::invalid_argument("FromChinaLocal: invalid date");
  return chrono::sys_days{date} + since_midnight - kChinaUtcOffset;
}

std::string FormatIsoDate(CivilDate date) {
  std::string out;
  AppendIsoDate(out, date);
  return out;
}

std::optional<CivilDate> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::optional<int> year = ReadDigits(text, 0, 4);
  const std::optional<int> month = ReadDigits(text, 5, 2);
  const std::optional<int> day = ReadDigits(text, 8, 2);
  if (!year || !month || !day) return std::nullopt;
  const CivilDate date{chrono::year{*year}, chrono::month{static_cast<unsigned>(*month)},
                       chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string FormatRfc3339China(chrono::sys_seconds moment) {
  const ChinaLocalTime local = ToChinaLocal(moment);
  const auto seconds = static_cast<int>(local.since_midnight.count());
  std::string out;
  out.reserve(25);
  AppendIsoDate(out, local.date);
  out += 'T';
  AppendDigits(out, seconds / 3600, 2);
  out += ':';
  AppendDigits(out, seconds / 60 % 60, 2);
  out += ':';
  AppendDigits(out, seconds % 60, 2);
  out += "+08:00";
  return out;
}

std::optional<chrono::sys_seconds> ParseRfc3339(std::string_view text) {
  // "YYYY-MM-DDTHH:MM:SS" is 19 characters; the shortest valid text adds "Z".
  if (text.size() < 20) return std::nullopt;
  const std::optional<CivilDate> date = ParseIsoDate(text.substr(0, 10));
  if (!date) return std::nullopt;
  if (text[10] != 'T' && text[10] != 't') return std::nullopt;
  if (text[13] != ':' || text[16] != ':') return std::nullopt;
  const std::optional<int> hour = ReadDigits(text, 11, 2);
  const std::optional<int> minute = ReadDigits(text, 14, 2);
  const std::optional<int> second = ReadDigits(text, 17, 2);
  if (!hour || !minute || !second) return std::nullopt;
  if (*hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

  std::size_t pos = 19;
  if (text[pos] == '.') {
    const std::size_t fraction_start = ++pos;
    while (pos < text.size() && IsAsciiDigit(text[pos])) ++pos;
    if (pos == fraction_start) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;

  chrono::minutes offset{0};
  const char designator = text[pos];
  if (designator == 'Z' || designator == 'z') {
    ++pos;
  } else if (designator == '+' || designator == '-') {
    if (text.size() - pos != 6 || text[pos + 3] != ':') return std::nullopt;
    const std::optional<int> offset_hours = ReadDigits(text, pos + 1, 2);
    const std::optional<int> offset_minutes = ReadDigits(text, pos + 4, 2);
    if (!offset_hours || !offset_minutes) return std::nullopt;
    if (*offset_hours > 23 || *offset_minutes > 59) return std::nullopt;
    offset = chrono::minutes{*offset_hours * 60 + *offset_minutes};
    if (designator == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const chrono::seconds wall_time =
      chrono::hours{*hour} + chrono::minutes{*minute} + chrono::seconds{*second};
  // A positive offset means local clocks are ahead of UTC.
  return chrono::sys_days{*date} + wall_time - offset;
}

}  // namespace daiban::cases
