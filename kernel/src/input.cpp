#include "daiban/kernel/input.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::kernel {

namespace {

namespace chrono = std::chrono;

ApiError FieldError(int status, const std::string& field, std::string message) {
  if (status == 422) return Invalid(field, std::move(message));
  if (status == 404) return NotFound(std::move(message));
  return BadRequest(std::move(message), field);
}

ApiError MalformedCursor() { return BadRequest("malformed cursor", "cursor"); }

std::optional<std::int64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

// --- Times ---------------------------------------------------------------------------------------

bool IsInputTimeInRange(chrono::sys_seconds moment) {
  return moment >= kEarliestInputTime && moment < kLatestInputTime;
}

std::optional<chrono::sys_seconds> ParseRfc3339(std::string_view text) {
  // "YYYY-MM-DDTHH:MM:SS" is 19 characters; the shortest valid text adds "Z".
  if (text.size() < 20 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::optional<int> year = ReadDigits(text, 0, 4);
  const std::optional<int> month = ReadDigits(text, 5, 2);
  const std::optional<int> day = ReadDigits(text, 8, 2);
  if (!year || !month || !day) return std::nullopt;
  const chrono::year_month_day date{chrono::year{*year},
                                    chrono::month{static_cast<unsigned>(*month)},
                                    chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
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
  return chrono::sys_days{date} + wall_time - offset;
}

chrono::sys_seconds ParseTimeField(std::string_view text, const std::string& field, int status) {
  auto moment = ParseRfc3339(text);
  if (!moment) {
    throw FieldError(status, field, field + " must be an RFC 3339 date-time with an offset");
  }
  if (!IsInputTimeInRange(*moment)) {
    throw FieldError(status, field,
                     field + " must lie between 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z");
  }
  return *moment;
}

std::string FormatRfc3339(chrono::sys_seconds moment, chrono::minutes offset) {
  // The outermost moments whose local reading has a four-digit year.
  const chrono::sys_seconds first_local{chrono::sys_days{chrono::year{0} / 1 / 1}};
  const chrono::sys_seconds last_local{chrono::sys_days{chrono::year{9999} / 12 / 31} +
                                       chrono::seconds{86399}};
  // Compare on the wall-clock scale without overflowing near the ends of sys_seconds.
  const auto count = moment.time_since_epoch().count();
  const auto shift = chrono::duration_cast<chrono::seconds>(offset).count();
  chrono::sys_seconds wall;
  if (count > last_local.time_since_epoch().count() - shift) {
    wall = last_local;
  } else if (count < first_local.time_since_epoch().count() - shift) {
    wall = first_local;
  } else {
    wall = moment + offset;
  }
  const chrono::sys_days day = chrono::floor<chrono::days>(wall);
  const chrono::year_month_day date{day};
  const auto seconds = static_cast<int>((wall - day).count());
  std::string out;
  out.reserve(25);
  AppendDigits(out, static_cast<int>(date.year()), 4);
  out += '-';
  AppendDigits(out, static_cast<int>(static_cast<unsigned>(date.month())), 2);
  out += '-';
  AppendDigits(out, static_cast<int>(static_cast<unsigned>(date.day())), 2);
  out += 'T';
  AppendDigits(out, seconds / 3600, 2);
  out += ':';
  AppendDigits(out, seconds / 60 % 60, 2);
  out += ':';
  AppendDigits(out, seconds % 60, 2);
  if (offset == chrono::minutes{0}) return out + "Z";
  const auto minutes = std::abs(offset.count());
  out += offset.count() < 0 ? '-' : '+';
  AppendDigits(out, static_cast<int>(minutes / 60 % 100), 2);
  out += ':';
  AppendDigits(out, static_cast<int>(minutes % 60), 2);
  return out;
}

// --- Path parameters -----------------------------------------------------------------------------

bool IsAcceptablePathParam(std::string_view text) {
  if (!IsValidUtf8(text)) return false;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

std::int64_t ParsePathId(std::string_view text, const std::string& not_found_message) {
  auto value = ParseDecimal(text);
  if (!value || *value < 1 || !IsAsciiDigit(text.front())) throw NotFound(not_found_message);
  return *value;
}

// --- Numbers -------------------------------------------------------------------------------------

std::int64_t ParseIntField(std::string_view text, const std::string& field, std::int64_t min,
                           std::int64_t max) {
  auto value = ParseDecimal(text);
  if (!value || *value < min || *value > max) {
    throw BadRequest(
        field + " must be a whole number in " + std::to_string(min) + ".." + std::to_string(max),
        field);
  }
  return *value;
}

// --- Cursors -------------------------------------------------------------------------------------

std::string EncodeCursor(std::string_view tag, const std::vector<std::string>& parts) {
  std::string out(tag);
  for (const auto& part : parts) out.append(".").append(part);
  return out;
}

std::vector<std::string> DecodeCursor(std::string_view cursor, std::string_view tag,
                                      std::size_t count) {
  // Bounded so a huge cursor costs nothing to refuse.
  if (cursor.size() > 1024 || cursor.size() <= tag.size() + 1 ||
      cursor.substr(0, tag.size()) != tag || cursor[tag.size()] != '.') {
    throw MalformedCursor();
  }
  std::vector<std::string> parts;
  std::string_view rest = cursor.substr(tag.size() + 1);
  for (;;) {
    const auto dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    if (part.empty()) throw MalformedCursor();
    for (char c : part) {
      const bool plain = IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || c == '-';
      if (!plain) throw MalformedCursor();
    }
    parts.emplace_back(part);
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (parts.size() != count) throw MalformedCursor();
  return parts;
}

std::int64_t CursorNumber(std::string_view part, std::int64_t min, std::int64_t max) {
  auto value = ParseDecimal(part);
  if (!value || *value < min || *value > max) throw MalformedCursor();
  return *value;
}

chrono::sys_seconds CursorTime(std::string_view part) {
  const chrono::sys_seconds moment{
      chrono::seconds{CursorNumber(part, kEarliestInputTime.time_since_epoch().count(),
                                   kLatestInputTime.time_since_epoch().count() - 1)}};
  return moment;
}

std::string CursorHex(std::string_view text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char c : text) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0x0f];
  }
  return out;
}

std::string CursorText(std::string_view part) {
  if (part.size() % 2 != 0) throw MalformedCursor();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < part.size(); i += 2) {
    const int high = nibble(part[i]);
    const int low = nibble(part[i + 1]);
    if (high < 0 || low < 0) throw MalformedCursor();
    out += static_cast<char>(high * 16 + low);
  }
  if (out.empty() || !IsAcceptablePathParam(out)) throw MalformedCursor();
  return out;
}

// --- Positions -----------------------------------------------------------------------------------

bool IsValidPosition(double lat, double lng) {
  return std::isfinite(lat) && std::isfinite(lng) && std::abs(lat) <= kMaxLatitude &&
         std::abs(lng) <= kMaxLongitude;
}

double ParseCoordinateJson(const Json& object, std::string_view key, const std::string& field,
                           double limit) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) throw Invalid(field, field + " is required");
  if (!it->is_number()) throw Invalid(field, field + " must be a number");
  const double value = it->get<double>();
  // JSON has no NaN or infinity, but a body built in code can hold them.
  if (!std::isfinite(value) || std::abs(value) > limit) {
    const std::string bound = std::to_string(static_cast<int>(limit));
    throw Invalid(field,
                  field + " must be between -" + bound + " and " + bound + " (WGS-84 degrees)");
  }
  return value;
}

GeoPoint ParsePositionJson(const Json& value, const std::string& field) {
  auto fail = [&] {
    return Invalid(field,
                   field + " needs numeric lat in [-90, 90] and lng in [-180, 180] (WGS-84)");
  };
  if (!value.is_object()) throw fail();
  auto lat = value.find("lat");
  auto lng = value.find("lng");
  if (lat == value.end() || lng == value.end() || !lat->is_number() || !lng->is_number()) {
    throw fail();
  }
  GeoPoint position{lat->get<double>(), lng->get<double>()};
  if (!IsValidPosition(position.lat, position.lng)) throw fail();
  return position;
}

double ParseCoordinateText(std::string_view text, const std::string& field, double limit,
                           int status) {
  auto fail = [&] {
    return FieldError(
        status, field,
        field + " must be a decimal number within ±" + std::to_string(static_cast<int>(limit)));
  };
  if (text.empty() || text.size() > 32) throw fail();
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      std::abs(value) > limit) {
    throw fail();
  }
  return value;
}

// --- Texts ---------------------------------------------------------------------------------------

void CheckText(std::string_view text, const std::string& field, int status) {
  if (!IsValidUtf8(text)) throw FieldError(status, field, field + " is not valid UTF-8");
  if (text.find('\0') != std::string_view::npos) {
    throw FieldError(status, field, field + " must not contain a NUL character");
  }
}

// --- Idempotency keys ----------------------------------------------------------------------------

std::string ParseIdempotencyKey(const std::optional<std::string>& header) {
  auto fail = [] {
    return BadRequest("an Idempotency-Key header (1..128 printable ASCII characters) is required",
                      "Idempotency-Key");
  };
  if (!header || header->empty() || header->size() > kMaxIdempotencyKeyLength) throw fail();
  for (char c : *header) {
    if (c < 0x21 || c > 0x7e) throw fail();
  }
  return *header;
}

}  // namespace daiban::kernel
