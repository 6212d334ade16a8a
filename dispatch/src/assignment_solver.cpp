#include "daiban/dispatch/assignment_solver.hpp"

#include <climits>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "assignment_internal.hpp"

namespace daiban::dispatch {
namespace internal {

void CheckSolvable(const CostMatrix& costs) {
  if (costs.Rows() > static_cast<std::size_t>(INT_MAX) ||
      costs.Cols() > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument("assignment: matrix dimensions must fit in an int");
  }
  ValidateCostMatrix(costs);
}

AssignmentResult MakeResult(const CostMatrix& costs, std::vector<int> column_for_row) {
  AssignmentResult result;
  for (std::size_t row = 0; row < column_for_row.size(); ++row) {
    const int col = column_for_row[row];
    if (col == AssignmentResult::kUnassigned) continue;
    result.total_cost += costs.At(row, static_cast<std::size_t>(col));
    ++result.assigned_count;
  }
  result.column_for_row = std::move(column_for_row);
  return result;
}

}  // namespace internal

double AssignmentCost(const CostMatrix& costs, std::span<const int> column_for_row) {
  if (column_for_row.size() != costs.Rows()) {
    throw std::invalid_argument("AssignmentCost: expected one entry per row");
  }
  std::vector<bool> used(costs.Cols(), false);
  double total = 0.0;
  for (std::size_t row = 0; row < column_for_row.size(); ++row) {
    const int col = column_for_row[row];
    if (col == AssignmentResult::kUnassigned) continue;
    if (col < 0 || static_cast<std::size_t>(col) >= costs.Cols()) {
      throw std::invalid_argument("AssignmentCost: column out of range in row " +
                                  std::to_string(row));
    }
    const auto column = static_cast<std::size_t>(col);
    if (used[column]) {
      throw std::invalid_argument("AssignmentCost: column " + std::to_string(col) +
                                  " is assigned twice");
    }
    used[column] = true;
    if (costs.IsForbidden(row, column)) {
      throw std::invalid_argument("AssignmentCost: row " + std::to_string(row) +
                                  " uses a forbidden pair");
    }
    total += costs.At(row, column);
  }
  return total;
}

AssignmentResult GreedyAssignment::Solve(const CostMatrix& costs) const {
  internal::CheckSolvable(costs);
  const std::size_t cols = costs.Cols();
  std::vector<int> column_for_row(costs.Rows(), AssignmentResult::kUnassigned);
  std::vector<bool> taken(cols, false);
  for (std::size_t row = 0; row < costs.Rows(); ++row) {
    const std::span<const double> row_costs = costs.Row(row);
    double best = kForbiddenCost;
    int best_col = AssignmentResult::kUnassigned;
    for (std::size_t col = 0; col < cols; ++col) {
      if (!taken[col] && row_costs[col] < best) {
        best = row_costs[col];
        best_col = static_cast<int>(col);
      }
    }
    if (best_col != AssignmentResult::kUnassigned) {
      taken[static_cast<std::size_t>(best_col)] = true;
      column_for_row[row] = best_col;
    }
  }
  return internal::MakeResult(costs, std::move(column_for_row));
}

namespace {

// Depth-first enumeration of every partial assignment; keeps the best by (most pairs, least cost).
class ExhaustiveSearch {
 public:
  explicit ExhaustiveSearch(const CostMatrix& costs)
      : costs_(costs),
        current_(costs.Rows(), AssignmentResult::kUnassigned),
        best_(current_),
        used_(costs.Cols(), false) {}

  std::vector<int> Run() {
    Visit(0, 0, 0.0);
    return best_;
  }

 private:
  void Visit(std::size_t row, std::size_t count, double cost) {
    if (row == costs_.Rows()) {
      if (count > best_count_ || (count == best_count_ && cost < best_cost_)) {
        best_count_ = count;
        best_cost_ = cost;
        best_ = current_;
      }
      return;
    }
    for (std::size_t col = 0; col < costs_.Cols(); ++col) {
      if (used_[col] || costs_.IsForbidden(row, col)) continue;
      used_[col] = true;
      current_[row] = static_cast<int>(col);
      Visit(row + 1, count + 1, cost + costs_.At(row, col));
      current_[row] = AssignmentResult::kUnassigned;
      used_[col] = false;
    }
    Visit(row + 1, count, cost);  // Leave this row unassigned.
  }

  const CostMatrix& costs_;
  std::vector<int> current_;
  std::vector<int> best_;
  std::vector<bool> used_;
  std::size_t best_count_ = 0;
  double best_cost_ = 0.0;
};

}  // namespace

AssignmentResult ExhaustiveAssignment::Solve(const CostMatrix& costs) const {
  if (costs.Rows() > kMaxDimension || costs.Cols() > kMaxDimension) {
    throw std::invalid_argument("ExhaustiveAssignment: at most 8 x 8 supported");
  }
  internal::CheckSolvable(costs);
  return internal::MakeResult(costs, ExhaustiveSearch(costs).Run());
}

}  // namespace daiban::dispatch
