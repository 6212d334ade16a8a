#include "daiban/dispatch/eligibility.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace daiban::dispatch {
namespace {

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// The departments part of the verdict: kNone / kDepartment, plus whether a hand-off is needed.
Eligibility CheckDepartments(const AgentProfile& agent, const PendingCase& pending_case) {
  const std::vector<std::string>& wanted = pending_case.departments;
  const bool handles_all = std::all_of(wanted.begin(), wanted.end(), [&](const std::string& d) {
    return Contains(agent.departments, d);
  });
  if (handles_all) return {Ineligible::kNone, false};
  if (pending_case.is_bundle && Contains(agent.departments, wanted.front())) {
    return {Ineligible::kNone, true};
  }
  return {Ineligible::kDepartment, false};
}

bool AppointmentClashes(const AgentProfile& agent, std::chrono::sys_seconds appointment,
                        const EligibilityOptions& options) {
  if (!agent.hours.Covers(appointment)) return true;
  return std::any_of(
      agent.appointments.begin(), agent.appointments.end(), [&](std::chrono::sys_seconds taken) {
        const auto apart = taken > appointment ? taken - appointment : appointment - taken;
        return apart < options.appointment_gap;
      });
}

}  // namespace

std::string_view ToWord(Ineligible reason) {
  switch (reason) {
    case Ineligible::kNone:
      return "none";
    case Ineligible::kOffDuty:
      return "off_duty";
    case Ineligible::kOutsideHours:
      return "outside_hours";
    case Ineligible::kNoCapacity:
      return "no_capacity";
    case Ineligible::kRegion:
      return "region";
    case Ineligible::kDepartment:
      return "department";
    case Ineligible::kExcluded:
      return "excluded";
    case Ineligible::kAppointmentClash:
      return "appointment_clash";
  }
  return "unknown";
}

Ineligible CheckFreePlace(const AgentProfile& agent, std::chrono::sys_seconds now) {
  if (!agent.on_duty) return Ineligible::kOffDuty;
  if (!agent.hours.Covers(now)) return Ineligible::kOutsideHours;
  if (agent.load >= agent.capacity) return Ineligible::kNoCapacity;
  return Ineligible::kNone;
}

Eligibility CheckEligibility(const AgentProfile& agent, const PendingCase& pending_case,
                             std::chrono::sys_seconds now, const EligibilityOptions& options) {
  if (const Ineligible busy = CheckFreePlace(agent, now); busy != Ineligible::kNone) {
    return {busy, false};
  }
  if (!Contains(agent.covered_regions, pending_case.region_code)) {
    return {Ineligible::kRegion, false};
  }
  const Eligibility skills = CheckDepartments(agent, pending_case);
  if (!skills.Eligible()) return skills;
  const auto& excluded = pending_case.excluded_agents;
  if (std::find(excluded.begin(), excluded.end(), agent.id) != excluded.end()) {
    return {Ineligible::kExcluded, false};
  }
  if (pending_case.mode == kModeLed && pending_case.appointment_at.has_value() &&
      AppointmentClashes(agent, *pending_case.appointment_at, options)) {
    return {Ineligible::kAppointmentClash, false};
  }
  return skills;
}

ManualAssignment CheckManualAssignment(const AgentProfile& agent, const PendingCase& pending_case,
                                       std::chrono::sys_seconds now,
                                       const EligibilityOptions& options) {
  ManualAssignment verdict;
  if (!Contains(agent.covered_regions, pending_case.region_code)) {
    verdict.refusal = Ineligible::kRegion;
    return verdict;
  }
  const Eligibility skills = CheckDepartments(agent, pending_case);
  if (!skills.Eligible()) {
    verdict.refusal = skills.reason;
    return verdict;
  }
  verdict.needs_handoff = skills.needs_handoff;
  if (!agent.on_duty) verdict.overrides.push_back(Ineligible::kOffDuty);
  if (!agent.hours.Covers(now)) verdict.overrides.push_back(Ineligible::kOutsideHours);
  if (agent.load >= agent.capacity) verdict.overrides.push_back(Ineligible::kNoCapacity);
  const auto& excluded = pending_case.excluded_agents;
  if (std::find(excluded.begin(), excluded.end(), agent.id) != excluded.end()) {
    verdict.overrides.push_back(Ineligible::kExcluded);
  }
  if (pending_case.mode == kModeLed && pending_case.appointment_at.has_value() &&
      AppointmentClashes(agent, *pending_case.appointment_at, options)) {
    verdict.overrides.push_back(Ineligible::kAppointmentClash);
  }
  return verdict;
}

}  // namespace daiban::dispatch
