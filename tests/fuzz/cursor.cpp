// Page cursors clients send back: the catalogue's ("i1." + hex of the last code), the
// supervisors' follow-up list's ("f1.<due_at>.<id>") and the phones' sync cursor ("e1.<event id>",
// the first form "e<event id>", or a cold start's "w1.<event id>.<deadline or n>.<case id>").
// Properties: what decodes re-encodes to the same position, and every position encodes to a cursor
// that decodes to it.
#include <string>

#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/mobile/sync/sync_cursor.hpp"
#include "daiban/supervision/followups.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(daiban::fuzz::Text(data, size));
  if (auto code = daiban::catalogue::DecodeCursor(text)) {
    FUZZ_CHECK(daiban::catalogue::EncodeCursor(*code) == text);
  }
  // No page ends on an empty code, so "i1." is refused on purpose; nor on one that is not UTF-8
  // or holds a control character (codes come from the catalogue), which the decoder refuses, and
  // cursors are bounded (1024 characters: "i1." and the hex of at most 510 bytes).
  if (!text.empty() && text.size() <= 510 && daiban::kernel::IsAcceptablePathParam(text)) {
    FUZZ_CHECK(daiban::catalogue::DecodeCursor(daiban::catalogue::EncodeCursor(text)) == text);
  }

  try {
    auto cursor = daiban::supervision::ParseFollowupCursor(text);
    auto back =
        daiban::supervision::ParseFollowupCursor(daiban::supervision::FollowupCursorText(cursor));
    FUZZ_CHECK(back.due_at == cursor.due_at && back.id == cursor.id);
  } catch (const daiban::kernel::ApiError&) {
  }
  try {
    const auto cursor = daiban::mobile::ParseSyncCursor(text);
    FUZZ_CHECK(cursor.event_id >= 0);
    FUZZ_CHECK(!cursor.open_work || cursor.open_work->case_id > 0);
    FUZZ_CHECK(daiban::mobile::ParseSyncCursor(daiban::mobile::SyncCursorText(cursor)) == cursor);
  } catch (const daiban::kernel::ApiError& error) {
    FUZZ_CHECK(error.Status() == 400 && error.Field() == "cursor");
  }
  return 0;
}
