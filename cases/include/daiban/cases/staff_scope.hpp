#pragma once

#include "daiban/cases/case_model.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/staff_scope.hpp"

namespace daiban::cases {

// What an actor reaches on a supervisor route (kernel::StaffScope): administrators and the
// system everything, a supervisor its region subtree and department; every other role is
// refused (403) before anything is read.
inline kernel::StaffScope SupervisorScopeOf(const Actor& actor) {
  switch (actor.role) {
    case Role::kAdmin:
    case Role::kSystem:
      return kernel::StaffScope::Everything();
    case Role::kSupervisor:
      return kernel::StaffScope::Of(actor.region_code, actor.department_code);
    default:
      throw kernel::Forbidden("supervisors and administrators only");
  }
}

}  // namespace daiban::cases
