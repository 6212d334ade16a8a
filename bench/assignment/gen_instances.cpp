// Writes the seeded Euclidean benchmark instances (format: instance_io.hpp, bench/README.md).
// Usage: gen_instances OUT_DIR [SEED]

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "instance_io.hpp"

namespace {

using daiban::bench::Point;
using daiban::bench::Points;

constexpr std::int64_t kSideMetres = 40'000;  // A 40 km x 40 km city.

std::vector<Point> RandomPoints(std::mt19937_64& rng, std::size_t count) {
  std::uniform_int_distribution<std::int64_t> coordinate(0, kSideMetres);
  std::vector<Point> points(count);
  for (Point& p : points) {
    p.x = coordinate(rng);
    p.y = coordinate(rng);
  }
  return points;
}

void Write(const std::filesystem::path& dir, const std::string& name, std::size_t cases,
           std::size_t agents, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Points points;
  points.cases = RandomPoints(rng, cases);
  points.agents = RandomPoints(rng, agents);
  daiban::bench::WritePoints((dir / (name + ".points.txt")).string(), points,
                             "daiban assignment bench v1, seed " + std::to_string(seed) +
                                 ", integer metres in a 40 km square");
  daiban::dispatch::CostMatrix costs;
  daiban::bench::BuildCostMatrix(points, costs);
  daiban::bench::WriteCosts((dir / (name + ".costs.bin")).string(), costs);
  std::cout << "wrote " << name << " (" << cases << " cases x " << agents << " agents)\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: gen_instances OUT_DIR [SEED]\n";
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    const std::uint64_t seed = argc == 3 ? std::strtoull(argv[2], nullptr, 10) : 20240611;
    std::filesystem::create_directories(dir);
    Write(dir, "square_1000x1000", 1000, 1000, seed);
    Write(dir, "wide_500x2000", 500, 2000, seed + 1);
  } catch (const std::exception& e) {
    std::cerr << "gen_instances: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
