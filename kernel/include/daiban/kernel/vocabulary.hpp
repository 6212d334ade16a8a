#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

// The platform's shared vocabulary: the words every context uses for time (and, below, places
// and people),
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

// --- People ------------------------------------------------------------------------------------

// Who acts on a case. kSystem is the software itself (offer expiry, the courier app's automatic
// events, the applicant supplying a material through the API). Staff accounts hold one of the
// staff roles (IsStaff); applicants and the system have no account.
enum class Role { kApplicant, kWindow, kSupervisor, kAdmin, kAgent, kCourier, kSystem };

// Every Role, in declaration order.
inline constexpr std::array<Role, 7> kAllRoles = {
    Role::kApplicant, Role::kWindow,  Role::kSupervisor, Role::kAdmin,
    Role::kAgent,     Role::kCourier, Role::kSystem,
};

// "applicant", "window", "supervisor", "admin", "agent", "courier", "system".
std::string ToWord(Role role);

// The role named by exactly one of ToWord's words (case-sensitive); std::nullopt otherwise.
std::optional<Role> ParseRole(std::string_view word);

// A role a staff account may hold: window, supervisor, admin, agent, courier.
bool IsStaff(Role role);

// ParseRole, for staff roles only (an account's role as stored or typed); std::nullopt otherwise.
std::optional<Role> ParseStaffRole(std::string_view word);

}  // namespace daiban::kernel
