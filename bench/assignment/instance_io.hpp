#pragma once

// Benchmark instance files (see bench/README.md, "Instance format"):
//   NAME.points.txt  text: "cases N" line, N lines "x y", "agents M" line, M lines "x y";
//                    integer metres in [0, side]; '#' lines are comments.
//   NAME.costs.bin   binary: 8 bytes "DBCOST01", uint64 rows, uint64 cols (little endian),
//                    then rows * cols float64 little endian, row-major; cost (i, j) is the
//                    Euclidean distance in metres from case i to agent j.
// Coordinates are integers so dx*dx + dy*dy is exact and sqrt() is correctly rounded: C++ and
// NumPy compute bit-identical costs from the points.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "daiban/dispatch/cost_matrix.hpp"

namespace daiban::bench {

struct Point {
  std::int64_t x = 0;
  std::int64_t y = 0;
};

struct Points {
  std::vector<Point> cases;
  std::vector<Point> agents;
};

inline constexpr char kCostMagic[8] = {'D', 'B', 'C', 'O', 'S', 'T', '0', '1'};

inline double Distance(const Point& a, const Point& b) {
  const double dx = static_cast<double>(a.x - b.x);
  const double dy = static_cast<double>(a.y - b.y);
  return std::sqrt(dx * dx + dy * dy);
}

// Fills `costs` (resized to cases x agents) with Euclidean distances.
inline void BuildCostMatrix(const Points& points, dispatch::CostMatrix& costs) {
  costs = dispatch::CostMatrix(points.cases.size(), points.agents.size());
  for (std::size_t i = 0; i < points.cases.size(); ++i) {
    const std::span<double> row = costs.MutableRow(i);
    const Point c = points.cases[i];
    for (std::size_t j = 0; j < points.agents.size(); ++j) row[j] = Distance(c, points.agents[j]);
  }
}

inline void WritePoints(const std::string& path, const Points& points, const std::string& comment) {
  std::ofstream out(path);
  out << "# " << comment << "\n";
  out << "cases " << points.cases.size() << "\n";
  for (const Point& p : points.cases) out << p.x << ' ' << p.y << "\n";
  out << "agents " << points.agents.size() << "\n";
  for (const Point& p : points.agents) out << p.x << ' ' << p.y << "\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline Points ReadPoints(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  Points points;
  std::string line;
  std::vector<Point>* target = nullptr;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string head;
    fields >> head;
    if (head == "cases" || head == "agents") {
      target = head == "cases" ? &points.cases : &points.agents;
      std::size_t count = 0;
      fields >> count;
      target->reserve(count);
      continue;
    }
    if (target == nullptr) throw std::runtime_error("bad points file " + path);
    Point p;
    p.x = std::stoll(head);
    fields >> p.y;
    target->push_back(p);
  }
  return points;
}

inline void PutU64(std::ofstream& out, std::uint64_t value) {
  unsigned char bytes[8];
  for (int k = 0; k < 8; ++k) bytes[k] = static_cast<unsigned char>(value >> (8 * k));
  out.write(reinterpret_cast<const char*>(bytes), 8);
}

inline std::uint64_t GetU64(std::ifstream& in) {
  unsigned char bytes[8] = {};
  in.read(reinterpret_cast<char*>(bytes), 8);
  std::uint64_t value = 0;
  for (int k = 0; k < 8; ++k) value |= static_cast<std::uint64_t>(bytes[k]) << (8 * k);
  return value;
}

static_assert(sizeof(double) == 8, "float64 expected");

// The float64 payload is written and read in host order; the benchmark assumes a little-endian
// host (x86-64, AArch64), as NumPy's "<f8" reader does.
inline void WriteCosts(const std::string& path, const dispatch::CostMatrix& costs) {
  std::ofstream out(path, std::ios::binary);
  out.write(kCostMagic, sizeof kCostMagic);
  PutU64(out, costs.Rows());
  PutU64(out, costs.Cols());
  out.write(reinterpret_cast<const char*>(costs.Data()),
            static_cast<std::streamsize>(costs.Rows() * costs.Cols() * sizeof(double)));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline dispatch::CostMatrix ReadCosts(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  if (!in || std::memcmp(magic, kCostMagic, sizeof magic) != 0) {
    throw std::runtime_error("not a DBCOST01 file: " + path);
  }
  const std::uint64_t rows = GetU64(in);
  const std::uint64_t cols = GetU64(in);
  std::vector<double> values(rows * cols);
  in.read(reinterpret_cast<char*>(values.data()),
          static_cast<std::streamsize>(values.size() * sizeof(double)));
  if (!in) throw std::runtime_error("truncated cost file " + path);
  return dispatch::CostMatrix::FromRowMajor(rows, cols, std::move(values));
}

}  // namespace daiban::bench
