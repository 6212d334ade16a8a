#include "daiban/mobile/sync/sync_cursor.hpp"

#include <limits>
#include <string_view>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::mobile {

namespace {

constexpr std::string_view kEventsTag = "e1";
constexpr std::string_view kOpenWorkTag = "w1";
constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

}  // namespace

std::string SyncCursorText(const SyncCursor& cursor) {
  if (cursor.open_work) {
    return kernel::EncodeCursor(
        kOpenWorkTag, {std::to_string(cursor.event_id),
                       std::to_string(cursor.open_work->created_at.time_since_epoch().count()),
                       std::to_string(cursor.open_work->case_id)});
  }
  return kernel::EncodeCursor(kEventsTag, {std::to_string(cursor.event_id)});
}

SyncCursor ParseSyncCursor(const std::string& cursor) {
  if (cursor.empty()) return {};
  if (cursor.find('.') == std::string::npos) {
    // The first form, "e<id>": phones installed before the platform's cursor shape hold it.
    if (cursor[0] != 'e') throw kernel::BadRequest("malformed cursor", "cursor");
    return {kernel::CursorNumber(std::string_view(cursor).substr(1), 0, kMaxId), std::nullopt};
  }
  if (std::string_view(cursor).substr(0, kOpenWorkTag.size()) == kOpenWorkTag) {
    const auto parts = kernel::DecodeCursor(cursor, kOpenWorkTag, 3);
    return {kernel::CursorNumber(parts[0], 0, kMaxId),
            OpenWorkMark{kernel::CursorTime(parts[1]), kernel::CursorNumber(parts[2], 1, kMaxId)}};
  }
  return {kernel::CursorNumber(kernel::DecodeCursor(cursor, kEventsTag, 1).front(), 0, kMaxId),
          std::nullopt};
}

}  // namespace daiban::mobile
