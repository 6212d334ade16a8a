#include "daiban/kernel/vocabulary.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace daiban::kernel {
namespace {

constexpr double kEarthRadiusKm = 6371.0088;

double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

constexpr std::array<std::string_view, kAllRoles.size()> kRoleWords = {
    "applicant", "window", "supervisor", "admin", "agent", "courier", "system",
};

}  // namespace

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

std::string ToWord(Role role) { return std::string(kRoleWords.at(static_cast<std::size_t>(role))); }

std::optional<Role> ParseRole(std::string_view word) {
  for (std::size_t i = 0; i < kRoleWords.size(); ++i) {
    if (kRoleWords[i] == word) return kAllRoles[i];
  }
  return std::nullopt;
}

bool IsStaff(Role role) { return role != Role::kApplicant && role != Role::kSystem; }

std::optional<Role> ParseStaffRole(std::string_view word) {
  auto role = ParseRole(word);
  if (role && !IsStaff(*role)) return std::nullopt;
  return role;
}

}  // namespace daiban::kernel
