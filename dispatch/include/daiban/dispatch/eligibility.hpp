#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "daiban/dispatch/agent_model.hpp"

// Which agents may be offered a case: the hard constraints of dispatch. Everything softer
// (distance, load, urgency) is a cost, see assignment_cost.hpp.
//
// Bundles (一件事). A bundle's steps belong to several departments, and few agents handle all of
// them. An agent that handles every department of the bundle is eligible outright. An agent that
// handles at least the lead department (departments[0]) but not every other step's department is
// still eligible, as the *primary agent with hand-offs*: it owns the case, does the lead
// department's steps and hands the other steps to colleagues of those departments (needs_handoff
// = true). Full coverage is preferred through the cost, not forbidden: a hand-off pays
// CostWeights::handoff_penalty, so a primary agent wins only when no full-coverage agent has room
// or every one of them is costlier by more than the penalty. An agent lacking the lead department
// is never eligible: the lead department's hall is where the case starts.

namespace daiban::dispatch {

struct EligibilityOptions {
  // For 领办: the least time between two appointments of one agent (travel plus the previous
  // appointment's own length). Appointments exactly this far apart do not clash.
  std::chrono::minutes appointment_gap{120};
};

// Why an agent may not take a case; kNone when it may. When several reasons hold, the first in
// this order is reported.
enum class Ineligible {
  kNone,
  kOffDuty,           // not on duty today
  kOutsideHours,      // now is outside its working hours
  kNoCapacity,        // load >= capacity
  kRegion,            // the case's region is not among its covered regions
  kDepartment,        // lacks a department of the case (for a bundle: lacks the lead department)
  kExcluded,          // declined the case or let an offer of it expire
  kAppointmentClash,  // 领办: its hours do not cover the appointment, or another appointment of
                      // its lies within the appointment gap
};

// "none", "off_duty", "outside_hours", "no_capacity", "region", "department", "excluded",
// "appointment_clash": stable words for logs, metrics and API answers.
std::string_view ToWord(Ineligible reason);

struct Eligibility {
  Ineligible reason = Ineligible::kNone;
  // Only when reason == kNone: the agent is a bundle's primary agent and must hand the steps of
  // the departments it lacks to colleagues.
  bool needs_handoff = false;

  bool Eligible() const { return reason == Ineligible::kNone; }
};

// Why `agent` may take no case at all at `now` (off duty, outside its hours, full), kNone when
// it has a free place: the part of CheckEligibility that does not depend on the case.
Ineligible CheckFreePlace(const AgentProfile& agent, std::chrono::sys_seconds now);

// Promises the verdict on offering `pending_case` to `agent` at `now`:
//   - the agent is on duty, `now` is inside its working hours, load < capacity;
//   - the case's region code is one of its covered regions (exact match: covered_regions is
//     already expanded to streets);
//   - it handles every department of the case, or, for a bundle, at least the lead department
//     (then needs_handoff = true); a case with no department needs no skill;
//   - it is not among the case's excluded agents;
//   - for a 领办 case (mode "led") with an appointment: its working hours cover the appointment
//     and none of its appointments lies strictly within appointment_gap of it. A 领办 case with
//     no appointment yet is not checked for one.
Eligibility CheckEligibility(const AgentProfile& agent, const PendingCase& pending_case,
                             std::chrono::sys_seconds now, const EligibilityOptions& options);

// A supervisor's direct assignment (assign, reassign) to one chosen agent. The case must lie in
// the agent's region and the agent must handle its departments (as above, a bundle's primary
// agent with hand-offs qualifies): those are refused, never overridden, since an agent outside
// them would receive an applicant's name, phone and address it has no business with. What a
// supervisor knows better than the dispatcher — the agent is off duty, outside its hours, full,
// declined the case earlier, or has a 领办 appointment close by — is overridden and listed, so
// the answer and the case's timeline say what was overridden. (An inactive account is refused
// by the caller, which alone knows the account.)
struct ManualAssignment {
  Ineligible refusal = Ineligible::kNone;  // kRegion or kDepartment, else kNone
  std::vector<Ineligible> overrides;       // in the order of Ineligible; empty when eligible
  bool needs_handoff = false;

  bool Refused() const { return refusal != Ineligible::kNone; }
};

ManualAssignment CheckManualAssignment(const AgentProfile& agent, const PendingCase& pending_case,
                                       std::chrono::sys_seconds now,
                                       const EligibilityOptions& options);

}  // namespace daiban::dispatch
