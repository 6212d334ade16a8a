// Jonker-Volgenant shortest augmenting path solver for rectangular problems with forbidden pairs.
//
// The problem is solved with rows <= columns (the matrix is transposed otherwise). Column duals
// v[j] are kept; the dual of a matched row is implied by tightness, u[i] = c[i][x[i]] - v[x[i]], so
// the reduced cost of (i, j) is c[i][j] - u[i] - v[j] >= 0 for every allowed pair. The rectangular
// optimality conditions also ask every free column to carry the same, largest dual; all v start at
// 0, only ever decrease, and only for columns that are (or become) matched, so free columns keep
// v = 0 >= every other v throughout.
//
// Maximum cardinality first: each row may also leave the assignment at a symbolic, infinitely
// large price P. With costs taken lexicographically as (number of rows left out, total cost), the
// successive shortest path method stays exact, and a search can end in two ways:
//   * it reaches a free column: a finite-cost path, always preferred; the usual augmentation;
//   * it exhausts every column reachable from the new row without finding a free one: the rows
//     reached are then a closed group with one row more than the columns they can use. The
//     cheapest way out is to shift the alternating path from the new row to the row r of the
//     group whose leaving is cheapest and to leave r out. That path costs label(r) - u(r) (plus a
//     constant), so r minimises it. The group stays closed for good (no alternating path can pass
//     through it to a free column), which is why a row left out never needs to come back.
// Dual updates use the Dijkstra labels capped at the last label, which keeps every reduced cost
// non-negative in both cases.

#include <algorithm>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "assignment_internal.hpp"
#include "daiban/dispatch/assignment_solver.hpp"

namespace daiban::dispatch {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Label of a finalised column. NaN compares false with everything, so the scan kernels neither
// relax nor pick such a column, without a separate mask or branch.
constexpr double kFinished = std::numeric_limits<double>::quiet_NaN();
constexpr int kNone = -1;

// Outcome of relaxing one row: the unfinished column with the smallest label. On ties a free
// column wins (it ends the search at once, which matters for costs with many ties such as small
// integers), then the lowest index.
struct Closest {
  double value = kInf;  // Smallest label, +infinity if no unfinished label is finite.
  int index = kNone;    // Its column, kNone if value is +infinity.
  bool free = true;     // The column is free. True while index is kNone: no tie can improve it.

  void Offer(double label, int j, const int* row_for_col) {
    if (label < value) {
      *this = {label, j, row_for_col[j] == kNone};
    } else if (label == value && !free && row_for_col[j] == kNone) {
      *this = {label, j, true};
    }
  }
};

// Relaxes the unfinished columns [from, to) from one row: label[j] = min(label[j],
// (offset + row[j]) - v[j]). Finished (NaN) labels never change and are never offered.
inline void RelaxRange(const double* row, const double* v, const int* row_for_col, double* label,
                       int from, int to, double offset, Closest& best) {
  for (int j = from; j < to; ++j) {
    const double d = (offset + row[j]) - v[j];
    const double l = d < label[j] ? d : label[j];
    label[j] = l;
    best.Offer(l, j, row_for_col);
  }
}

// The scan works on blocks of kBlock columns: a block is relaxed with vector arithmetic and no
// data-dependent branch, and only a block that can change the answer (a new minimum, or an equal
// one while the best column is matched and the block has a free column; both rare after the
// first few blocks) is offered element by element. The result is the same as RelaxRange over all
// columns: same floating-point operations in the same order, same choice on ties.
constexpr int kBlock = 8;

// Relaxes every unfinished column from one row and returns the closest one.
// `free_in_block[b]` counts the free columns among b * kBlock .. b * kBlock + kBlock - 1.
Closest RelaxRow(const double* row, const double* v, const int* row_for_col,
                 const int* free_in_block, double* label, int cols, double offset) {
  Closest best;
  int j = 0;
#if defined(__SSE2__)
  const __m128d off = _mm_set1_pd(offset);
  const __m128d inf = _mm_set1_pd(kInf);
  for (; j + kBlock <= cols; j += kBlock) {
    // minpd(a, b) is "a < b ? a : b": a NaN (finished) label in b stays NaN, and a NaN in a
    // drops out of the block minimum.
    __m128d block_min = inf;
    for (int k = 0; k < kBlock; k += 2) {
      const __m128d d =
          _mm_sub_pd(_mm_add_pd(off, _mm_loadu_pd(row + j + k)), _mm_loadu_pd(v + j + k));
      const __m128d l = _mm_min_pd(d, _mm_loadu_pd(label + j + k));
      _mm_storeu_pd(label + j + k, l);
      block_min = _mm_min_pd(l, block_min);
    }
    const double m = _mm_cvtsd_f64(_mm_min_pd(block_min, _mm_unpackhi_pd(block_min, block_min)));
    if (m < best.value || (m == best.value && !best.free && free_in_block[j / kBlock] > 0)) {
      for (int k = j; k < j + kBlock; ++k) best.Offer(label[k], k, row_for_col);
    }
  }
#else
  (void)free_in_block;
#endif
  RelaxRange(row, v, row_for_col, label, j, cols, offset, best);
  return best;
}

// Smallest and second smallest reduced cost row[j] - v[j] of a row, for row reduction.
struct TwoSmallest {
  double u1 = kInf;
  double u2 = kInf;
  int j1 = kNone;
  int j2 = kNone;

  void Add(double h, int j) {
    if (h < u2) {
      if (h < u1) {
        u2 = u1;
        j2 = j1;
        u1 = h;
        j1 = j;
      } else {
        u2 = h;
        j2 = j;
      }
    }
  }
};

TwoSmallest FindTwoSmallest(const double* row, const double* v, int cols) {
  TwoSmallest two;
  int j = 0;
#if defined(__SSE2__)
  for (; j + kBlock <= cols; j += kBlock) {
    __m128d block_min = _mm_sub_pd(_mm_loadu_pd(row + j), _mm_loadu_pd(v + j));
    for (int k = 2; k < kBlock; k += 2) {
      block_min =
          _mm_min_pd(_mm_sub_pd(_mm_loadu_pd(row + j + k), _mm_loadu_pd(v + j + k)), block_min);
    }
    const double m = _mm_cvtsd_f64(_mm_min_pd(block_min, _mm_unpackhi_pd(block_min, block_min)));
    if (m < two.u2) {
      for (int k = j; k < j + kBlock; ++k) two.Add(row[k] - v[k], k);
    }
  }
#endif
  for (; j < cols; ++j) two.Add(row[j] - v[j], j);
  return two;
}

// Row-major n x m problem with n <= m.
class RectangularLap {
 public:
  RectangularLap(const double* costs, int rows, int cols)
      : costs_(costs),
        rows_(rows),
        cols_(cols),
        col_for_row_(static_cast<std::size_t>(rows), kNone),
        row_for_col_(static_cast<std::size_t>(cols), kNone),
        v_(static_cast<std::size_t>(cols), 0.0),
        free_in_block_(static_cast<std::size_t>(cols / kBlock + 1), kBlock),
        label_(static_cast<std::size_t>(cols), kInf) {
    free_rows_.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) free_rows_.push_back(i);
    next_free_.reserve(static_cast<std::size_t>(rows));
    scanned_cols_.reserve(static_cast<std::size_t>(cols));
    col_labels_.reserve(static_cast<std::size_t>(cols));
    scanned_rows_.reserve(static_cast<std::size_t>(rows));
    row_offsets_.reserve(static_cast<std::size_t>(rows));
  }

  // Jonker-Volgenant augmenting row reduction: cheap auction-like passes that assign most rows
  // while keeping the duals feasible. Rows without any allowed column are left out here.
  void ReduceRows(int passes) {
    for (int pass = 0; pass < passes && !free_rows_.empty(); ++pass) AugmentingRowReductionPass();
  }

  // Successive shortest augmenting paths for every row still free.
  void Augment() {
    for (const int row : free_rows_) SearchFrom(row);
    free_rows_.clear();
  }

  std::vector<int> TakeColumnForRow() { return std::move(col_for_row_); }

 private:
  const double* Row(int i) const { return costs_ + static_cast<std::size_t>(i) * cols_; }

  void Assign(int i, int j) {
    if (row_for_col_[j] == kNone) --free_in_block_[j / kBlock];  // Columns never become free.
    col_for_row_[i] = j;
    row_for_col_[j] = i;
  }

  void AugmentingRowReductionPass() {
    next_free_.clear();
    // Bound the number of "re-examine the displaced row at once" steps: each makes strict but
    // possibly tiny progress, and the augmentation phase finishes whatever is left anyway.
    std::size_t immediate_budget = 4 * static_cast<std::size_t>(rows_) + 64;
    std::size_t k = 0;
    while (k < free_rows_.size()) {
      const int i = free_rows_[k++];
      const TwoSmallest two = FindTwoSmallest(Row(i), v_.data(), cols_);
      const double u1 = two.u1;
      const double u2 = two.u2;
      int j1 = two.j1;
      const int j2 = two.j2;
      if (j1 == kNone) continue;  // No allowed column at all: the row stays out.
      int displaced = row_for_col_[j1];
      const bool strict = u1 < u2 && j2 != kNone;
      if (strict) {
        // Make j1 exactly as attractive to i as its runner-up j2; u[i] becomes u2.
        v_[j1] -= u2 - u1;
      } else if (displaced != kNone && j2 != kNone) {
        // Tie: take the runner-up instead of displacing j1's row back and forth.
        j1 = j2;
        displaced = row_for_col_[j1];
      }
      Assign(i, j1);
      if (displaced == kNone) continue;
      col_for_row_[displaced] = kNone;
      if (strict && immediate_budget > 0) {
        --immediate_budget;
        free_rows_[--k] = displaced;  // Re-examine at once, in i's former slot.
      } else {
        next_free_.push_back(displaced);
      }
    }
    std::swap(free_rows_, next_free_);
  }

  // One Dijkstra search from the free row `start` over reduced costs, then the augmentation (or
  // the removal of the cheapest row to leave out, see the file comment) and the dual update.
  void SearchFrom(int start) {
    std::fill(label_.begin(), label_.end(), kInf);
    scanned_cols_.clear();
    col_labels_.clear();
    scanned_rows_.clear();
    row_offsets_.clear();

    // Scan rows in Dijkstra order. Row k of the search is reached through column k - 1 (its
    // matched column); its offset is label(row) - u(row), with label(start) = u(start) = 0.
    int i = start;
    double offset = 0.0;
    bool reached_free_column = false;
    for (;;) {
      scanned_rows_.push_back(i);
      row_offsets_.push_back(offset);
      const Closest next = RelaxRow(Row(i), v_.data(), row_for_col_.data(), free_in_block_.data(),
                                    label_.data(), cols_, offset);
      if (next.index == kNone) break;  // Every column reachable from start is matched.
      const int j = next.index;
      label_[j] = kFinished;
      scanned_cols_.push_back(j);
      col_labels_.push_back(next.value);
      if (row_for_col_[j] == kNone) {
        reached_free_column = true;
        break;
      }
      i = row_for_col_[j];
      offset = next.value - (Row(i)[j] - v_[j]);
    }

    // The alternating path to shift ends at scanned column `last`.
    std::size_t last = scanned_cols_.size();
    if (reached_free_column) {
      last = scanned_cols_.size() - 1;
    } else {
      // Leave out the reached row whose departure is cheapest: its key label - u is its offset
      // (start's key is 0, and start wins ties, which leaves the matching unchanged).
      const auto cheapest = static_cast<std::size_t>(
          std::min_element(row_offsets_.begin(), row_offsets_.end()) - row_offsets_.begin());
      if (cheapest != 0) {
        col_for_row_[scanned_rows_[cheapest]] = kNone;
        last = cheapest - 1;
      }
    }
    if (last < scanned_cols_.size()) ShiftPath(last);

    // Dual update with labels capped at the largest finalised label.
    const double cap = col_labels_.empty() ? 0.0 : col_labels_.back();
    for (std::size_t t = 0; t < scanned_cols_.size(); ++t) {
      v_[scanned_cols_[t]] -= cap - col_labels_[t];
    }
  }

  // Assigns scanned column `t` to the row it was labelled from, that row's column to its own
  // predecessor, and so on back to the start row. Predecessors are not stored during the scans
  // (that keeps the scan loop free of index stores); they are found again here as the first row,
  // among those scanned before the column was finalised, whose relaxation gives exactly the
  // column's label (the same floating-point expression, so equality is exact).
  void ShiftPath(std::size_t t) {
    for (;;) {
      const int j = scanned_cols_[t];
      const double target = col_labels_[t];
      std::size_t k = 0;
      while (k < t && (row_offsets_[k] + Row(scanned_rows_[k])[j]) - v_[j] != target) ++k;
      Assign(scanned_rows_[k], j);
      if (k == 0) return;
      t = k - 1;
    }
  }

  const double* costs_;
  int rows_;
  int cols_;
  std::vector<int> col_for_row_;
  std::vector<int> row_for_col_;
  std::vector<double> v_;
  std::vector<int> free_in_block_;  // Free columns per block of kBlock (see RelaxRow).
  std::vector<int> free_rows_;
  std::vector<int> next_free_;
  // Search scratch, reused across searches.
  std::vector<double> label_;  // Tentative label per column; kFinished once finalised.
  std::vector<int> scanned_cols_;
  std::vector<double> col_labels_;  // Final label of each scanned column.
  std::vector<int> scanned_rows_;
  std::vector<double> row_offsets_;  // label - u of each scanned row.
};

std::vector<int> SolveRowsAtMostCols(const double* costs, int rows, int cols, bool reduce) {
  RectangularLap lap(costs, rows, cols);
  if (reduce) lap.ReduceRows(2);
  lap.Augment();
  return lap.TakeColumnForRow();
}

}  // namespace

AssignmentResult JonkerVolgenantSolver::Solve(const CostMatrix& costs) const {
  internal::CheckSolvable(costs);
  const std::size_t rows = costs.Rows();
  const std::size_t cols = costs.Cols();
  if (costs.Empty()) {
    return internal::MakeResult(costs, std::vector<int>(rows, AssignmentResult::kUnassigned));
  }
  const bool reduce = options_.augmenting_row_reduction;
  if (rows <= cols) {
    return internal::MakeResult(costs, SolveRowsAtMostCols(costs.Data(), static_cast<int>(rows),
                                                           static_cast<int>(cols), reduce));
  }
  // More cases than agents: solve with agents as rows on a transposed copy (blocked for cache).
  std::vector<double> transposed(rows * cols);
  constexpr std::size_t kTile = 32;
  for (std::size_t r0 = 0; r0 < rows; r0 += kTile) {
    const std::size_t r1 = std::min(rows, r0 + kTile);
    for (std::size_t c0 = 0; c0 < cols; c0 += kTile) {
      const std::size_t c1 = std::min(cols, c0 + kTile);
      for (std::size_t r = r0; r < r1; ++r) {
        for (std::size_t c = c0; c < c1; ++c) transposed[c * rows + r] = costs.Data()[r * cols + c];
      }
    }
  }
  const std::vector<int> row_for_col = SolveRowsAtMostCols(
      transposed.data(), static_cast<int>(cols), static_cast<int>(rows), reduce);
  std::vector<int> column_for_row(rows, AssignmentResult::kUnassigned);
  for (std::size_t c = 0; c < cols; ++c) {
    if (row_for_col[c] != kNone) {
      column_for_row[static_cast<std::size_t>(row_for_col[c])] = static_cast<int>(c);
    }
  }
  return internal::MakeResult(costs, std::move(column_for_row));
}

}  // namespace daiban::dispatch
