#pragma once

#include <cstdint>
#include <string>

// Where a phone's sync goes on: the newest case event it has read, written in the platform's one
// cursor shape (kernel::EncodeCursor), "e1.<event id>".
namespace daiban::mobile {

std::string SyncCursorText(std::int64_t event_id);

// The event id of a sync cursor: 0 for none (""), the id of "e1.<id>", and, for the phones in the
// field that still hold the first form "e<id>" (no dot), its id too. Anything else is a 400
// naming `cursor`.
std::int64_t ParseSyncCursor(const std::string& cursor);

}  // namespace daiban::mobile
