#pragma once

#include <string>

namespace daiban::kernel {

// What a member of staff reaches, the one rule every supervisor route applies (DESIGN.md,
// Security): an administrator everything; a supervisor its region with the whole subtree below
// it, intersected with its department when it has both; nobody else anything. Applied to
//   - a case: its region is in the subtree and (department-scoped) its department is that one;
//   - an agent: one of its regions is in the subtree and (department-scoped) it serves that
//     department;
//   - a courier, which serves no department: one of its regions is in the subtree (so a
//     supervisor scoped by department alone reaches no courier).
// The stores apply it in their queries (db/scope_sql.hpp): lists leave out what is outside, and a
// single object outside is answered exactly like an unknown one (404).
struct StaffScope {
  bool everything = false;
  std::string region_code{};      // with its subtree; empty: not limited by region
  std::string department_code{};  // empty: not limited by department

  static StaffScope Everything() { return {.everything = true}; }
  static StaffScope Nothing() { return {}; }
  static StaffScope Of(std::string region_code, std::string department_code) {
    return {.region_code = std::move(region_code), .department_code = std::move(department_code)};
  }
  // A scope naming neither a region nor a department reaches nothing (a supervisor account
  // always names one; this keeps a broken account from seeing everything).
  bool ReachesNothing() const {
    return !everything && region_code.empty() && department_code.empty();
  }
};

}  // namespace daiban::kernel
