#include "daiban/dispatch/agent_model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace daiban::dispatch {
namespace {

constexpr double kEarthRadiusKm = 6371.0088;
// China Standard Time is UTC+08:00 all year; the same constant as daiban::cases::kChinaUtcOffset,
// repeated so that the dispatch library depends on nothing.
constexpr std::chrono::seconds kChinaUtcOffset = std::chrono::hours{8};

double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

}  // namespace

std::optional<Shift> ParseShift(std::string_view text) {
  const std::string shift(text);
  int h1 = 0, m1 = 0, h2 = 0, m2 = 0;
  if (std::sscanf(shift.c_str(), "%d:%d-%d:%d", &h1, &m1, &h2, &m2) != 4) return std::nullopt;
  return Shift{std::chrono::minutes(h1 * 60 + m1), std::chrono::minutes(h2 * 60 + m2)};
}

double DistanceKm(GeoPoint from, GeoPoint to) {
  const double d_lat = Radians(to.lat - from.lat);
  const double d_lng = Radians(to.lng - from.lng);
  const double s_lat = std::sin(d_lat / 2.0);
  const double s_lng = std::sin(d_lng / 2.0);
  double h =
      s_lat * s_lat + std::cos(Radians(from.lat)) * std::cos(Radians(to.lat)) * s_lng * s_lng;
  h = std::clamp(h, 0.0, 1.0);  // rounding may push h a hair outside [0, 1]
  return 2.0 * kEarthRadiusKm * std::asin(std::sqrt(h));
}

bool WorkingHours::Covers(std::chrono::sys_seconds moment) const {
  const std::chrono::sys_seconds local = moment + kChinaUtcOffset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::seconds since_midnight = local - day;
  const unsigned weekday = std::chrono::weekday{day}.iso_encoding() - 1;  // Monday = 0
  const std::optional<Shift>& shift = by_weekday[weekday];
  return shift.has_value() && since_midnight >= shift->start && since_midnight < shift->end;
}

}  // namespace daiban::dispatch
