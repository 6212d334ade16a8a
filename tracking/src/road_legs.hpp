#pragma once

// How a courier's legs are measured, shared by PlanStops, TimeStops, EstimateArrival and
// ReplanStops so that all of them time the same legs to the same second.

#include <chrono>

#include "daiban/tracking/routing.hpp"

namespace daiban::tracking::road_legs {

// A speed of zero, below zero or NaN would make travel times infinite (and their rounding
// undefined); such input is a caller's bug, so it is timed as a crawl rather than trusted.
inline constexpr double kSlowestKmh = 1.0;

inline double UsableSpeed(double speed_kmh) {
  return speed_kmh >= kSlowestKmh ? speed_kmh : kSlowestKmh;
}

inline double RoadKm(GeoPoint from, GeoPoint to) { return DistanceKm(from, to) * kRoadFactor; }

// Every leg is rounded on its own, so a plan's times are whole seconds.
inline std::chrono::seconds TravelTime(GeoPoint from, GeoPoint to, double speed_kmh) {
  const double hours = RoadKm(from, to) / UsableSpeed(speed_kmh);
  return std::chrono::round<std::chrono::seconds>(std::chrono::duration<double>(hours * 3600.0));
}

}  // namespace daiban::tracking::road_legs
