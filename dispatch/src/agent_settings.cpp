#include "daiban/dispatch/agent_settings.hpp"

namespace daiban::dispatch {

std::variant<AgentSettings, SettingsRefused> SettleAgentSettings(
    const AgentSettingsRequest& request) {
  AgentSettings settings;
  settings.user_id = request.user_id;
  if (request.capacity) {
    if (*request.capacity < kMinAgentCapacity || *request.capacity > kMaxAgentCapacity) {
      return SettingsRefused{"capacity", "capacity must be 1..100"};
    }
    settings.capacity = static_cast<int>(*request.capacity);
  }
  settings.on_duty = request.on_duty.value_or(false);
  if (!request.hours.empty() && request.hours.size() != settings.hours.size()) {
    return SettingsRefused{"hours", "hours lists 7 days, Monday first (\"09:00-17:00\" or \"\")"};
  }
  for (std::size_t day = 0; day < request.hours.size(); ++day) {
    settings.hours[day] = request.hours[day];
  }
  if (request.hours.empty()) {
    // Office hours: the working days of the week, Monday to Friday.
    for (std::size_t day = 0; day < 5; ++day) settings.hours[day] = "09:00-17:00";
  }
  if (request.regions.empty()) return SettingsRefused{"regions", "an agent covers a region"};
  settings.regions = request.regions;
  settings.departments = request.departments;
  return settings;
}

}  // namespace daiban::dispatch
