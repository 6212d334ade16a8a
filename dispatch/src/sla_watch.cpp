#include "daiban/dispatch/sla_watch.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace daiban::dispatch {
namespace {

bool ClockRuns(const std::string& state) {
  return state == "accepted" || state == "assigned" || state == "in_progress";
}

bool HasAgent(const SlaCase& c) {
  return c.agent_id != 0 && (c.state == "assigned" || c.state == "in_progress");
}

}  // namespace

SlaFindings EvaluateSla(const SlaCase& sla_case, std::chrono::sys_seconds now,
                        const SlaOptions& options) {
  SlaFindings findings;
  if (!ClockRuns(sla_case.state)) return findings;

  const bool overdue = now > sla_case.deadline;
  const bool at_risk = now >= sla_case.at_risk_at;
  findings.raise_red = overdue && !sla_case.red_raised;
  findings.raise_yellow = at_risk && !overdue && !sla_case.yellow_raised;

  if (HasAgent(sla_case)) {
    if ((at_risk || overdue) && !sla_case.agent_on_duty) {
      findings.candidate_reason = kReasonAgentOffDuty;
    } else {
      const std::optional<std::chrono::sys_seconds> since =
          sla_case.last_progress_at ? sla_case.last_progress_at : sla_case.assigned_at;
      if (since && now - *since >= options.no_progress_after) {
        findings.candidate_reason = kReasonNoProgress;
      }
    }
  }
  const bool candidate = !findings.candidate_reason.empty();
  findings.reassignment_candidate = candidate && !sla_case.candidate_raised;
  findings.reassign_now = candidate && options.auto_reassign;
  return findings;
}

}  // namespace daiban::dispatch
