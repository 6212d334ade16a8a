#include "daiban/dispatch/assignment_solver.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "daiban/dispatch/cost_matrix.hpp"

namespace daiban::dispatch {
namespace {

constexpr int kU = AssignmentResult::kUnassigned;
constexpr double kF = kForbiddenCost;

CostMatrix Make(std::size_t rows, std::size_t cols, const std::vector<double>& values) {
  return CostMatrix::FromRowMajor(rows, cols, values);
}

CostMatrix Transpose(const CostMatrix& m) {
  CostMatrix t(m.Cols(), m.Rows());
  for (std::size_t r = 0; r < m.Rows(); ++r) {
    for (std::size_t c = 0; c < m.Cols(); ++c) t.Set(c, r, m.At(r, c));
  }
  return t;
}

// Random instance; integer costs (many ties) or real ones, each pair forbidden with
// probability `forbidden`.
CostMatrix RandomMatrix(std::mt19937& rng, std::size_t rows, std::size_t cols, double forbidden,
                        bool integer_costs) {
  std::uniform_real_distribution<double> real(-5.0, 100.0);
  std::uniform_int_distribution<int> small(0, 9);
  std::bernoulli_distribution is_forbidden(forbidden);
  CostMatrix m(rows, cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const double cost = integer_costs ? small(rng) : real(rng);
      m.Set(r, c, is_forbidden(rng) ? kF : cost);
    }
  }
  return m;
}

// Checks that `result` is a consistent assignment for `m` and returns nothing; failures are
// reported through gtest.
void ExpectConsistent(const CostMatrix& m, const AssignmentResult& result) {
  ASSERT_EQ(result.column_for_row.size(), m.Rows());
  double cost = 0.0;
  ASSERT_NO_THROW(cost = AssignmentCost(m, result.column_for_row));
  EXPECT_DOUBLE_EQ(cost, result.total_cost);
  std::size_t count = 0;
  for (const int c : result.column_for_row) count += c != kU ? 1 : 0;
  EXPECT_EQ(count, result.assigned_count);
}

// True when `a` is at least as good as `b`: more pairs, or as many pairs and no higher cost.
bool AtLeastAsGood(const AssignmentResult& a, const AssignmentResult& b) {
  if (a.assigned_count != b.assigned_count) return a.assigned_count > b.assigned_count;
  return a.total_cost <= b.total_cost + 1e-9 * (1.0 + std::fabs(b.total_cost));
}

// ---------------------------------------------------------------------------------------------
// CostMatrix

TEST(CostMatrixTest, StoresRowMajorAndMarksForbiddenPairs) {
  CostMatrix m(2, 3, 1.5);
  EXPECT_EQ(m.Rows(), 2u);
  EXPECT_EQ(m.Cols(), 3u);
  EXPECT_FALSE(m.Empty());
  m.Set(1, 2, -4.0);
  m.Forbid(0, 1);
  EXPECT_DOUBLE_EQ(m.At(1, 2), -4.0);
  EXPECT_DOUBLE_EQ(m.Data()[5], -4.0);
  EXPECT_TRUE(m.IsForbidden(0, 1));
  EXPECT_FALSE(m.IsForbidden(0, 0));
  EXPECT_EQ(m.Row(1).size(), 3u);
  EXPECT_DOUBLE_EQ(m.Row(1)[2], -4.0);
}

TEST(CostMatrixTest, RejectsInvalidValuesAndShapes) {
  CostMatrix m(2, 2);
  EXPECT_THROW(m.Set(0, 0, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(m.Set(0, 0, -kF), std::invalid_argument);
  EXPECT_THROW(m.Set(0, 0, 2 * kMaxAbsCost), std::invalid_argument);
  EXPECT_THROW(m.Set(2, 0, 1.0), std::out_of_range);
  EXPECT_THROW(m.Forbid(0, 2), std::out_of_range);
  EXPECT_THROW(Make(2, 2, {1, 2, 3}), std::invalid_argument);
  EXPECT_THROW(Make(1, 2, {1, std::numeric_limits<double>::quiet_NaN()}), std::invalid_argument);
  EXPECT_NO_THROW(m.Set(0, 0, kF));
  EXPECT_TRUE(CostMatrix().Empty());
  EXPECT_TRUE(CostMatrix(0, 4).Empty());
}

// ---------------------------------------------------------------------------------------------
// Known small instances

TEST(JonkerVolgenantTest, SolvesKnownSquareInstance) {
  const CostMatrix m = Make(3, 3,
                            {4, 1, 3,  //
                             2, 0, 5,  //
                             3, 2, 2});
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{1, 0, 2}));
  EXPECT_DOUBLE_EQ(r.total_cost, 5.0);
  EXPECT_EQ(r.assigned_count, 3u);
}

TEST(JonkerVolgenantTest, SolvesKnownFourByFour) {
  const CostMatrix m = Make(4, 4,
                            {82, 83, 69, 92,  //
                             77, 37, 49, 92,  //
                             11, 69, 5, 86,   //
                             8, 9, 98, 23});
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{2, 1, 0, 3}));
  EXPECT_DOUBLE_EQ(r.total_cost, 140.0);
}

TEST(JonkerVolgenantTest, HandlesNegativeCosts) {
  const CostMatrix m = Make(2, 2,
                            {-10, -1,  //
                             -2, -8});
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(r.total_cost, -18.0);
}

TEST(JonkerVolgenantTest, WideMatrixAssignsEveryRow) {
  // 2 cases, 4 agents: each case gets its own agent, the two cheapest overall combination.
  const CostMatrix m = Make(2, 4,
                            {5, 1, 9, 3,  //
                             6, 2, 8, 7});
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{3, 1}));
  EXPECT_DOUBLE_EQ(r.total_cost, 5.0);
  EXPECT_EQ(r.assigned_count, 2u);
}

TEST(JonkerVolgenantTest, TallMatrixAssignsEveryColumnToTheBestRows) {
  // 4 cases, 2 agents: only two cases can be served; pick the pair of cases that is cheapest.
  const CostMatrix m = Make(4, 2,
                            {5, 6,  //
                             1, 2,  //
                             9, 8,  //
                             3, 7});
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{kU, 1, kU, 0}));
  EXPECT_DOUBLE_EQ(r.total_cost, 5.0);
  EXPECT_EQ(r.assigned_count, 2u);
}

TEST(JonkerVolgenantTest, EmptyMatricesAssignNothing) {
  const JonkerVolgenantSolver solver;
  const AssignmentResult none = solver.Solve(CostMatrix());
  EXPECT_TRUE(none.column_for_row.empty());
  EXPECT_EQ(none.assigned_count, 0u);
  EXPECT_DOUBLE_EQ(none.total_cost, 0.0);
  const AssignmentResult no_agents = solver.Solve(CostMatrix(3, 0));
  EXPECT_EQ(no_agents.column_for_row, (std::vector<int>{kU, kU, kU}));
  EXPECT_EQ(no_agents.assigned_count, 0u);
  const AssignmentResult no_cases = solver.Solve(CostMatrix(0, 3));
  EXPECT_TRUE(no_cases.column_for_row.empty());
  EXPECT_EQ(GreedyAssignment().Solve(CostMatrix(2, 0)).column_for_row, (std::vector<int>{kU, kU}));
  EXPECT_TRUE(ExhaustiveAssignment().Solve(CostMatrix()).column_for_row.empty());
}

// ---------------------------------------------------------------------------------------------
// Forbidden pairs

TEST(JonkerVolgenantTest, RowWithOnlyForbiddenPairsStaysUnassigned) {
  const CostMatrix m = Make(3, 3,
                            {1, 2, 3,     //
                             kF, kF, kF,  //
                             3, 1, 2});
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{0, kU, 1}));
  EXPECT_DOUBLE_EQ(r.total_cost, 2.0);
  EXPECT_EQ(r.assigned_count, 2u);
}

TEST(JonkerVolgenantTest, AllPairsForbiddenAssignsNothing) {
  const CostMatrix m(3, 2, kF);
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{kU, kU, kU}));
  EXPECT_EQ(r.assigned_count, 0u);
  EXPECT_DOUBLE_EQ(r.total_cost, 0.0);
}

TEST(JonkerVolgenantTest, PrefersMorePairsOverLowerCost) {
  // Greedy gives row 0 its cheap agent 0, and row 1 (which can only use agent 0) is left out.
  // The optimum serves both cases even though the total is higher.
  const CostMatrix m = Make(2, 2,
                            {1, 50,  //
                             1, kF});
  const AssignmentResult greedy = GreedyAssignment().Solve(m);
  EXPECT_EQ(greedy.column_for_row, (std::vector<int>{0, kU}));
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{1, 0}));
  EXPECT_DOUBLE_EQ(r.total_cost, 51.0);
  EXPECT_EQ(r.assigned_count, 2u);
}

TEST(JonkerVolgenantTest, GreedyBlockingChainIsResolved) {
  // Each row's cheapest agent is the only agent of the next row, so greedy serves 3 of 4 cases;
  // the optimum shifts every case one agent along and serves all four.
  const CostMatrix m = Make(4, 4,
                            {1, 2, kF, kF,   //
                             1, kF, kF, kF,  //
                             kF, 1, 2, kF,   //
                             kF, kF, 1, 2});
  EXPECT_EQ(GreedyAssignment().Solve(m).assigned_count, 3u);
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{1, 0, 2, 3}));
  EXPECT_EQ(r.assigned_count, 4u);
  EXPECT_DOUBLE_EQ(r.total_cost, 7.0);
  EXPECT_EQ(ExhaustiveAssignment().Solve(m).assigned_count, 4u);
}

TEST(JonkerVolgenantTest, LeavesOutTheCaseWhoseServiceCostsMost) {
  // Three cases compete for two agents; whichever case is processed first, the optimum leaves
  // out the case whose absence lowers the total most, not the one that came last.
  const CostMatrix m = Make(3, 2,
                            {10, kF,  //
                             1, kF,   //
                             4, 3});
  const AssignmentResult r = JonkerVolgenantSolver().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{kU, 0, 1}));
  EXPECT_DOUBLE_EQ(r.total_cost, 4.0);
  // Same thing with cases as columns.
  const AssignmentResult t = JonkerVolgenantSolver().Solve(Transpose(m));
  EXPECT_EQ(t.column_for_row, (std::vector<int>{1, 2}));
  EXPECT_DOUBLE_EQ(t.total_cost, 4.0);
}

TEST(JonkerVolgenantTest, RejectsInvalidEntries) {
  CostMatrix m(2, 2, 1.0);
  m.MutableRow(1)[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(JonkerVolgenantSolver().Solve(m), std::invalid_argument);
  EXPECT_THROW(GreedyAssignment().Solve(m), std::invalid_argument);
  m.MutableRow(1)[0] = -kF;
  EXPECT_THROW(JonkerVolgenantSolver().Solve(m), std::invalid_argument);
}

TEST(ExhaustiveAssignmentTest, RejectsLargeMatrices) {
  EXPECT_THROW(ExhaustiveAssignment().Solve(CostMatrix(9, 2)), std::invalid_argument);
  EXPECT_THROW(ExhaustiveAssignment().Solve(CostMatrix(2, 9)), std::invalid_argument);
  EXPECT_NO_THROW(ExhaustiveAssignment().Solve(CostMatrix(8, 1)));
}

TEST(AssignmentCostTest, ChecksTheAssignment) {
  const CostMatrix m = Make(2, 2,
                            {1, kF,  //
                             3, 4});
  EXPECT_DOUBLE_EQ(AssignmentCost(m, std::vector<int>{0, 1}), 5.0);
  EXPECT_DOUBLE_EQ(AssignmentCost(m, std::vector<int>{kU, 0}), 3.0);
  EXPECT_THROW(AssignmentCost(m, std::vector<int>{0, 0}), std::invalid_argument);
  EXPECT_THROW(AssignmentCost(m, std::vector<int>{1, 0}), std::invalid_argument);
  EXPECT_THROW(AssignmentCost(m, std::vector<int>{2, 0}), std::invalid_argument);
  EXPECT_THROW(AssignmentCost(m, std::vector<int>{0}), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Randomised comparisons (seeded, deterministic)

struct RandomCase {
  double forbidden;
  bool integer_costs;
};

constexpr RandomCase kRandomCases[] = {
    {0.0, false}, {0.0, true},  {0.2, false}, {0.2, true},   {0.5, false},
    {0.5, true},  {0.8, false}, {0.8, true},  {0.95, false}, {0.95, true},
};
constexpr std::size_t kKinds = std::size(kRandomCases);

TEST(JonkerVolgenantTest, MatchesExhaustiveSearchOnRandomSmallInstances) {
  std::mt19937 rng(20240611);
  const ExhaustiveAssignment exhaustive;
  const JonkerVolgenantSolver jv;
  const JonkerVolgenantSolver plain_ssp({.augmenting_row_reduction = false});
  int compared = 0;
  for (std::size_t rows = 1; rows <= 7; ++rows) {
    for (std::size_t cols = 1; cols <= 7; ++cols) {
      for (const RandomCase& kind : kRandomCases) {
        for (int rep = 0; rep < 6; ++rep) {
          const CostMatrix m = RandomMatrix(rng, rows, cols, kind.forbidden, kind.integer_costs);
          const AssignmentResult expected = exhaustive.Solve(m);
          for (const JonkerVolgenantSolver* solver : {&jv, &plain_ssp}) {
            const AssignmentResult got = solver->Solve(m);
            ExpectConsistent(m, got);
            ASSERT_EQ(got.assigned_count, expected.assigned_count)
                << rows << "x" << cols << " forbidden=" << kind.forbidden << " rep=" << rep;
            ASSERT_NEAR(got.total_cost, expected.total_cost, 1e-9)
                << rows << "x" << cols << " forbidden=" << kind.forbidden << " rep=" << rep;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, static_cast<int>(7 * 7 * kKinds * 6 * 2));
}

TEST(JonkerVolgenantTest, NeverWorseThanGreedy) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> size(1, 40);
  const JonkerVolgenantSolver jv;
  const GreedyAssignment greedy;
  for (int rep = 0; rep < 300; ++rep) {
    const RandomCase& kind = kRandomCases[static_cast<std::size_t>(rep) % kKinds];
    const CostMatrix m =
        RandomMatrix(rng, size(rng), size(rng), kind.forbidden, kind.integer_costs);
    const AssignmentResult g = greedy.Solve(m);
    const AssignmentResult r = jv.Solve(m);
    ExpectConsistent(m, g);
    ExpectConsistent(m, r);
    ASSERT_TRUE(AtLeastAsGood(r, g))
        << "rep " << rep << ": jv " << r.assigned_count << "/" << r.total_cost << " greedy "
        << g.assigned_count << "/" << g.total_cost;
  }
}

TEST(JonkerVolgenantTest, RowReductionAndTranspositionDoNotChangeTheOptimum) {
  // Larger instances than exhaustive search can check: the two initialisations and the
  // transposed problem are independent routes to the same optimum.
  std::mt19937 rng(99);
  std::uniform_int_distribution<std::size_t> size(1, 90);
  const JonkerVolgenantSolver jv;
  const JonkerVolgenantSolver plain_ssp({.augmenting_row_reduction = false});
  for (int rep = 0; rep < 120; ++rep) {
    const RandomCase& kind = kRandomCases[static_cast<std::size_t>(rep) % kKinds];
    const CostMatrix m =
        RandomMatrix(rng, size(rng), size(rng), kind.forbidden, kind.integer_costs);
    const AssignmentResult a = jv.Solve(m);
    const AssignmentResult b = plain_ssp.Solve(m);
    const AssignmentResult t = jv.Solve(Transpose(m));
    ExpectConsistent(m, a);
    ExpectConsistent(m, b);
    ASSERT_EQ(a.assigned_count, b.assigned_count) << "rep " << rep;
    ASSERT_EQ(a.assigned_count, t.assigned_count) << "rep " << rep;
    ASSERT_NEAR(a.total_cost, b.total_cost, 1e-7) << "rep " << rep;
    ASSERT_NEAR(a.total_cost, t.total_cost, 1e-7) << "rep " << rep;
  }
}

TEST(JonkerVolgenantTest, IsDeterministic) {
  std::mt19937 rng(3);
  const CostMatrix m = RandomMatrix(rng, 60, 45, 0.3, true);
  const JonkerVolgenantSolver jv;
  EXPECT_EQ(jv.Solve(m).column_for_row, jv.Solve(m).column_for_row);
}

TEST(GreedyAssignmentTest, TakesCheapestFreeColumnInRowOrder) {
  const CostMatrix m = Make(3, 3,
                            {1, 2, 3,  //
                             1, 5, 2,  //
                             1, 1, 9});
  const AssignmentResult r = GreedyAssignment().Solve(m);
  EXPECT_EQ(r.column_for_row, (std::vector<int>{0, 2, 1}));
  EXPECT_DOUBLE_EQ(r.total_cost, 4.0);
}

TEST(AssignmentSolverTest, PoliciesAreInterchangeable) {
  const CostMatrix m = Make(2, 2,
                            {1, 2,  //
                             2, 5});
  const JonkerVolgenantSolver jv;
  const GreedyAssignment greedy;
  const ExhaustiveAssignment exhaustive;
  const AssignmentSolver* policies[] = {&jv, &greedy, &exhaustive};
  std::vector<double> costs;
  for (const AssignmentSolver* policy : policies) costs.push_back(policy->Solve(m).total_cost);
  EXPECT_EQ(costs, (std::vector<double>{4.0, 6.0, 4.0}));
}

}  // namespace
}  // namespace daiban::dispatch
