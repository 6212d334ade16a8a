#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "daiban/dispatch/cost_matrix.hpp"

namespace daiban::dispatch {

// Outcome of assigning cases (rows) to agents (columns).
// Plain data, so its public fields carry no trailing underscore.
struct AssignmentResult {
  static constexpr int kUnassigned = -1;

  // For each row of the cost matrix, the assigned column or kUnassigned. No column appears twice
  // and no forbidden pair is used.
  std::vector<int> column_for_row;
  // Sum of the costs of the assigned pairs, added in row order (0 when nothing is assigned).
  double total_cost = 0.0;
  // Number of rows with a column.
  std::size_t assigned_count = 0;
};

// A policy that assigns the rows of a cost matrix to its columns, one column per row at most and
// one row per column at most. Implementations are stateless: Solve() is const, allocates its own
// scratch space and may be called from several threads at once.
class AssignmentSolver {
 public:
  virtual ~AssignmentSolver() = default;

  // Promises a valid assignment (see AssignmentResult) for `costs`; what makes it good depends on
  // the policy. Throws std::invalid_argument if `costs` holds an invalid entry (NaN, -infinity,
  // or |cost| > kMaxAbsCost) or is too large for int indices.
  virtual AssignmentResult Solve(const CostMatrix& costs) const = 0;
};

// Exact rectangular minimum-cost assignment with forbidden pairs: the shortest-augmenting-path
// method of Jonker and Volgenant (LAPJV family, rectangular form as in Crouse 2016), with
// augmenting row reduction as initialisation.
//
// Objective, in order of priority:
//   1. maximise the number of assigned pairs. Without forbidden pairs that is min(rows, cols);
//      with them it is the size of a maximum matching on the allowed pairs, so a case with no
//      eligible agent (or one that loses the competition for scarce eligible agents) stays
//      unassigned;
//   2. among all assignments of that size, minimise the total cost.
// Either dimension may be the larger one (rows > cols is solved on the transposed matrix).
// Running time O(k^2 * K) in the worst case with k = min(rows, cols), K = max(rows, cols), and far
// less on typical inputs; memory O(rows + cols) besides the matrix (plus one transposed copy of
// it when rows > cols). Deterministic: the same matrix always gives the same result (which of
// several optimal assignments that is, is unspecified).
class JonkerVolgenantSolver final : public AssignmentSolver {
 public:
  struct Options {
    // Run Jonker-Volgenant augmenting row reduction before the augmentation phase. It never
    // changes the optimal cost, only speed; off leaves plain successive shortest paths.
    bool augmenting_row_reduction = true;
  };

  JonkerVolgenantSolver() = default;
  explicit JonkerVolgenantSolver(Options options) : options_(options) {}

  // Promises an optimal assignment for the objective above.
  AssignmentResult Solve(const CostMatrix& costs) const override;

 private:
  Options options_;
};

// Greedy baseline: rows in index order each take their cheapest still-free allowed column (lowest
// column index on ties) or stay unassigned. O(rows * cols); neither the number of pairs nor the
// cost is optimal in general.
class GreedyAssignment final : public AssignmentSolver {
 public:
  // Promises the greedy assignment described above.
  AssignmentResult Solve(const CostMatrix& costs) const override;
};

// Brute force over every partial assignment, for tests: same objective as
// JonkerVolgenantSolver (most pairs first, then least cost). Only for matrices of at most
// kMaxDimension rows and kMaxDimension columns.
class ExhaustiveAssignment final : public AssignmentSolver {
 public:
  static constexpr std::size_t kMaxDimension = 8;

  // Promises an optimal assignment; throws std::invalid_argument for matrices larger than
  // kMaxDimension in either dimension.
  AssignmentResult Solve(const CostMatrix& costs) const override;
};

// Sum of costs[r][column_for_row[r]] over assigned rows, in row order. Throws std::invalid_argument
// if `column_for_row` has the wrong size, repeats a column, uses a column out of range or a
// forbidden pair.
double AssignmentCost(const CostMatrix& costs, std::span<const int> column_for_row);

}  // namespace daiban::dispatch
