#include "daiban/mobile/sync/sync_cursor.hpp"

#include <limits>
#include <string_view>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::mobile {

namespace {

constexpr const char* kTag = "e1";
constexpr std::int64_t kMaxEventId = std::numeric_limits<std::int64_t>::max();

}  // namespace

std::string SyncCursorText(std::int64_t event_id) {
  return kernel::EncodeCursor(kTag, {std::to_string(event_id)});
}

std::int64_t ParseSyncCursor(const std::string& cursor) {
  if (cursor.empty()) return 0;
  if (cursor.find('.') != std::string::npos) {
    return kernel::CursorNumber(kernel::DecodeCursor(cursor, kTag, 1).front(), 0, kMaxEventId);
  }
  // The first form, "e<id>": phones installed before the platform's cursor shape hold it.
  if (cursor[0] != 'e') throw kernel::BadRequest("malformed cursor", "cursor");
  return kernel::CursorNumber(std::string_view(cursor).substr(1), 0, kMaxEventId);
}

}  // namespace daiban::mobile
