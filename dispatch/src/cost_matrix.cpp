#include "daiban/dispatch/cost_matrix.hpp"

#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace daiban::dispatch {
namespace {

std::size_t CheckedArea(std::size_t rows, std::size_t cols) {
  if (cols != 0 && rows > std::numeric_limits<std::size_t>::max() / sizeof(double) / cols) {
    throw std::length_error("CostMatrix: rows * cols is too large");
  }
  return rows * cols;
}

std::string InvalidCostMessage(std::size_t row, std::size_t col, double cost) {
  return "cost (" + std::to_string(row) + ", " + std::to_string(col) +
         ") = " + std::to_string(cost) +
         " is neither a finite cost with |cost| <= 1e15 nor kForbiddenCost";
}

}  // namespace

bool IsValidCost(double cost) noexcept {
  return std::fabs(cost) <= kMaxAbsCost || cost == kForbiddenCost;
}

CostMatrix::CostMatrix(std::size_t rows, std::size_t cols, double fill) : rows_(rows), cols_(cols) {
  if (!IsValidCost(fill)) {
    throw std::invalid_argument("CostMatrix: invalid fill value " + std::to_string(fill));
  }
  values_.assign(CheckedArea(rows, cols), fill);
}

CostMatrix CostMatrix::FromRowMajor(std::size_t rows, std::size_t cols,
                                    std::vector<double> row_major) {
  if (row_major.size() != CheckedArea(rows, cols)) {
    throw std::invalid_argument("CostMatrix::FromRowMajor: expected " +
                                std::to_string(rows * cols) + " values, got " +
                                std::to_string(row_major.size()));
  }
  CostMatrix matrix;
  matrix.rows_ = rows;
  matrix.cols_ = cols;
  matrix.values_ = std::move(row_major);
  ValidateCostMatrix(matrix);
  return matrix;
}

double CostMatrix::At(std::size_t row, std::size_t col) const noexcept {
  assert(row < rows_ && col < cols_);
  return values_[row * cols_ + col];
}

void CostMatrix::Set(std::size_t row, std::size_t col, double cost) {
  if (row >= rows_ || col >= cols_) {
    throw std::out_of_range("CostMatrix::Set: index out of range");
  }
  if (!IsValidCost(cost)) {
    throw std::invalid_argument("CostMatrix::Set: " + InvalidCostMessage(row, col, cost));
  }
  values_[row * cols_ + col] = cost;
}

void CostMatrix::Forbid(std::size_t row, std::size_t col) {
  if (row >= rows_ || col >= cols_) {
    throw std::out_of_range("CostMatrix::Forbid: index out of range");
  }
  values_[row * cols_ + col] = kForbiddenCost;
}

bool CostMatrix::IsForbidden(std::size_t row, std::size_t col) const noexcept {
  return At(row, col) == kForbiddenCost;
}

std::span<const double> CostMatrix::Row(std::size_t row) const noexcept {
  assert(row < rows_);
  return {values_.data() + row * cols_, cols_};
}

std::span<double> CostMatrix::MutableRow(std::size_t row) noexcept {
  assert(row < rows_);
  return {values_.data() + row * cols_, cols_};
}

void ValidateCostMatrix(const CostMatrix& costs) {
  const double* data = costs.Data();
  const std::size_t size = costs.Rows() * costs.Cols();
  // Branch-free pass first (the common, valid case), then locate the culprit if there is one.
  std::size_t k = 0;
  bool all_valid = true;
#if defined(__SSE2__)
  const __m128d abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffff));
  const __m128d max_abs = _mm_set1_pd(kMaxAbsCost);
  const __m128d forbidden = _mm_set1_pd(kForbiddenCost);
  __m128d valid = _mm_castsi128_pd(_mm_set1_epi64x(-1));
  for (; k + 2 <= size; k += 2) {
    const __m128d x = _mm_loadu_pd(data + k);
    // |x| <= kMaxAbsCost is false for NaN and infinities; x == +inf restores kForbiddenCost.
    valid = _mm_and_pd(valid, _mm_or_pd(_mm_cmple_pd(_mm_and_pd(x, abs_mask), max_abs),
                                        _mm_cmpeq_pd(x, forbidden)));
  }
  all_valid = _mm_movemask_pd(valid) == 3;
#endif
  for (; k < size; ++k) all_valid &= IsValidCost(data[k]);
  if (all_valid) return;
  for (k = 0; k < size; ++k) {
    if (!IsValidCost(data[k])) {
      throw std::invalid_argument("ValidateCostMatrix: " +
                                  InvalidCostMessage(k / costs.Cols(), k % costs.Cols(), data[k]));
    }
  }
}

}  // namespace daiban::dispatch
