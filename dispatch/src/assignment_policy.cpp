#include "daiban/dispatch/assignment_policy.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <numeric>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "daiban/dispatch/assignment_solver.hpp"
#include "daiban/dispatch/cost_matrix.hpp"

namespace daiban::dispatch {
namespace {

// True when case `a` is more urgent than case `b`: earlier deadline, then higher priority, then
// lower index (so the order is total and deterministic).
bool MoreUrgent(const std::vector<PendingCase>& cases, std::size_t a, std::size_t b) {
  const PendingCase& x = cases[a];
  const PendingCase& y = cases[b];
  return std::tuple(x.deadline, -static_cast<long long>(x.priority), a) <
         std::tuple(y.deadline, -static_cast<long long>(y.priority), b);
}

// The appointment a 领办 case books with its agent, if any.
std::optional<std::chrono::sys_seconds> BookedAppointment(const PendingCase& pending_case) {
  if (pending_case.mode != kModeLed) return std::nullopt;
  return pending_case.appointment_at;
}

bool WithinGap(std::chrono::sys_seconds a, std::chrono::sys_seconds b, std::chrono::minutes gap) {
  return (a > b ? a - b : b - a) < gap;
}

}  // namespace

GreedyPolicy::GreedyPolicy(CostWeights weights, EligibilityOptions eligibility)
    : weights_(weights), eligibility_(eligibility) {
  ValidateCostWeights(weights_);
}

std::vector<Proposal> GreedyPolicy::Propose(const std::vector<PendingCase>& cases,
                                            const std::vector<AgentProfile>& agents,
                                            std::chrono::sys_seconds now) const {
  std::vector<std::size_t> order(cases.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return MoreUrgent(cases, a, b); });

  // Working copies whose load and appointments grow as cases are placed.
  std::vector<AgentProfile> state = agents;
  std::vector<Proposal> proposals;
  for (const std::size_t c : order) {
    std::optional<Proposal> best;
    for (std::size_t a = 0; a < state.size(); ++a) {
      const Eligibility e = CheckEligibility(state[a], cases[c], now, eligibility_);
      if (!e.Eligible()) continue;
      const double cost = AssignmentCost(state[a], 0, cases[c], e.needs_handoff, now, weights_);
      if (!best.has_value() || cost < best->cost) best = Proposal{c, a, cost, e.needs_handoff};
    }
    if (!best.has_value()) continue;
    AgentProfile& agent = state[best->agent_index];
    ++agent.load;
    if (const auto appointment = BookedAppointment(cases[c])) {
      agent.appointments.push_back(*appointment);
    }
    proposals.push_back(*best);
  }
  std::sort(proposals.begin(), proposals.end(),
            [](const Proposal& a, const Proposal& b) { return a.case_index < b.case_index; });
  return proposals;
}

BatchOptimalPolicy::BatchOptimalPolicy(CostWeights weights, EligibilityOptions eligibility)
    : weights_(weights), eligibility_(eligibility) {
  ValidateCostWeights(weights_);
}

std::vector<Proposal> BatchOptimalPolicy::Propose(const std::vector<PendingCase>& cases,
                                                  const std::vector<AgentProfile>& agents,
                                                  std::chrono::sys_seconds now) const {
  std::vector<AgentSlot> slots;
  CostMatrix costs = BuildCostMatrix(cases, agents, now, weights_, eligibility_, &slots);
  const JonkerVolgenantSolver solver;

  while (true) {
    const AssignmentResult result = solver.Solve(costs);
    std::vector<std::size_t> agent_of(cases.size(), agents.size());  // agents.size() = none
    for (std::size_t c = 0; c < cases.size(); ++c) {
      const int col = result.column_for_row[c];
      if (col != AssignmentResult::kUnassigned) {
        agent_of[c] = slots[static_cast<std::size_t>(col)].agent_index;
      }
    }

    // Find one pair of 领办 cases of one agent whose appointments clash; forbid the less urgent
    // case for that agent and solve again. Each round forbids a pair the solution used, so the
    // loop ends after at most cases * agents rounds (in practice one or two).
    std::optional<std::pair<std::size_t, std::size_t>> clash;  // (case, agent) to forbid
    for (std::size_t c = 0; c < cases.size() && !clash; ++c) {
      const auto ac = BookedAppointment(cases[c]);
      if (agent_of[c] == agents.size() || !ac) continue;
      for (std::size_t d = c + 1; d < cases.size() && !clash; ++d) {
        const auto ad = BookedAppointment(cases[d]);
        if (agent_of[d] != agent_of[c] || !ad) continue;
        if (!WithinGap(*ac, *ad, eligibility_.appointment_gap)) continue;
        clash = {MoreUrgent(cases, c, d) ? d : c, agent_of[c]};
      }
    }
    if (clash.has_value()) {
      for (std::size_t col = 0; col < slots.size(); ++col) {
        if (slots[col].agent_index == clash->second) costs.Forbid(clash->first, col);
      }
      continue;
    }

    std::vector<Proposal> proposals;
    for (std::size_t c = 0; c < cases.size(); ++c) {
      const int col = result.column_for_row[c];
      if (col == AssignmentResult::kUnassigned) continue;
      const std::size_t a = agent_of[c];
      const bool handoff = CheckEligibility(agents[a], cases[c], now, eligibility_).needs_handoff;
      proposals.push_back({c, a, costs.At(c, static_cast<std::size_t>(col)), handoff});
    }
    return proposals;
  }
}

}  // namespace daiban::dispatch
