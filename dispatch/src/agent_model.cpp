#include "daiban/dispatch/agent_model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace daiban::dispatch {
namespace {

// China Standard Time is UTC+08:00 all year; the same constant as daiban::cases::kChinaUtcOffset,
// repeated so that the dispatch library depends on nothing.
constexpr std::chrono::seconds kChinaUtcOffset = std::chrono::hours{8};

}  // namespace

std::optional<Shift> ParseShift(std::string_view text) {
  const std::string shift(text);
  int h1 = 0, m1 = 0, h2 = 0, m2 = 0;
  if (std::sscanf(shift.c_str(), "%d:%d-%d:%d", &h1, &m1, &h2, &m2) != 4) return std::nullopt;
  return Shift{std::chrono::minutes(h1 * 60 + m1), std::chrono::minutes(h2 * 60 + m2)};
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
