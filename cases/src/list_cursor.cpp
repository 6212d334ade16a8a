#include "daiban/cases/list_cursor.hpp"

#include <limits>
#include <string_view>

#include "daiban/kernel/input.hpp"

namespace daiban::cases {

// Each order its own tag, and no other paged list uses these (the catalogue's items have "i1"),
// so a cursor of another list or order is refused (400 naming cursor) rather than read as a
// position in this one.
constexpr std::string_view kCreatedTag = "c1";
constexpr std::string_view kDeadlineTag = "k1";

std::string ListCursor(const Case& last, ListOrder order) {
  if (order == ListOrder::kCreated) {
    return kernel::EncodeCursor(
        kCreatedTag,
        {std::to_string(last.created_at.time_since_epoch().count()), std::to_string(last.id)});
  }
  std::string deadline =
      last.clock ? std::to_string(last.clock->deadline.time_since_epoch().count()) : "n";
  return kernel::EncodeCursor(kDeadlineTag, {deadline, std::to_string(last.id)});
}

void ApplyListCursor(const std::string& cursor, CaseFilter& filter) {
  const bool by_created = filter.order == ListOrder::kCreated;
  const auto parts = kernel::DecodeCursor(cursor, by_created ? kCreatedTag : kDeadlineTag, 2);
  filter.after_id = kernel::CursorNumber(parts[1], 1, std::numeric_limits<std::int64_t>::max());
  if (by_created) {
    filter.after_created = kernel::CursorTime(parts[0]);
  } else if (parts[0] == "n") {
    filter.after_no_deadline = true;
  } else {
    filter.after_deadline = kernel::CursorTime(parts[0]);
  }
}

}  // namespace daiban::cases
