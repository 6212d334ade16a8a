#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/kernel/json.hpp"
#include "daiban/kernel/vocabulary.hpp"

// The one parser for each kind of untrusted input: times, path ids, cursors, positions, texts
// and idempotency keys. Every service reads these through here, so a check added once holds
// everywhere. Each `Require…`/`Parse…Field` function throws ApiError (4xx) naming the field; none
// lets library text or a 500 through.

namespace daiban::kernel {

// --- Times -------------------------------------------------------------------------------------

// Times accepted from outside: [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z). Wider values are
// typing mistakes or attacks, and a year past 9999 cannot even be written back in RFC 3339.
inline constexpr std::chrono::sys_seconds kEarliestInputTime{
    std::chrono::sys_days{std::chrono::year{2000} / std::chrono::January / 1}};
inline constexpr std::chrono::sys_seconds kLatestInputTime{
    std::chrono::sys_days{std::chrono::year{2100} / std::chrono::January / 1}};  // exclusive

bool IsInputTimeInRange(std::chrono::sys_seconds moment);

// Parses an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)". Any offset
// is accepted ("-00:00" means UTC); 't' and 'z' may be lower case; a fraction of any number of
// digits is truncated to whole seconds. Strict: std::nullopt on anything malformed, e.g. an
// invalid date (month 13, Feb 30), hour 24, a leap second (:60, which sys_seconds cannot hold),
// a missing or partial offset, a space instead of 'T', an empty fraction, or trailing text.
// Syntax only: no range check (see ParseTimeField).
std::optional<std::chrono::sys_seconds> ParseRfc3339(std::string_view text);

// A time entering the system in `field` (a body member, query parameter or header): RFC 3339
// inside [kEarliestInputTime, kLatestInputTime). Otherwise throws ApiError with `status` (400
// for headers and query parameters, 422 for body members) naming `field`.
std::chrono::sys_seconds ParseTimeField(std::string_view text, const std::string& field,
                                        int status = 400);

// RFC 3339 with whole seconds at the fixed `offset` (e.g. "+08:00"). Total: it never throws; a
// stored value whose local year lies outside 0000–9999 is clamped to the nearest representable
// moment, so one odd row can never take a view down.
std::string FormatRfc3339(std::chrono::sys_seconds moment, std::chrono::minutes offset);

// --- Path parameters ---------------------------------------------------------------------------

// Whether a decoded route parameter may reach a handler: valid UTF-8, no control characters.
// The server wrapper answers 404 error JSON for anything else, before any handler runs.
bool IsAcceptablePathParam(std::string_view text);

// A decimal id in a path (1..2^63-1); 404 with `not_found_message` otherwise.
std::int64_t ParsePathId(std::string_view text, const std::string& not_found_message);

// --- Numbers in query strings ------------------------------------------------------------------

// A whole decimal number in [min, max] (no sign for non-negative ranges, no spaces, no
// overflow); 400 naming `field` otherwise.
std::int64_t ParseIntField(std::string_view text, const std::string& field, std::int64_t min,
                           std::int64_t max);

// --- Cursors -----------------------------------------------------------------------------------

// Page cursors have one shape: "<tag>.<part>.<part>…", e.g. "k1.1767225600.42". `tag` names the
// list and version; parts are numbers or lowercase hex text. Anything else, and any part that
// overflows or decodes to something that is not UTF-8, is a 400 naming `cursor`.
std::string EncodeCursor(std::string_view tag, const std::vector<std::string>& parts);
// The parts of `cursor` after its tag; exactly `count` of them, none empty.
std::vector<std::string> DecodeCursor(std::string_view cursor, std::string_view tag,
                                      std::size_t count);
// A number part in [min, max].
std::int64_t CursorNumber(std::string_view part, std::int64_t min, std::int64_t max);
// A time part (seconds since the epoch) inside the input range.
std::chrono::sys_seconds CursorTime(std::string_view part);
// Text carried as lowercase hex (so dots and any UTF-8 survive); must decode to valid UTF-8.
std::string CursorHex(std::string_view text);
std::string CursorText(std::string_view part);

// --- Positions ---------------------------------------------------------------------------------

// A valid position (GeoPoint, vocabulary.hpp): latitude in [-90, 90], longitude in [-180, 180],
// both finite. Every coordinate reader below checks these same limits.
inline constexpr double kMaxLatitude = 90.0;
inline constexpr double kMaxLongitude = 180.0;
bool IsValidPosition(double lat, double lng);
// One coordinate, the member `key` of a JSON object: a finite number within ±`limit`
// (kMaxLatitude or kMaxLongitude); 422 naming `field` otherwise (missing, not a number, out of
// range), for bodies that name each coordinate on its own.
double ParseCoordinateJson(const Json& object, std::string_view key, const std::string& field,
                           double limit);
// A JSON object {"lat": number, "lng": number}; 422 naming `field` otherwise.
GeoPoint ParsePositionJson(const Json& value, const std::string& field);
// One coordinate as decimal text (form fields, CSV cells): finite, within ±`limit`; 400 naming
// `field` otherwise.
double ParseCoordinateText(std::string_view text, const std::string& field, double limit,
                           int status = 400);

// --- Texts -------------------------------------------------------------------------------------

// A text that may be stored: valid UTF-8 and no NUL (PostgreSQL refuses NUL in text). Throws
// ApiError with `status` naming `field` otherwise.
void CheckText(std::string_view text, const std::string& field, int status = 422);

// --- Idempotency keys --------------------------------------------------------------------------

inline constexpr std::size_t kMaxIdempotencyKeyLength = 128;

// The Idempotency-Key header: 1..128 printable ASCII characters (0x21–0x7e); 400 naming
// Idempotency-Key when missing or otherwise.
std::string ParseIdempotencyKey(const std::optional<std::string>& header);

}  // namespace daiban::kernel
