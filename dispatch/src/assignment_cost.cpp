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

namespace {

// The cost formula of AssignmentCost with its inputs already worked out, so the batch's matrix,
// which prices every free place of an agent for one case, measures the distance and the
// urgency once per pair and per case instead of once per place.
double CostOf(double km, double open_cases, bool needs_handoff, double urgency,
              const CostWeights& weights) {
  const double base = weights.per_km * km + weights.per_open_case * std::max(0.0, open_cases) +
                      (needs_handoff ? weights.handoff_penalty : 0.0);
  return std::min(base * urgency, kMaxAbsCost);  // also maps an overflow to +inf onto the cap
}

// How many places of each agent one round offers: at most its free places and at most the
// cases it may take (a place no case may fill is a column of forbidden costs). When the room
// left would still make the matrix far wider than the round has cases (a city's burst: 1,000
// cases against 133 agents with 100 free places each made 133,000 columns and a 16 s solve),
// every agent gets the same smallest cap that leaves kColumnsPerCase columns a case: an agent
// then takes at most that many cases this round, and the next round sees its new load.
constexpr std::size_t kColumnsPerCase = 3;

std::vector<std::size_t> PlacesThisRound(const std::vector<AgentProfile>& agents,
                                         const std::vector<std::size_t>& eligible_cases,
                                         std::size_t case_count) {
  std::vector<std::size_t> room(agents.size(), 0);
  std::size_t total = 0;
  for (std::size_t a = 0; a < agents.size(); ++a) {
    const long long free_places =
        static_cast<long long>(agents[a].capacity) - static_cast<long long>(agents[a].load);
    room[a] = std::min(static_cast<std::size_t>(std::max(free_places, 0LL)), eligible_cases[a]);
    total += room[a];
  }
  const std::size_t wanted = kColumnsPerCase * case_count;
  if (total <= wanted) return room;
  // The smallest cap c with sum(min(room, c)) >= wanted; the sum grows with c, so bisect.
  std::size_t low = 1;
  std::size_t high = *std::max_element(room.begin(), room.end());
  while (low < high) {
    const std::size_t mid = low + (high - low) / 2;
    std::size_t columns = 0;
    for (const std::size_t r : room) columns += std::min(r, mid);
    if (columns >= wanted) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  for (auto& r : room) r = std::min(r, low);
  return room;
}

}  // namespace

double AssignmentCost(const AgentProfile& agent, int extra_load, const PendingCase& pending_case,
                      bool needs_handoff, std::chrono::sys_seconds now,
                      const CostWeights& weights) {
  ValidateCostWeights(weights);
  const double open_cases = static_cast<double>(agent.load) + static_cast<double>(extra_load);
  return CostOf(TravelKm(agent, pending_case, weights), open_cases, needs_handoff,
                UrgencyFactor(pending_case, now, weights), weights);
}

CostMatrix BuildCostMatrix(const std::vector<PendingCase>& cases,
                           const std::vector<AgentProfile>& agents, std::chrono::sys_seconds now,
                           const CostWeights& weights, const EligibilityOptions& eligibility,
                           std::vector<AgentSlot>* slots) {
  ValidateCostWeights(weights);
  // Every pair's verdict once (cases x agents), then the places each agent offers this round.
  std::vector<Eligibility> verdict(cases.size() * agents.size());
  std::vector<std::size_t> eligible_cases(agents.size(), 0);
  for (std::size_t row = 0; row < cases.size(); ++row) {
    for (std::size_t a = 0; a < agents.size(); ++a) {
      auto& v = verdict[row * agents.size() + a];
      v = CheckEligibility(agents[a], cases[row], now, eligibility);
      if (v.Eligible()) ++eligible_cases[a];
    }
  }
  const std::vector<std::size_t> places = PlacesThisRound(agents, eligible_cases, cases.size());

  std::vector<AgentSlot> columns;
  std::vector<std::size_t> first_column(agents.size(), 0);
  for (std::size_t a = 0; a < agents.size(); ++a) {
    first_column[a] = columns.size();
    for (std::size_t j = 0; j < places[a]; ++j) columns.push_back({a, static_cast<int>(j)});
  }

  CostMatrix costs(cases.size(), columns.size(), kForbiddenCost);
  for (std::size_t row = 0; row < cases.size(); ++row) {
    const double urgency = UrgencyFactor(cases[row], now, weights);
    for (std::size_t a = 0; a < agents.size(); ++a) {
      const Eligibility& e = verdict[row * agents.size() + a];
      if (!e.Eligible() || places[a] == 0) continue;
      const double km = TravelKm(agents[a], cases[row], weights);
      for (std::size_t j = 0; j < places[a]; ++j) {
        const double open_cases = static_cast<double>(agents[a].load) + static_cast<double>(j);
        costs.Set(row, first_column[a] + j,
                  CostOf(km, open_cases, e.needs_handoff, urgency, weights));
      }
    }
  }
  if (slots != nullptr) *slots = std::move(columns);
  return costs;
}

}  // namespace daiban::dispatch
