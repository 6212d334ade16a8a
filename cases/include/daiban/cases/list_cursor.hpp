#pragma once

#include <string>

#include "daiban/cases/case_model.hpp"
#include "daiban/cases/case_store.hpp"

// The page cursors of a case list, shared by the staff list and a phone's task list.
namespace daiban::cases {

// The cursor after `last` in the filter's order: "k1.<deadline or n>.<id>" in deadline order,
// "c1.<created_at>.<id>" in creation order.
std::string ListCursor(const Case& last, ListOrder order);

// Sets the filter's keyset from a cursor ListCursor made for the filter's order; a malformed
// cursor, or one of the other order, is a 400 naming `cursor`.
void ApplyListCursor(const std::string& cursor, CaseFilter& filter);

}  // namespace daiban::cases
