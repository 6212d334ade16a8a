#pragma once

#include <chrono>

// The platform's shared vocabulary: the words every context uses for time (and, below, places),
// declared once here so no context keeps its own copy that could drift.
namespace daiban::kernel {

// --- Time --------------------------------------------------------------------------------------

// What a clock reads: the system clock's full precision. Only the edges see it (the clocks,
// log lines, token and notification expiry), where sub-second order matters.
using Instant = std::chrono::system_clock::time_point;

// A business time: a UTC moment to the second. Cases, deadlines, offers, deliveries and
// statistics are all kept in seconds, because PostgreSQL rows, the JSON the services answer
// and the commitments made to applicants carry no finer time, and one precision everywhere
// means a moment read back from storage compares equal to the one written.
using Moment = std::chrono::sys_seconds;

// The one conversion from a clock reading to a business time: the second it falls in.
inline Moment ToMoment(Instant at) { return std::chrono::floor<std::chrono::seconds>(at); }

// --- Places ------------------------------------------------------------------------------------

// A position in WGS-84 degrees, as the phones' GPS reports it (GCJ-02 exists only at a map's
// edge). Whether a pair is a valid position is the input parser's question (input.hpp).
struct GeoPoint {
  double lat = 0.0;
  double lng = 0.0;
};

// Great-circle distance in kilometres (haversine on a sphere of radius 6371.0088 km, the mean
// Earth radius). Symmetric, zero for equal points, finite for finite inputs; within a city its
// error against the ellipsoid (< 0.5 %) is far below what road distance adds anyway.
double DistanceKm(GeoPoint from, GeoPoint to);

}  // namespace daiban::kernel
