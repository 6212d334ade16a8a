#pragma once

// Batches of fixes for the tests of the location store and the location route.
#include <chrono>
#include <optional>
#include <vector>

#include "daiban/tracking/locations.hpp"

namespace daiban::tracking::testing {

// `count` fixes a second apart ending at `newest`, walking north-east from (lat, lng); every
// third fix has no accuracy.
inline std::vector<Fix> Walk(int count, std::chrono::sys_seconds newest, double lat = 36.65,
                             double lng = 117.05) {
  std::vector<Fix> fixes;
  for (int i = 0; i < count; ++i) {
    fixes.push_back(Fix{lat + i * 1e-4, lng + i * 1e-4,
                        i % 3 == 0 ? std::nullopt : std::optional<double>(3.0 + i),
                        newest - std::chrono::seconds(count - 1 - i)});
  }
  return fixes;
}

}  // namespace daiban::tracking::testing
