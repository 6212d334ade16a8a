#pragma once

// Helpers shared by the solver implementations; not part of the public interface.

#include <vector>

#include "daiban/dispatch/assignment_solver.hpp"
#include "daiban/dispatch/cost_matrix.hpp"

namespace daiban::dispatch::internal {

// Throws std::invalid_argument unless every entry is valid and both dimensions fit in an int.
void CheckSolvable(const CostMatrix& costs);

// Wraps a valid assignment (trusted, not re-checked) with its cost and pair count.
AssignmentResult MakeResult(const CostMatrix& costs, std::vector<int> column_for_row);

}  // namespace daiban::dispatch::internal
