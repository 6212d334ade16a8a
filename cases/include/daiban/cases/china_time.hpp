#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "daiban/kernel/vocabulary.hpp"

// China Standard Time and the text forms of dates and moments used by the cases library.
//
// Moments are kernel::Moment: UTC, to the second. China Standard Time is UTC+08:00 all year (no
// daylight saving since 1991), so converting with the fixed offset is exact; no time-zone database
// is needed. Supported moments: those whose local year is in 0001–9999.

namespace daiban::cases {

// A date on the proleptic Gregorian calendar, with no time zone attached.
using CivilDate = std::chrono::year_month_day;

// The offset of China Standard Time from UTC.
inline constexpr std::chrono::seconds kChinaUtcOffset = std::chrono::hours{8};

// A moment as read on a clock in China: the local date and the time since local midnight.
struct ChinaLocalTime {
  CivilDate date;
  // Always in [00:00:00, 24:00:00) when produced by ToChinaLocal.
  std::chrono::seconds since_midnight{0};

  // Whole minutes since local midnight (seconds dropped), in [0, 1440).
  std::chrono::minutes MinuteOfDay() const;

  bool operator==(const ChinaLocalTime&) const = default;
};

// The local date and time in China of a UTC moment. Total over the supported range.
ChinaLocalTime ToChinaLocal(kernel::Moment moment);

// The local date in China of a UTC moment.
CivilDate ChinaDateOf(kernel::Moment moment);

// The UTC moment at which clocks in China show `date` and `since_midnight`. `since_midnight` may
// lie outside one day (24h is the next midnight); minutes and hours convert implicitly, so
// FromChinaLocal(date, std::chrono::minutes{17 * 60}) is 17:00. Throws std::invalid_argument if
// `date` is not a valid date. Inverse of ToChinaLocal.
kernel::Moment FromChinaLocal(CivilDate date, std::chrono::seconds since_midnight);

// "YYYY-MM-DD". Throws std::invalid_argument for an invalid date and std::out_of_range for a
// year outside 0000–9999.
std::string FormatIsoDate(CivilDate date);

// Parses exactly "YYYY-MM-DD" (four-digit year, two-digit month and day) naming a real date.
// std::nullopt on anything else: other lengths, signs, spaces, month 13, 2026-02-29, ...
std::optional<CivilDate> ParseIsoDate(std::string_view text);

// RFC 3339 in China Standard Time with whole seconds, e.g. "2026-10-10T17:00:00+08:00".
// Total: a moment whose local year is outside 0000–9999 is clamped (kernel::FormatRfc3339), so
// rendering a stored value never throws.
std::string FormatRfc3339China(kernel::Moment moment);

// Parses an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)". Any offset
// is accepted ("-00:00" means UTC); 't' and 'z' may be lower case; a fraction of any number of
// digits is truncated to whole seconds. Strict: std::nullopt on anything malformed, e.g. an
// invalid date (month 13, Feb 30), hour 24, a leap second (:60, which a Moment cannot hold),
// a missing or partial offset, a space instead of 'T', an empty fraction, or trailing text.
// Syntax only, the same parser as kernel::ParseRfc3339: a time entering the system goes through
// kernel::ParseTimeField, which also checks the accepted range.
std::optional<kernel::Moment> ParseRfc3339(std::string_view text);

}  // namespace daiban::cases
