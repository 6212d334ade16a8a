#include "daiban/cases/china_time.hpp"

#include <cstddef>
#include <stdexcept>

#include "daiban/kernel/input.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;
using kernel::AppendDigits;
using kernel::ReadDigits;

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
  return kernel::FormatRfc3339(moment, chrono::duration_cast<chrono::minutes>(kChinaUtcOffset));
}

std::optional<chrono::sys_seconds> ParseRfc3339(std::string_view text) {
  return kernel::ParseRfc3339(text);
}

}  // namespace daiban::cases
