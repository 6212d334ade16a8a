#include "daiban/dispatch/assignment_cost.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "daiban/dispatch/agent_model.hpp"
#include "daiban/dispatch/cost_matrix.hpp"
#include "daiban/dispatch/eligibility.hpp"
#include "dispatch_fixture.hpp"

namespace daiban::dispatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using test::kBase;
using test::kNow;
using test::North;

AgentProfile Agent() {
  AgentProfile agent;
  agent.id = 1;
  agent.covered_regions = {"370102001"};
  agent.departments = {"D1"};
  agent.capacity = 5;
  agent.load = 2;
  agent.on_duty = true;
  agent.position = kBase;
  return agent;
}

// Hall 4 km north, applicant 30 km north, 20 hours of slack (urgency factor 1 + 10 / 20 = 1.5).
PendingCase Case() {
  PendingCase c;
  c.tracking_number = "T1";
  c.region_code = "370102001";
  c.departments = {"D1"};
  c.mode = kModeProxy;
  c.hall = North(kBase, 4.0);
  c.applicant = North(kBase, 30.0);
  c.deadline = kNow + hours{20};
  return c;
}

double Cost(const AgentProfile& agent, int extra, const PendingCase& c, bool handoff = false,
            const CostWeights& w = {}) {
  return AssignmentCost(agent, extra, c, handoff, kNow, w);
}

TEST(AgentCostTest, HandComputedProxyCase) {
  // (1 * 4 km + 2 * (2 + 1) open cases) * 1.5 = 15.
  EXPECT_NEAR(Cost(Agent(), 1, Case()), 15.0, 1e-9);
  // Extra load 0: (4 + 4) * 1.5 = 12; a hand-off adds 15 * 1.5.
  EXPECT_NEAR(Cost(Agent(), 0, Case()), 12.0, 1e-9);
  EXPECT_NEAR(Cost(Agent(), 0, Case(), true), 34.5, 1e-9);
}

TEST(AgentCostTest, FirstStopDependsOnTheMode) {
  PendingCase c = Case();
  c.mode = kModeAssisted;  // to the applicant: (30 + 4) * 1.5
  EXPECT_NEAR(Cost(Agent(), 0, c), 51.0, 1e-9);
  c.mode = kModeLed;  // meets the applicant at the hall: (4 + 4) * 1.5
  EXPECT_NEAR(Cost(Agent(), 0, c), 12.0, 1e-9);
}

TEST(AgentCostTest, FallsBackToTheOtherPlaceThenToTheUnknownDistance) {
  PendingCase c = Case();
  c.mode = kModeAssisted;
  c.applicant.reset();
  EXPECT_NEAR(Cost(Agent(), 0, c), 12.0, 1e-9);  // the hall instead
  c = Case();
  c.hall.reset();
  EXPECT_NEAR(Cost(Agent(), 0, c), 51.0, 1e-9);  // proxy without a hall: the applicant
  c.applicant.reset();
  EXPECT_NEAR(Cost(Agent(), 0, c), 21.0, 1e-9);  // (10 + 4) * 1.5

  AgentProfile lost = Agent();
  lost.position.reset();
  EXPECT_NEAR(Cost(lost, 0, Case()), 21.0, 1e-9);
  lost.position = GeoPoint{std::numeric_limits<double>::quiet_NaN(), 117.0};
  EXPECT_NEAR(Cost(lost, 0, Case()), 21.0, 1e-9);

  CostWeights w;
  w.unknown_distance_km = 0.0;
  EXPECT_NEAR(Cost(lost, 0, Case(), false, w), 6.0, 1e-9);
}

TEST(AgentCostTest, UrgencyScalesTheWholeCostAndSaturates) {
  PendingCase c = Case();
  const double base = 8.0;  // 4 km + 2 open cases * 2
  c.deadline = kNow + hours{100};
  EXPECT_NEAR(Cost(Agent(), 0, c), base * 1.1, 1e-9);
  c.deadline = kNow + hours{2};
  EXPECT_NEAR(Cost(Agent(), 0, c), base * 6.0, 1e-9);
  for (const auto slack : {hours{1}, hours{0}, hours{-30}}) {
    c.deadline = kNow + slack;
    EXPECT_NEAR(Cost(Agent(), 0, c), base * 11.0, 1e-9) << slack.count();
  }
  c.deadline = kNow + minutes{30};
  EXPECT_NEAR(Cost(Agent(), 0, c), base * 11.0, 1e-9);

  // More urgent never costs less, for the same agent.
  double previous = 0.0;
  for (int slack = 200; slack >= -5; --slack) {
    c.deadline = kNow + hours{slack};
    const double cost = Cost(Agent(), 0, c);
    EXPECT_GE(cost, previous);
    previous = cost;
  }
}

TEST(AgentCostTest, NonNegativeFiniteAndCapped) {
  AgentProfile agent = Agent();
  agent.load = -7;                                 // corrupt data counts as no open case
  EXPECT_NEAR(Cost(agent, 0, Case()), 6.0, 1e-9);  // 4 km * 1.5
  EXPECT_NEAR(Cost(agent, 3, Case()), 6.0, 1e-9);

  CostWeights zero{0.0, 0.0, 0.0, 0.0, 0.0};
  EXPECT_EQ(Cost(Agent(), 0, Case(), true, zero), 0.0);

  CostWeights huge;
  huge.per_km = 1e300;
  huge.slack_urgency = 1e300;
  EXPECT_EQ(Cost(Agent(), 0, Case(), false, huge), kMaxAbsCost);
}

TEST(AgentCostTest, RejectsInvalidWeights) {
  const double bad[] = {-1.0, std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN()};
  for (const double value : bad) {
    for (int field = 0; field < 5; ++field) {
      CostWeights w;
      double* fields[] = {&w.per_km, &w.per_open_case, &w.slack_urgency, &w.handoff_penalty,
                          &w.unknown_distance_km};
      *fields[field] = value;
      EXPECT_THROW(ValidateCostWeights(w), std::invalid_argument);
      EXPECT_THROW(Cost(Agent(), 0, Case(), false, w), std::invalid_argument);
    }
  }
  EXPECT_NO_THROW(ValidateCostWeights(CostWeights{}));
}

TEST(BuildCostMatrixTest, OneColumnPerUsablePlaceAndForbiddenIneligiblePairs) {
  std::vector<AgentProfile> agents(5, Agent());
  agents[0].capacity = 3;  // 2 free places, 2 cases it may take: 2 columns
  agents[0].load = 1;
  agents[1].capacity = 5;  // 5 free, but it may take only case 0: 1 column
  agents[1].load = 0;
  agents[1].id = 2;
  agents[2].load = agents[2].capacity;  // full
  agents[3].capacity = 1;               // over capacity
  agents[3].load = 3;
  agents[4].capacity = 1;  // 1 free place: 1 column
  agents[4].load = 0;
  agents[4].id = 5;

  std::vector<PendingCase> cases(3, Case());
  cases[1].departments = {"D2"};  // nobody handles D2
  cases[2].excluded_agents = {2};

  std::vector<AgentSlot> slots;
  const CostMatrix m = BuildCostMatrix(cases, agents, kNow, {}, {}, &slots);
  ASSERT_EQ(m.Rows(), 3u);
  ASSERT_EQ(m.Cols(), 4u);
  ASSERT_EQ(slots.size(), 4u);
  const std::size_t agent_of[] = {0, 0, 1, 4};
  const int extra_of[] = {0, 1, 0, 0};
  for (std::size_t col = 0; col < 4; ++col) {
    EXPECT_EQ(slots[col].agent_index, agent_of[col]);
    EXPECT_EQ(slots[col].extra_load, extra_of[col]);
  }
  for (std::size_t col = 0; col < 4; ++col) {
    const AgentProfile& agent = agents[agent_of[col]];
    EXPECT_DOUBLE_EQ(m.At(0, col), Cost(agent, extra_of[col], cases[0]));
    EXPECT_TRUE(m.IsForbidden(1, col));
    EXPECT_EQ(m.IsForbidden(2, col), agent_of[col] == 1);
    if (agent_of[col] != 1) {
      EXPECT_DOUBLE_EQ(m.At(2, col), Cost(agent, extra_of[col], cases[2]));
    }
  }
  // Agent 0 (load 1): (4 + 2 * 1) * 1.5 = 9, then (4 + 2 * 2) * 1.5 = 12.
  EXPECT_NEAR(m.At(0, 0), 9.0, 1e-9);
  EXPECT_NEAR(m.At(0, 1), 12.0, 1e-9);
  EXPECT_NO_THROW(ValidateCostMatrix(m));
}

TEST(BuildCostMatrixTest, ABurstCapsEveryAgentsPlacesAtThreeColumnsACase) {
  // 10 cases, 20 agents with 100 free places each: 200 usable places, but 30 columns are
  // enough (3 a case), so every agent offers 2 places (20 x 1 = 20 < 30 <= 20 x 2 = 40).
  std::vector<AgentProfile> agents(20, Agent());
  for (std::size_t a = 0; a < agents.size(); ++a) {
    agents[a].id = static_cast<std::int64_t>(a + 1);
    agents[a].capacity = 100;
    agents[a].load = 0;
  }
  std::vector<PendingCase> cases(10, Case());
  std::vector<AgentSlot> slots;
  const CostMatrix m = BuildCostMatrix(cases, agents, kNow, {}, {}, &slots);
  ASSERT_EQ(m.Cols(), 40u);
  for (std::size_t col = 0; col < slots.size(); ++col) {
    EXPECT_EQ(slots[col].agent_index, col / 2);
    EXPECT_EQ(slots[col].extra_load, static_cast<int>(col % 2));
    EXPECT_DOUBLE_EQ(m.At(3, col), Cost(agents[col / 2], slots[col].extra_load, cases[3]));
  }
  // One agent alone keeps every place a case may need: the cap never starves a lone agent.
  const CostMatrix lone = BuildCostMatrix(cases, {agents[0]}, kNow, {}, {}, &slots);
  EXPECT_EQ(lone.Cols(), 10u);
}

TEST(BuildCostMatrixTest, HandoffPairsPayThePenalty) {
  PendingCase bundle = Case();
  bundle.is_bundle = true;
  bundle.departments = {"D1", "D2"};
  std::vector<AgentProfile> agents(2, Agent());
  agents[0].capacity = 3;
  agents[1].capacity = 3;
  agents[1].departments = {"D1", "D2"};
  std::vector<AgentSlot> slots;
  const CostMatrix m = BuildCostMatrix({bundle}, agents, kNow, {}, {}, &slots);
  ASSERT_EQ(m.Cols(), 2u);
  EXPECT_NEAR(m.At(0, 0), 12.0 + 22.5, 1e-9);  // primary with a hand-off
  EXPECT_NEAR(m.At(0, 1), 12.0, 1e-9);         // full coverage
}

TEST(BuildCostMatrixTest, EmptyInputsAndNullSlots) {
  const CostMatrix none = BuildCostMatrix({}, {Agent()}, kNow, {}, {}, nullptr);
  EXPECT_EQ(none.Rows(), 0u);
  EXPECT_EQ(none.Cols(), 0u);
  const CostMatrix no_agents = BuildCostMatrix({Case(), Case()}, {}, kNow, {}, {}, nullptr);
  EXPECT_EQ(no_agents.Rows(), 2u);
  EXPECT_EQ(no_agents.Cols(), 0u);
  CostWeights bad;
  bad.per_km = -1.0;
  EXPECT_THROW(BuildCostMatrix({Case()}, {Agent()}, kNow, bad, {}, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace daiban::dispatch
