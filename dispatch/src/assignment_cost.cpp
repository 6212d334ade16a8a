#include "daiban/dispatch/assignment_cost.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace daiban::dispatch {
namespace {

// The place the agent must go first, falling back to the other place when it is unknown.
std::optional<GeoPoint> FirstStop(const PendingCase& pending_case) {
  const bool to_applicant = pending_case.mode == kModeAssisted;
  const std::optional<GeoPoint>& preferred =
      to_applicant ? pending_case.applicant : pending_case.hall;
  const std::optional<GeoPoint>& other = to_applicant ? pending_case.hall : pending_case.applicant;
  return preferred.has_value() ? preferred : other;
}

double TravelKm(const AgentProfile& agent, const PendingCase& pending_case,
                const CostWeights& weights) {
  const std::optional<GeoPoint> stop = FirstStop(pending_case);
  if (!agent.position.has_value() || !stop.has_value()) return weights.unknown_distance_km;
  const double km = DistanceKm(*agent.position, *stop);
  // A corrupt coordinate (NaN, infinity) must not poison the matrix: treat it as unknown.
  return std::isfinite(km) ? km : weights.unknown_distance_km;
}

double UrgencyFactor(const PendingCase& pending_case, std::chrono::sys_seconds now,
                     const CostWeights& weights) {
  const double slack_hours =
      std::chrono::duration<double, std::chrono::hours::period>(pending_case.deadline - now)
          .count();
  return 1.0 + weights.slack_urgency / std::max(1.0, slack_hours);
}

}  // namespace

void ValidateCostWeights(const CostWeights& weights) {
  for (const double w : {weights.per_km, weights.per_open_case, weights.slack_urgency,
                         weights.handoff_penalty, weights.unknown_distance_km}) {
    if (!std::isfinite(w) || w < 0.0) {
      throw std::invalid_argument("CostWeights: every weight must be finite and non-negative");
    }
  }
}

double AssignmentCost(const AgentProfile& agent, int extra_load, const PendingCase& pending_case,
                      bool needs_handoff, std::chrono::sys_seconds now,
                      const CostWeights& weights) {
  ValidateCostWeights(weights);
  const double open_cases =
      std::max(0.0, static_cast<double>(agent.load) + static_cast<double>(extra_load));
  const double base = weights.per_km * TravelKm(agent, pending_case, weights) +
                      weights.per_open_case * open_cases +
                      (needs_handoff ? weights.handoff_penalty : 0.0);
  const double cost = base * UrgencyFactor(pending_case, now, weights);
  return std::min(cost, kMaxAbsCost);  // also maps an overflow to +inf onto the cap
}

CostMatrix BuildCostMatrix(const std::vector<PendingCase>& cases,
                           const std::vector<AgentProfile>& agents, std::chrono::sys_seconds now,
                           const CostWeights& weights, const EligibilityOptions& eligibility,
                           std::vector<AgentSlot>* slots) {
  ValidateCostWeights(weights);
  std::vector<AgentSlot> columns;
  for (std::size_t a = 0; a < agents.size(); ++a) {
    const long long free_places =
        static_cast<long long>(agents[a].capacity) - static_cast<long long>(agents[a].load);
    const long long count =
        std::min(std::max(free_places, 0LL), static_cast<long long>(cases.size()));
    for (long long j = 0; j < count; ++j) columns.push_back({a, static_cast<int>(j)});
  }

  CostMatrix costs(cases.size(), columns.size(), kForbiddenCost);
  std::vector<Eligibility> verdict(agents.size());
  for (std::size_t row = 0; row < cases.size(); ++row) {
    for (std::size_t a = 0; a < agents.size(); ++a) {
      verdict[a] = CheckEligibility(agents[a], cases[row], now, eligibility);
    }
    for (std::size_t col = 0; col < columns.size(); ++col) {
      const AgentSlot& slot = columns[col];
      const Eligibility& e = verdict[slot.agent_index];
      if (!e.Eligible()) continue;
      costs.Set(row, col,
                AssignmentCost(agents[slot.agent_index], slot.extra_load, cases[row],
                               e.needs_handoff, now, weights));
    }
  }
  if (slots != nullptr) *slots = std::move(columns);
  return costs;
}

}  // namespace daiban::dispatch
