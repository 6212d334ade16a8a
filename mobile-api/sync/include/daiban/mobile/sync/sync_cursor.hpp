#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "daiban/kernel/vocabulary.hpp"

// Where a phone's sync goes on, written in the platform's one cursor shape (kernel::EncodeCursor).
namespace daiban::mobile {

// The last task a cold start's page sent, in the task list's order (deadline, then case id;
// tasks without a deadline last).
struct OpenWorkMark {
  std::optional<kernel::Moment> deadline;  // none: a task without a deadline
  std::int64_t case_id = 0;

  bool operator==(const OpenWorkMark&) const = default;
};

// A phone's place in the sync:
//  - no cursor (event_id 0, no mark): a cold start, whose first page is the user's open tasks;
//  - "w1.<event id>.<deadline or n>.<case id>": within a cold start, after the task `open_work`;
//    event_id is the newest event when the cold start began, where the events go on after it;
//  - "e1.<event id>": the newest case event read.
struct SyncCursor {
  std::int64_t event_id = 0;
  std::optional<OpenWorkMark> open_work;

  bool ColdStart() const { return event_id == 0 && !open_work; }
  bool operator==(const SyncCursor&) const = default;
};

std::string SyncCursorText(const SyncCursor& cursor);

// The position of a sync cursor: a cold start for none (""), the forms above, and, for the
// phones in the field that still hold the first form "e<id>" (no dot), its event id too.
// Anything else is a 400 naming `cursor`.
SyncCursor ParseSyncCursor(const std::string& cursor);

}  // namespace daiban::mobile
