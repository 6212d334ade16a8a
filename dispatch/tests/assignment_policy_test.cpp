#include "daiban/dispatch/assignment_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "daiban/dispatch/agent_model.hpp"
#include "daiban/dispatch/assignment_cost.hpp"
#include "daiban/dispatch/assignment_solver.hpp"
#include "daiban/dispatch/cost_matrix.hpp"
#include "daiban/dispatch/eligibility.hpp"
#include "dispatch_fixture.hpp"

namespace daiban::dispatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::sys_seconds;
using test::kBase;
using test::kNow;
using test::North;

AgentProfile Agent(std::int64_t id, double km_north, int capacity = 3) {
  AgentProfile agent;
  agent.id = id;
  agent.covered_regions = {"R1"};
  agent.departments = {"D1"};
  agent.capacity = capacity;
  agent.on_duty = true;
  agent.position = North(kBase, km_north);
  return agent;
}

PendingCase Case(std::string number, int slack_hours = 48) {
  PendingCase c;
  c.tracking_number = std::move(number);
  c.region_code = "R1";
  c.departments = {"D1"};
  c.mode = kModeProxy;
  c.hall = kBase;
  c.deadline = kNow + hours{slack_hours};
  return c;
}

double TotalCost(const std::vector<Proposal>& proposals) {
  double total = 0.0;
  for (const Proposal& p : proposals) total += p.cost;
  return total;
}

std::optional<std::size_t> AgentOf(const std::vector<Proposal>& proposals, std::size_t c) {
  for (const Proposal& p : proposals) {
    if (p.case_index == c) return p.agent_index;
  }
  return std::nullopt;
}

// Checks every promise of AssignmentPolicy; reports failures through gtest.
void ExpectValid(const std::vector<PendingCase>& cases, const std::vector<AgentProfile>& agents,
                 const std::vector<Proposal>& proposals, const CostWeights& weights = {},
                 const EligibilityOptions& options = {}) {
  std::vector<int> given(agents.size(), 0);
  std::vector<bool> seen(cases.size(), false);
  std::size_t previous = 0;
  for (std::size_t i = 0; i < proposals.size(); ++i) {
    const Proposal& p = proposals[i];
    ASSERT_LT(p.case_index, cases.size());
    ASSERT_LT(p.agent_index, agents.size());
    if (i > 0) {
      EXPECT_GT(p.case_index, previous) << "ascending, each case once";
    }
    previous = p.case_index;
    EXPECT_FALSE(seen[p.case_index]);
    seen[p.case_index] = true;
    const AgentProfile& agent = agents[p.agent_index];
    const Eligibility e = CheckEligibility(agent, cases[p.case_index], kNow, options);
    EXPECT_TRUE(e.Eligible()) << ToWord(e.reason);
    EXPECT_EQ(e.needs_handoff, p.needs_handoff);
    ++given[p.agent_index];
    // The cost is that of one of the agent's slots.
    EXPECT_TRUE(std::isfinite(p.cost));
    EXPECT_GE(p.cost, 0.0);
    bool matches_a_slot = false;
    for (int j = 0; j < agent.capacity - agent.load; ++j) {
      matches_a_slot = matches_a_slot ||
                       std::fabs(p.cost - AssignmentCost(agent, j, cases[p.case_index],
                                                         e.needs_handoff, kNow, weights)) < 1e-9;
    }
    EXPECT_TRUE(matches_a_slot);
  }
  for (std::size_t a = 0; a < agents.size(); ++a) {
    EXPECT_LE(given[a], std::max(0, agents[a].capacity - agents[a].load)) << "agent " << a;
  }
  // No two booked 领办 appointments of one agent within the gap.
  for (const Proposal& p : proposals) {
    for (const Proposal& q : proposals) {
      if (p.case_index >= q.case_index || p.agent_index != q.agent_index) continue;
      const PendingCase& x = cases[p.case_index];
      const PendingCase& y = cases[q.case_index];
      if (x.mode != kModeLed || y.mode != kModeLed || !x.appointment_at || !y.appointment_at) {
        continue;
      }
      const auto apart = *x.appointment_at > *y.appointment_at
                             ? *x.appointment_at - *y.appointment_at
                             : *y.appointment_at - *x.appointment_at;
      EXPECT_GE(apart, options.appointment_gap);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hand-made instances

TEST(GreedyPolicyTest, MostUrgentCaseFirstTakesTheCheapestAgent) {
  // One agent with one place; the later-deadline case comes first in the vector.
  const std::vector<AgentProfile> agents = {Agent(1, 2.0, 1), Agent(2, 5.0, 1)};
  const std::vector<PendingCase> cases = {Case("late", 72), Case("soon", 10)};
  const GreedyPolicy greedy;
  const std::vector<Proposal> proposals = greedy.Propose(cases, agents, kNow);
  ExpectValid(cases, agents, proposals);
  ASSERT_EQ(proposals.size(), 2u);
  EXPECT_EQ(AgentOf(proposals, 1), 0u);  // "soon" took the nearer agent
  EXPECT_EQ(AgentOf(proposals, 0), 1u);
  // soon: 2 km * (1 + 10 / 10) = 4; late: 5 km * (1 + 10 / 72).
  EXPECT_NEAR(proposals[1].cost, 4.0, 1e-9);
  EXPECT_NEAR(proposals[0].cost, 5.0 * (1.0 + 10.0 / 72.0), 1e-9);
}

TEST(GreedyPolicyTest, PriorityBreaksDeadlineTiesAndLoadGrows) {
  const std::vector<AgentProfile> agents = {Agent(1, 0.0, 2)};
  std::vector<PendingCase> cases = {Case("a"), Case("b"), Case("c")};
  cases[2].priority = 5;
  const std::vector<Proposal> proposals = GreedyPolicy().Propose(cases, agents, kNow);
  ExpectValid(cases, agents, proposals);
  ASSERT_EQ(proposals.size(), 2u);
  EXPECT_EQ(proposals[0].case_index, 0u);  // ties on priority: lower index
  EXPECT_EQ(proposals[1].case_index, 2u);  // highest priority went first
  const double factor = 1.0 + 10.0 / 48.0;
  EXPECT_NEAR(proposals[1].cost, 0.0, 1e-9);           // first case: no open case
  EXPECT_NEAR(proposals[0].cost, 2.0 * factor, 1e-9);  // second: one open case
}

TEST(BatchOptimalPolicyTest, PlacesTheCaseGreedyStrands) {
  // Agent 0 can take either case; agent 1 only "x" (region). Greedy gives "x" (more urgent) the
  // cheap agent 0 and strands "y"; the batch places both.
  std::vector<AgentProfile> agents = {Agent(1, 1.0, 1), Agent(2, 8.0, 1)};
  agents[0].covered_regions = {"R1", "R2"};
  std::vector<PendingCase> cases = {Case("x", 10), Case("y", 40)};
  cases[1].region_code = "R2";
  const std::vector<Proposal> greedy = GreedyPolicy().Propose(cases, agents, kNow);
  const std::vector<Proposal> batch = BatchOptimalPolicy().Propose(cases, agents, kNow);
  ExpectValid(cases, agents, greedy);
  ExpectValid(cases, agents, batch);
  EXPECT_EQ(greedy.size(), 1u);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(AgentOf(batch, 0), 1u);
  EXPECT_EQ(AgentOf(batch, 1), 0u);
  EXPECT_NEAR(TotalCost(batch), 8.0 * 2.0 + 1.0 * (1.0 + 10.0 / 40.0), 1e-9);
}

TEST(BatchOptimalPolicyTest, CheaperInTotalThanGreedy) {
  // Equal deadlines, no urgency scaling, one place per agent. Case "a" is 1 km from agent 0 and
  // 9 km from agent 1; "b" 0 km and 10 km. Greedy (index order) gives "a" agent 0 and "b" pays
  // 10 km: 11 in all. The batch gives "b" agent 0 and "a" agent 1: 9 in all.
  std::vector<AgentProfile> agents = {Agent(1, 0.0, 1), Agent(2, 10.0, 1)};
  std::vector<PendingCase> cases = {Case("a"), Case("b")};
  cases[0].hall = North(kBase, 1.0);  // a: 1 km to agent 0, 9 km to agent 1
  cases[1].hall = kBase;              // b: 0 km to agent 0, 10 km to agent 1
  CostWeights w;
  w.slack_urgency = 0.0;  // plain kilometres
  const std::vector<Proposal> greedy = GreedyPolicy(w).Propose(cases, agents, kNow);
  const std::vector<Proposal> batch = BatchOptimalPolicy(w).Propose(cases, agents, kNow);
  ExpectValid(cases, agents, greedy, w);
  ExpectValid(cases, agents, batch, w);
  ASSERT_EQ(greedy.size(), 2u);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_NEAR(TotalCost(greedy), 1.0 + 10.0, 1e-9);
  EXPECT_NEAR(TotalCost(batch), 0.0 + 9.0, 1e-9);
}

TEST(AssignmentPolicyTest, BundlePrefersFullCoverageAndHandsOffOnlyWhenItPays) {
  PendingCase bundle = Case("bundle");
  bundle.is_bundle = true;
  bundle.departments = {"D1", "D2"};
  CostWeights w;
  w.slack_urgency = 0.0;

  for (const bool batch : {false, true}) {
    const GreedyPolicy greedy(w);
    const BatchOptimalPolicy optimal(w);
    const AssignmentPolicy& policy = batch ? static_cast<const AssignmentPolicy&>(optimal) : greedy;

    // Full-coverage agent 5 km away vs primary at 0 km: 5 < 0 + 15, full coverage wins.
    std::vector<AgentProfile> agents = {Agent(1, 0.0), Agent(2, 5.0)};
    agents[1].departments = {"D1", "D2"};
    std::vector<Proposal> p = policy.Propose({bundle}, agents, kNow);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].agent_index, 1u);
    EXPECT_FALSE(p[0].needs_handoff);

    // The full-coverage agent has no room: the primary takes it with a hand-off.
    agents[1].load = agents[1].capacity;
    p = policy.Propose({bundle}, agents, kNow);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].agent_index, 0u);
    EXPECT_TRUE(p[0].needs_handoff);
    EXPECT_NEAR(p[0].cost, 15.0, 1e-9);

    // Full coverage 30 km away costs more than the hand-off: the primary wins (a soft rule).
    agents[1].load = 0;
    agents[1].position = North(kBase, 30.0);
    p = policy.Propose({bundle}, agents, kNow);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].agent_index, 0u);
    EXPECT_TRUE(p[0].needs_handoff);

    // Without the lead department nobody may take it.
    agents = {Agent(1, 0.0)};
    agents[0].departments = {"D2"};
    EXPECT_TRUE(policy.Propose({bundle}, agents, kNow).empty());
  }
}

TEST(AssignmentPolicyTest, LedAppointmentsOfOneBatchNeverClashOnOneAgent) {
  // Two 领办 cases one hour apart, one nearby agent with room for both, one far agent.
  std::vector<PendingCase> cases = {Case("first", 30), Case("second", 60)};
  for (PendingCase& c : cases) c.mode = kModeLed;
  cases[0].appointment_at = kNow + hours{24};                // Tuesday 10:00
  cases[1].appointment_at = kNow + hours{24} + minutes{60};  // Tuesday 11:00
  const std::vector<AgentProfile> agents = {Agent(1, 0.0, 3), Agent(2, 20.0, 3)};

  for (const bool batch : {false, true}) {
    const std::vector<Proposal> p = batch ? BatchOptimalPolicy().Propose(cases, agents, kNow)
                                          : GreedyPolicy().Propose(cases, agents, kNow);
    ExpectValid(cases, agents, p);
    ASSERT_EQ(p.size(), 2u) << batch;
    EXPECT_EQ(AgentOf(p, 0), 0u) << batch;  // the more urgent one keeps the near agent
    EXPECT_EQ(AgentOf(p, 1), 1u) << batch;
  }

  // Only one agent: the less urgent case waits.
  const std::vector<AgentProfile> one = {Agent(1, 0.0, 3)};
  for (const bool batch : {false, true}) {
    const std::vector<Proposal> p = batch ? BatchOptimalPolicy().Propose(cases, one, kNow)
                                          : GreedyPolicy().Propose(cases, one, kNow);
    ExpectValid(cases, one, p);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].case_index, 0u);
  }

  // Three hours apart they do not clash: both go to the near agent.
  cases[1].appointment_at = kNow + hours{27};
  for (const bool batch : {false, true}) {
    const std::vector<Proposal> p = batch ? BatchOptimalPolicy().Propose(cases, agents, kNow)
                                          : GreedyPolicy().Propose(cases, agents, kNow);
    ExpectValid(cases, agents, p);
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(AgentOf(p, 0), 0u);
    EXPECT_EQ(AgentOf(p, 1), 0u);
  }
}

TEST(AssignmentPolicyTest, NothingToDo) {
  for (const bool batch : {false, true}) {
    const GreedyPolicy greedy;
    const BatchOptimalPolicy optimal;
    const AssignmentPolicy& policy = batch ? static_cast<const AssignmentPolicy&>(optimal) : greedy;
    EXPECT_TRUE(policy.Propose({}, {Agent(1, 0.0)}, kNow).empty());
    EXPECT_TRUE(policy.Propose({Case("a")}, {}, kNow).empty());
    AgentProfile off = Agent(1, 0.0);
    off.on_duty = false;
    EXPECT_TRUE(policy.Propose({Case("a")}, {off}, kNow).empty());
  }
  CostWeights bad;
  bad.handoff_penalty = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(GreedyPolicy{bad}, std::invalid_argument);
  EXPECT_THROW(BatchOptimalPolicy{bad}, std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Seeded random instances

struct Instance {
  std::vector<PendingCase> cases;
  std::vector<AgentProfile> agents;
};

// Random regions, skills, capacities, loads, positions and exclusions; some agents off duty or
// off shift; 领办 cases whose appointments lie on different days (so no two clash with each other)
// and agents with appointments that may clash with them.
// `spread` in [1, 4] sets how many regions and departments there are (more: fewer eligible pairs).
Instance RandomInstance(std::mt19937& rng, int case_count, int agent_count, int max_capacity,
                        int spread = 4) {
  const std::vector<std::string> all_regions = {"370102001", "370102002", "370103001", "370103002"};
  const std::vector<std::string> regions(all_regions.begin(), all_regions.begin() + spread);
  const std::vector<std::string> departments = {"D1", "D2", "D3", "D4", "D5"};
  std::uniform_int_distribution<std::size_t> region(0, regions.size() - 1);
  std::uniform_int_distribution<std::size_t> department(0, static_cast<std::size_t>(spread));
  std::uniform_real_distribution<double> lat(36.55, 36.75);
  std::uniform_real_distribution<double> lng(116.95, 117.30);
  std::bernoulli_distribution often(0.9);
  std::bernoulli_distribution sometimes(0.25);
  std::uniform_int_distribution<int> capacity(1, max_capacity);
  std::uniform_int_distribution<int> slack(-3, 120);
  std::uniform_int_distribution<int> priority(0, 2);
  std::uniform_int_distribution<int> mode(0, 2);
  std::uniform_int_distribution<int> offset_minutes(-180, 180);
  // Tuesday to Friday at 10:00, one day per 领办 case of the instance (cycled through weeks).
  const sys_seconds first_slot = kNow + hours{24};

  Instance instance;
  for (int a = 0; a < agent_count; ++a) {
    AgentProfile agent;
    agent.id = 100 + a;
    for (int i = 0; i < 2; ++i) agent.covered_regions.push_back(regions[region(rng)]);
    const int skills = 1 + static_cast<int>(department(rng) % 3);
    for (int i = 0; i < skills; ++i) agent.departments.push_back(departments[department(rng)]);
    agent.capacity = capacity(rng);
    agent.load = std::uniform_int_distribution<int>(0, agent.capacity)(rng);
    agent.on_duty = often(rng);
    if (!often(rng)) agent.hours.by_weekday[0].reset();  // off shift on Mondays
    if (often(rng)) agent.position = GeoPoint{lat(rng), lng(rng)};
    if (sometimes(rng)) {
      const int day = std::uniform_int_distribution<int>(0, 3)(rng);
      agent.appointments.push_back(first_slot + hours{24 * day} + minutes{offset_minutes(rng)});
    }
    instance.agents.push_back(std::move(agent));
  }
  int led_count = 0;
  for (int c = 0; c < case_count; ++c) {
    PendingCase pending;
    pending.tracking_number = "T" + std::to_string(c);
    pending.region_code = regions[region(rng)];
    pending.is_bundle = sometimes(rng);
    pending.departments.push_back(departments[department(rng)]);
    if (pending.is_bundle) {
      for (int i = 0; i < 2; ++i) {
        const std::string& d = departments[department(rng)];
        if (std::find(pending.departments.begin(), pending.departments.end(), d) ==
            pending.departments.end()) {
          pending.departments.push_back(d);
        }
      }
    }
    const int m = mode(rng);
    pending.mode = m == 0 ? kModeProxy : m == 1 ? kModeAssisted : kModeLed;
    if (m == 2) {
      // Day k of Tuesday..Friday of week k / 4: distinct days, all inside office hours.
      const int k = led_count++;
      pending.appointment_at = first_slot + hours{24 * (k % 4) + 24 * 7 * (k / 4)};
    }
    if (often(rng)) pending.hall = GeoPoint{lat(rng), lng(rng)};
    if (often(rng)) pending.applicant = GeoPoint{lat(rng), lng(rng)};
    pending.deadline = kNow + hours{slack(rng)};
    pending.priority = priority(rng);
    if (sometimes(rng) && agent_count > 0) {
      pending.excluded_agents.push_back(
          100 + std::uniform_int_distribution<int>(0, agent_count - 1)(rng));
    }
    instance.cases.push_back(std::move(pending));
  }
  return instance;
}

TEST(AssignmentPolicyTest, BatchNeverWorseThanGreedyOnRandomInstances) {
  std::mt19937 rng(20260302);
  const GreedyPolicy greedy;
  const BatchOptimalPolicy batch;
  int strictly_better = 0;
  int more_cases = 0;
  for (int round = 0; round < 150; ++round) {
    const int case_count = std::uniform_int_distribution<int>(5, 40)(rng);
    const int agent_count = std::uniform_int_distribution<int>(3, 25)(rng);
    const Instance in = RandomInstance(rng, case_count, agent_count, 5);
    const std::vector<Proposal> g = greedy.Propose(in.cases, in.agents, kNow);
    const std::vector<Proposal> b = batch.Propose(in.cases, in.agents, kNow);
    ExpectValid(in.cases, in.agents, g);
    ExpectValid(in.cases, in.agents, b);
    ASSERT_GE(b.size(), g.size()) << "round " << round;
    if (b.size() == g.size()) {
      const double gc = TotalCost(g);
      const double bc = TotalCost(b);
      EXPECT_LE(bc, gc + 1e-9 * (1.0 + gc)) << "round " << round;
      strictly_better += bc < gc - 1e-9 ? 1 : 0;
    } else {
      ++more_cases;
    }
  }
  // The instances are varied enough for the batch to win sometimes, in both ways.
  EXPECT_GT(strictly_better, 0);
  EXPECT_GT(more_cases, 0);
}

// Best (most cases, then least cost) over every way of giving each case to an eligible agent
// with room or to nobody; an agent's cases are costed at extra loads 0, 1, ... in their
// cheapest order. Independent of BuildCostMatrix and the solvers.
struct BruteForce {
  const Instance& in;
  std::vector<Eligibility> verdict;  // case * agents + agent
  std::vector<std::vector<std::size_t>> held;
  std::size_t best_count = 0;
  double best_cost = std::numeric_limits<double>::infinity();

  explicit BruteForce(const Instance& instance) : in(instance), held(instance.agents.size()) {
    for (const PendingCase& c : in.cases) {
      for (const AgentProfile& a : in.agents) {
        verdict.push_back(CheckEligibility(a, c, kNow, EligibilityOptions{}));
      }
    }
    Recurse(0, 0);
  }

  double AgentCost(std::size_t a) const {
    std::vector<std::size_t> order = held[a];
    std::sort(order.begin(), order.end());
    double best = std::numeric_limits<double>::infinity();
    do {
      double total = 0.0;
      for (std::size_t j = 0; j < order.size(); ++j) {
        const bool handoff = verdict[order[j] * in.agents.size() + a].needs_handoff;
        total += AssignmentCost(in.agents[a], static_cast<int>(j), in.cases[order[j]], handoff,
                                kNow, CostWeights{});
      }
      best = std::min(best, total);
    } while (std::next_permutation(order.begin(), order.end()));
    return best;
  }

  void Recurse(std::size_t c, std::size_t count) {
    if (c == in.cases.size()) {
      double cost = 0.0;
      for (std::size_t a = 0; a < in.agents.size(); ++a) cost += AgentCost(a);
      if (count > best_count || (count == best_count && cost < best_cost)) {
        best_count = count;
        best_cost = cost;
      }
      return;
    }
    Recurse(c + 1, count);
    for (std::size_t a = 0; a < in.agents.size(); ++a) {
      const AgentProfile& agent = in.agents[a];
      if (!verdict[c * in.agents.size() + a].Eligible()) continue;
      if (static_cast<int>(held[a].size()) >= agent.capacity - agent.load) continue;
      held[a].push_back(c);
      Recurse(c + 1, count + 1);
      held[a].pop_back();
    }
  }
};

TEST(BatchOptimalPolicyTest, MatchesExhaustiveSearchOnSmallInstances) {
  std::mt19937 rng(370102);
  const BatchOptimalPolicy batch;
  const ExhaustiveAssignment exhaustive;
  int placed_some = 0;
  int with_handoff = 0;
  for (int round = 0; round < 300; ++round) {
    const int case_count = std::uniform_int_distribution<int>(1, 6)(rng);
    const int agent_count = std::uniform_int_distribution<int>(1, 4)(rng);
    const Instance in = RandomInstance(rng, case_count, agent_count, 2, 2);
    const std::vector<Proposal> b = batch.Propose(in.cases, in.agents, kNow);
    ExpectValid(in.cases, in.agents, b);

    const BruteForce brute(in);
    ASSERT_EQ(b.size(), brute.best_count) << "round " << round;
    placed_some += b.empty() ? 0 : 1;
    for (const Proposal& p : b) with_handoff += p.needs_handoff ? 1 : 0;
    if (brute.best_count > 0) {
      EXPECT_NEAR(TotalCost(b), brute.best_cost, 1e-9 * (1.0 + brute.best_cost))
          << "round " << round;
    }

    const CostMatrix m = BuildCostMatrix(in.cases, in.agents, kNow, {}, {}, nullptr);
    const AssignmentResult e = exhaustive.Solve(m);
    EXPECT_EQ(e.assigned_count, b.size());
    EXPECT_NEAR(e.total_cost, TotalCost(b), 1e-9 * (1.0 + e.total_cost));
  }
  EXPECT_GT(placed_some, 120);  // the instances are not trivially empty
  EXPECT_GT(with_handoff, 10);  // and bundles' hand-offs take part
}

TEST(AssignmentPolicyTest, IsDeterministic) {
  std::mt19937 rng(7);
  const Instance in = RandomInstance(rng, 30, 12, 4);
  for (const bool batch : {false, true}) {
    const GreedyPolicy greedy;
    const BatchOptimalPolicy optimal;
    const AssignmentPolicy& policy = batch ? static_cast<const AssignmentPolicy&>(optimal) : greedy;
    const std::vector<Proposal> first = policy.Propose(in.cases, in.agents, kNow);
    const std::vector<Proposal> second = policy.Propose(in.cases, in.agents, kNow);
    ASSERT_EQ(first.size(), second.size());
    for (std::size_t i = 0; i < first.size(); ++i) {
      EXPECT_EQ(first[i].case_index, second[i].case_index);
      EXPECT_EQ(first[i].agent_index, second[i].agent_index);
      EXPECT_EQ(first[i].cost, second[i].cost);
    }
  }
}

TEST(BatchOptimalPolicyTest, RepairsRandomAppointmentClashes) {
  // Many 领办 cases on the same morning: the batch must split them across agents.
  std::mt19937 rng(99);
  for (int round = 0; round < 50; ++round) {
    Instance in = RandomInstance(rng, 12, 5, 4);
    std::uniform_int_distribution<int> offset(0, 300);
    for (PendingCase& c : in.cases) {
      c.mode = kModeLed;
      c.appointment_at = kNow + hours{24} + minutes{offset(rng)};  // Tuesday 10:00-15:00
    }
    const std::vector<Proposal> b = BatchOptimalPolicy().Propose(in.cases, in.agents, kNow);
    const std::vector<Proposal> g = GreedyPolicy().Propose(in.cases, in.agents, kNow);
    ExpectValid(in.cases, in.agents, b);
    ExpectValid(in.cases, in.agents, g);
  }
}

}  // namespace
}  // namespace daiban::dispatch
