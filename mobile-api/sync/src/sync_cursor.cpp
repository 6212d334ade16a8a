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
constexpr const char* kNoDeadline = "n";

}  // namespace

std::string SyncCursorText(const SyncCursor& cursor) {
  if (cursor.open_work) {
    const auto& deadline = cursor.open_work->deadline;
    return kernel::EncodeCursor(
        kOpenWorkTag,
        {std::to_string(cursor.event_id),
         deadline ? std::to_string(deadline->time_since_epoch().count()) : kNoDeadline,
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
    std::optional<kernel::Moment> deadline;
    if (parts[1] != kNoDeadline) deadline = kernel::CursorTime(parts[1]);
    return {kernel::CursorNumber(parts[0], 0, kMaxId),
            OpenWorkMark{deadline, kernel::CursorNumber(parts[2], 1, kMaxId)}};
  }
  return {kernel::CursorNumber(kernel::DecodeCursor(cursor, kEventsTag, 1).front(), 0, kMaxId),
          std::nullopt};
}

}  // namespace daiban::mobile
