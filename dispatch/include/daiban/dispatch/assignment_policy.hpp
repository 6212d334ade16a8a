#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "daiban/dispatch/agent_model.hpp"
#include "daiban/dispatch/assignment_cost.hpp"
#include "daiban/dispatch/eligibility.hpp"

// Policies that decide which agent each pending case is offered to. Pure: the caller passes the
// cases, the agents and now, and turns the proposals into offers (or direct assignments).

namespace daiban::dispatch {

// "Offer case `case_index` to agent `agent_index`" (indices into the vectors given to Propose).
struct Proposal {
  std::size_t case_index = 0;
  std::size_t agent_index = 0;
  // AssignmentCost of the pair, counting the cases this round gives the agent before it.
  double cost = 0.0;
  // The agent is a bundle's primary agent and hands some steps to colleagues.
  bool needs_handoff = false;
};

// Every policy promises: each case at most once; only eligible pairs (CheckEligibility with the
// agent's load raised by the cases proposed to it before); no agent given more cases than
// capacity - load; no two proposed 领办 appointments of one agent within the appointment gap;
// proposals in ascending case_index. A case with no proposal stays pending. Implementations are
// immutable after construction, so Propose may run on several threads at once.
class AssignmentPolicy {
 public:
  virtual ~AssignmentPolicy() = default;

  virtual std::vector<Proposal> Propose(const std::vector<PendingCase>& cases,
                                        const std::vector<AgentProfile>& agents,
                                        std::chrono::sys_seconds now) const = 0;
};

// Immediate dispatch, for one case or a few as they arrive: cases in urgency order (earliest
// deadline, then higher priority, then lower index) each take the cheapest eligible agent with
// room left (lowest index on ties); the agent's load (and, for 领办, its appointments) are
// updated before the next case. O(cases * agents). Neither the number of cases placed nor the
// total cost is optimal in general: an early case may take the only agent a later one could use.
class GreedyPolicy final : public AssignmentPolicy {
 public:
  // Throws std::invalid_argument for invalid weights.
  explicit GreedyPolicy(CostWeights weights = {}, EligibilityOptions eligibility = {});

  std::vector<Proposal> Propose(const std::vector<PendingCase>& cases,
                                const std::vector<AgentProfile>& agents,
                                std::chrono::sys_seconds now) const override;

 private:
  CostWeights weights_;
  EligibilityOptions eligibility_;
};

// Periodic batch dispatch: BuildCostMatrix over the whole batch solved by JonkerVolgenantSolver,
// i.e. the most cases that can be placed at once and, among those assignments, the least total
// cost (an agent's cases are costed at loads load, load + 1, ... in the cheapest order).
//
// The one constraint a cost matrix cannot express is two 领办 cases of the batch whose
// appointments clash, proposed to the same agent. When that happens the less urgent of the two
// (later deadline, then lower priority, then higher index) is forbidden for that agent and the
// batch is solved again, until no clash is left. Without such clashes the result is exactly
// optimal; with them it is valid and usually, not provably, optimal. Worst case
// O(k^2 * K) per solve (k, K = the smaller, larger of cases and agent slots).
class BatchOptimalPolicy final : public AssignmentPolicy {
 public:
  // Throws std::invalid_argument for invalid weights.
  explicit BatchOptimalPolicy(CostWeights weights = {}, EligibilityOptions eligibility = {});

  std::vector<Proposal> Propose(const std::vector<PendingCase>& cases,
                                const std::vector<AgentProfile>& agents,
                                std::chrono::sys_seconds now) const override;

 private:
  CostWeights weights_;
  EligibilityOptions eligibility_;
};

}  // namespace daiban::dispatch
