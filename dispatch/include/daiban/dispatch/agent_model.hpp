#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/kernel/vocabulary.hpp"

// The dispatch library's picture of agents (代办员) and of the accepted cases waiting for one.
// Plain data filled by the service from PostgreSQL and Redis; the policies in this library read it
// and never change it. Every moment is a UTC std::chrono::sys_seconds; local time means China
// Standard Time (UTC+08:00 all year, so a fixed offset is exact).

namespace daiban::dispatch {

// Positions and distances are the platform's (WGS-84 degrees, great-circle kilometres).
using kernel::DistanceKm;
using kernel::GeoPoint;

// One working period of a day in local China time, as minutes since local midnight: it covers the
// moments t with start <= t < end. A shift with end <= start covers nothing (there are no
// overnight shifts for 代办员; split one into two days' shifts if ever needed).
struct Shift {
  std::chrono::minutes start{0};
  std::chrono::minutes end{0};
};

// A shift as an agent's settings write it (AgentSettings::hours): "HH:MM-HH:MM"; std::nullopt
// for anything else, which is a day off.
std::optional<Shift> ParseShift(std::string_view text);

// An agent's weekly working hours. Promises nothing about holidays: whether the agent is at work
// today is `AgentProfile::on_duty`; these hours only say when in a week it accepts work.
struct WorkingHours {
  // Monday = 0 ... Sunday = 6; std::nullopt is a day off. Default: Monday-Friday 09:00-17:00,
  // the office time of DESIGN.md §1.
  std::array<std::optional<Shift>, 7> by_weekday{
      Shift{std::chrono::minutes{9 * 60}, std::chrono::minutes{17 * 60}},
      Shift{std::chrono::minutes{9 * 60}, std::chrono::minutes{17 * 60}},
      Shift{std::chrono::minutes{9 * 60}, std::chrono::minutes{17 * 60}},
      Shift{std::chrono::minutes{9 * 60}, std::chrono::minutes{17 * 60}},
      Shift{std::chrono::minutes{9 * 60}, std::chrono::minutes{17 * 60}},
      std::nullopt,
      std::nullopt};

  // True when `moment`, read on a clock in China, falls inside that weekday's shift (seconds
  // count: 16:59:59 is inside a shift ending at 17:00, 17:00:00 is not).
  bool Covers(std::chrono::sys_seconds moment) const;
};

// An agent as the dispatcher sees it at one moment.
struct AgentProfile {
  std::int64_t id = 0;
  std::string name;
  // Already expanded: every region code the agent covers, streets included. Matched exactly
  // against PendingCase::region_code.
  std::vector<std::string> covered_regions;
  // Skills: the departments whose items it handles.
  std::vector<std::string> departments;
  // Most open cases it may hold; `load` is how many it holds now.
  int capacity = 5;
  int load = 0;
  // Signed in and at work today (the service keeps it in Redis).
  bool on_duty = false;
  WorkingHours hours;
  // Last known position; std::nullopt when the phone has not reported one.
  std::optional<GeoPoint> position;
  // 领办 appointments already taken.
  std::vector<std::chrono::sys_seconds> appointments;
};

// An accepted case waiting for an agent.
struct PendingCase {
  std::string tracking_number;
  std::string region_code;
  // The item's department, or every step's department of a bundle, the lead first.
  std::vector<std::string> departments;
  bool is_bundle = false;
  // "proxy" (代办), "assisted" (帮办) or "led" (领办).
  std::string mode;
  // For 领办: when the agent meets the applicant.
  std::optional<std::chrono::sys_seconds> appointment_at;
  // The (lead) department's service hall.
  std::optional<GeoPoint> hall;
  std::optional<GeoPoint> applicant;
  std::chrono::sys_seconds deadline{};
  // Higher is more important; only breaks ties between equal deadlines.
  int priority = 0;
  // Agents that declined the case or let an offer of it expire.
  std::vector<std::int64_t> excluded_agents;
  // The case's row id: with the deadline and priority, where a page of waiting cases ends.
  std::int64_t case_id = 0;
};

// The mode words of PendingCase::mode.
inline constexpr char kModeProxy[] = "proxy";
inline constexpr char kModeAssisted[] = "assisted";
inline constexpr char kModeLed[] = "led";

}  // namespace daiban::dispatch
