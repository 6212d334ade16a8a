#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

// What an administrator sets on an agent (代办员), and the rules those settings keep.
namespace daiban::dispatch {

// An agent's settings as stored (an account with role agent must exist).
struct AgentSettings {
  std::int64_t user_id = 0;
  int capacity = 5;
  bool on_duty = false;
  std::array<std::string, 7> hours{};  // Monday first: "HH:MM-HH:MM" or empty (off)
  std::vector<std::string> regions;
  std::vector<std::string> departments;
};

// Settings as an administrator asks for them: what was left out is nullopt or empty.
struct AgentSettingsRequest {
  std::int64_t user_id = 0;
  std::optional<std::int64_t> capacity;  // default 5
  std::optional<bool> on_duty;           // default off duty
  std::vector<std::string> hours;        // none, or 7 days Monday first ("" = a day off)
  std::vector<std::string> regions;
  std::vector<std::string> departments;
};

// Why settings were refused: the field at fault and a message for people.
struct SettingsRefused {
  std::string field;
  std::string message;
};

inline constexpr int kMinAgentCapacity = 1;
inline constexpr int kMaxAgentCapacity = 100;

// The settings to store, or why not. The rules: a capacity is 1..100 open cases; hours list
// the 7 days of a week, Monday first, and none given means office hours (Monday to Friday
// 09:00-17:00, DESIGN.md §1); an agent covers at least one region. Pure.
std::variant<AgentSettings, SettingsRefused> SettleAgentSettings(
    const AgentSettingsRequest& request);

}  // namespace daiban::dispatch
