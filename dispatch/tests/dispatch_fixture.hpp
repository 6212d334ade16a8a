#pragma once

// Time and geometry the dispatch unit tests share.

#include <chrono>

#include "daiban/dispatch/agent_model.hpp"

namespace daiban::dispatch::test {

// Kilometres per degree of latitude on the sphere DistanceKm uses (2 * pi * 6371.0088 / 360).
inline constexpr double kKmPerDegree = 111.1950802335329;

// Monday 2026-03-02, 10:00 in China.
inline const std::chrono::sys_seconds kNow =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + std::chrono::hours{2};

// Central Jinan.
inline const GeoPoint kBase{36.65, 117.12};

// The point `km` due north of `from` (DistanceKm gives back `km` up to rounding).
inline GeoPoint North(GeoPoint from, double km) { return {from.lat + km / kKmPerDegree, from.lng}; }

}  // namespace daiban::dispatch::test
