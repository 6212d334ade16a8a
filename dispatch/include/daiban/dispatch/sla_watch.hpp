#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

// The SLA watch (DESIGN.md §1, "At risk" / "overdue"): a periodic worker compares each open
// case's stored deadline and at-risk moment with now and raises each alarm once. This is its
// pure decision; the worker loads the cases, records what was raised and notifies supervisors.

namespace daiban::dispatch {

// What the watch needs to know about one case.
struct SlaCase {
  std::string tracking_number;
  // Case state word (accepted, assigned, in_progress, suspended, ...).
  std::string state;
  std::chrono::sys_seconds deadline{};
  // When the case turns yellow (stored at acceptance, moved with the deadline).
  std::chrono::sys_seconds at_risk_at{};
  // Alarms already raised for this case (the flags the worker stores).
  bool yellow_raised = false;
  bool red_raised = false;
  // The assigned agent; 0 when none.
  std::int64_t agent_id = 0;
  bool agent_on_duty = true;
  std::optional<std::chrono::sys_seconds> assigned_at;
  std::optional<std::chrono::sys_seconds> last_progress_at;
  // A reassignment candidate was already raised for the current agent (reset on reassignment).
  bool candidate_raised = false;
};

struct SlaOptions {
  // An assigned case with no progress for this long is a reassignment candidate. Wall time, not
  // working time: simpler, and over a night or weekend every quiet case would otherwise need a
  // calendar; set it longer than a night's gap if nights should not count.
  std::chrono::seconds no_progress_after{4 * 3600};
  // Reassign candidates automatically instead of only telling the supervisors.
  bool auto_reassign = false;
};

// Word for SlaFindings::candidate_reason.
inline constexpr char kReasonNoProgress[] = "no_progress";
inline constexpr char kReasonAgentOffDuty[] = "agent_off_duty";

struct SlaFindings {
  // Raise the yellow (at-risk) alarm now.
  bool raise_yellow = false;
  // Raise the red (overdue) alarm now.
  bool raise_red = false;
  // Raise "reassignment candidate" to the supervisors now (once per agent).
  bool reassignment_candidate = false;
  // kReasonNoProgress or kReasonAgentOffDuty while the case is a candidate, else empty.
  std::string candidate_reason;
  // Reassign the case now (auto_reassign and the case is a candidate).
  bool reassign_now = false;
};

// Promises the findings for `sla_case` at `now`. Only the states where the clock runs
// (accepted, assigned, in_progress) are watched; any other state gives all-false findings.
//   - red, once: now > deadline and red not raised yet.
//   - yellow, once: at_risk_at <= now <= deadline and yellow not raised yet. A case first seen
//     already past its deadline gets red only, never a late yellow: red says more, and a yellow
//     after it would be noise.
//   - a case is a candidate for reassignment while it is assigned or in_progress with an agent
//     and either (a) at risk or overdue with its agent off duty ("agent_off_duty", checked first
//     since it also explains a silence), or (b) without progress for no_progress_after, measured
//     from last_progress_at, or from assigned_at when there was none (not checked when neither
//     is known) ("no_progress"). reassignment_candidate is raised once (not when
//     candidate_raised).
//   - reassign_now = auto_reassign and the case is a candidate, whether or not already raised:
//     the alarm is raised once, the action is repeated each round until it takes effect (a
//     reassigned case has no agent, so it stops being a candidate).
SlaFindings EvaluateSla(const SlaCase& sla_case, std::chrono::sys_seconds now,
                        const SlaOptions& options);

}  // namespace daiban::dispatch
