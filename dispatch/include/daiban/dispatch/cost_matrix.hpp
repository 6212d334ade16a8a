#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace daiban::dispatch {

// Cost of a forbidden (ineligible) case-agent pair. A solver never assigns such a pair.
// +infinity is used as the sentinel, not a separate mask, so that the solvers' inner loops need no
// extra load or branch: IEEE arithmetic keeps "forbidden + finite" forbidden and every comparison
// with it behaves as "never cheaper".
inline constexpr double kForbiddenCost = std::numeric_limits<double>::infinity();

// Largest magnitude accepted for an allowed cost. Keeping costs far below the double range keeps
// the solvers' dual arithmetic free of overflow. Integer-valued costs well below
// 2^53 / (rows + cols) in magnitude keep that arithmetic exact, with no rounding at all.
inline constexpr double kMaxAbsCost = 1e15;

// Dense rows x cols matrix of assignment costs, stored contiguously in row-major order
// (rows = cases, cols = agents). Costs are doubles: travel distances and times, and scores
// blended from several factors, are real numbers, and +infinity gives forbidden pairs for free.
// An entry is either an allowed cost (finite, |cost| <= kMaxAbsCost) or kForbiddenCost; the
// matrix itself does not enforce this when written through MutableRow()/MutableData(), the
// solvers check it (see ValidateCostMatrix).
class CostMatrix {
 public:
  // Promises an empty 0 x 0 matrix.
  CostMatrix() = default;

  // Promises a rows x cols matrix with every entry equal to `fill` (which may be
  // kForbiddenCost). Throws std::invalid_argument if `fill` is not an allowed cost or
  // kForbiddenCost, and std::length_error if rows * cols does not fit in memory indexing.
  CostMatrix(std::size_t rows, std::size_t cols, double fill = 0.0);

  // Promises a matrix that takes ownership of `row_major` (entry (r, c) at r * cols + c).
  // Throws std::invalid_argument if its size is not rows * cols or an entry is invalid.
  static CostMatrix FromRowMajor(std::size_t rows, std::size_t cols, std::vector<double> row_major);

  // Number of rows (cases) and of columns (agents).
  std::size_t Rows() const noexcept { return rows_; }
  std::size_t Cols() const noexcept { return cols_; }
  // True when the matrix has no entries (rows == 0 or cols == 0).
  bool Empty() const noexcept { return rows_ == 0 || cols_ == 0; }

  // Entry (row, col); indices are not checked beyond a debug assertion.
  double At(std::size_t row, std::size_t col) const noexcept;
  // Sets entry (row, col). Throws std::out_of_range for a bad index and std::invalid_argument
  // unless `cost` is finite with |cost| <= kMaxAbsCost or equals kForbiddenCost.
  void Set(std::size_t row, std::size_t col, double cost);
  // Marks (row, col) as forbidden. Throws std::out_of_range for a bad index.
  void Forbid(std::size_t row, std::size_t col);
  // True when (row, col) is forbidden; indices are not checked beyond a debug assertion.
  bool IsForbidden(std::size_t row, std::size_t col) const noexcept;

  // The `cols` entries of one row, contiguous. Unchecked beyond a debug assertion.
  std::span<const double> Row(std::size_t row) const noexcept;
  // Writable view of one row, for filling the matrix fast; values are validated by the solvers.
  std::span<double> MutableRow(std::size_t row) noexcept;
  // All rows * cols entries in row-major order (entry (r, c) at r * Cols() + c); writable through
  // MutableData(), with the same caveat as MutableRow().
  const double* Data() const noexcept { return values_.data(); }
  double* MutableData() noexcept { return values_.data(); }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<double> values_;
};

// True for an allowed cost (finite, |cost| <= kMaxAbsCost) or kForbiddenCost.
bool IsValidCost(double cost) noexcept;

// Returns normally when every entry of `costs` is valid (see IsValidCost); otherwise throws
// std::invalid_argument naming the first offending entry. O(rows * cols).
void ValidateCostMatrix(const CostMatrix& costs);

}  // namespace daiban::dispatch
