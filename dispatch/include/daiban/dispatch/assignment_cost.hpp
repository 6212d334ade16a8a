#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "daiban/dispatch/agent_model.hpp"
#include "daiban/dispatch/cost_matrix.hpp"
#include "daiban/dispatch/eligibility.hpp"

// What it costs to give a case to an agent: the soft side of dispatch (eligibility is the hard
// side). Lower is better; costs are finite, non-negative and comparable across cases, so the
// batch assigner can add them up.
//
// The formula, for an eligible pair:
//
//   base    = per_km * km + per_open_case * (load + extra_load) + (hand-off ? handoff_penalty : 0)
//   urgency = 1 + slack_urgency / max(1, slack_hours),  slack_hours = (deadline - now) in hours
//   cost    = base * urgency                             (capped at kMaxAbsCost)
//
// km is the great-circle distance from the agent's last position to the place it must go first:
//   - 代办 proxy ("proxy") and 领办 led ("led"): the (lead) department's hall. For proxy the
//     materials reach the agent by courier (two-way 寄递), so its own trips are to the windows;
//     for led the agent meets the applicant at the hall at the appointment and walks them through.
//   - 帮办 assisted ("assisted"): the applicant, with whom it prepares the materials.
// When that place is unknown the other one is used; when the agent's position or both places are
// unknown, km = unknown_distance_km (a typical in-district trip, so an agent without a position
// fix is neither favoured nor shut out).
//
// The urgency factor multiplies the whole base, so an urgent case pays more for every kilometre,
// every open case and a hand-off: given a choice, the batch assigner gives the nearest, least
// loaded, full-coverage agents to the cases closest to their deadlines. It is 1 + slack_urgency/
// slack_hours with a day or more of slack (1.1 at 100 h with the default 10), and saturates at
// 1 + slack_urgency for a case with an hour or less left or already overdue. Priority does not
// enter the cost (it orders the greedy queue only).
//
// Caveat for the batch assigner: when eligible places are scarcer than cases, "most cases, then
// least cost" leaves out the cases whose costs are highest, and urgency raises costs. Feed the
// batch assigner the most urgent cases first and no more cases than it can place when that
// matters (the pending queue is sorted by urgency).

namespace daiban::dispatch {

// Non-negative, finite weights (checked: std::invalid_argument otherwise). Units: cost per km,
// cost per open case, a dimensionless urgency strength, cost of a hand-off, km.
struct CostWeights {
  double per_km = 1.0;
  double per_open_case = 2.0;
  double slack_urgency = 10.0;
  double handoff_penalty = 15.0;
  double unknown_distance_km = 10.0;
};

// Throws std::invalid_argument unless every weight is finite and >= 0.
void ValidateCostWeights(const CostWeights& weights);

// Promises the cost above of giving `pending_case` to `agent` as its (extra_load + 1)-th new case
// of this round: the agent is costed as if it held load + extra_load open cases (a negative total
// counts as 0). Does not check eligibility: pass the needs_handoff of CheckEligibility. Finite and
// in [0, kMaxAbsCost]. Throws std::invalid_argument for invalid weights.
double AssignmentCost(const AgentProfile& agent, int extra_load, const PendingCase& pending_case,
                      bool needs_handoff, std::chrono::sys_seconds now, const CostWeights& weights);

// One column of the batch cost matrix: a free place of an agent.
struct AgentSlot {
  // Index into the agents vector.
  std::size_t agent_index = 0;
  // How many cases this round gives the agent before this one (0 for its first slot).
  int extra_load = 0;
};

// Promises the cases x slots matrix of one batch round. Rows are the cases, in order. Columns are
// agent slots, agent by agent in order: an agent gets one column per place it offers this round,
// slot j costing AssignmentCost(agent, j, ...), so any assignment of the matrix gives no agent more
// cases than it has room for, and each further case of one agent pays for the load of the earlier
// ones. An agent offers min(free places, cases it may take) places (none when either is 0); when
// those add up to more than three columns a case, every agent's places are capped at the smallest
// number that still leaves three a case (a burst's matrix stays a few times as wide as it is
// tall). A pair is kForbiddenCost exactly when CheckEligibility(agent, case, now, eligibility) is
// not kNone. When `slots` is not null it receives one AgentSlot per column. Throws
// std::invalid_argument for invalid weights.
CostMatrix BuildCostMatrix(const std::vector<PendingCase>& cases,
                           const std::vector<AgentProfile>& agents, std::chrono::sys_seconds now,
                           const CostWeights& weights, const EligibilityOptions& eligibility,
                           std::vector<AgentSlot>* slots);

}  // namespace daiban::dispatch
