#include "daiban/tracking/testing/in_memory_location_store.hpp"

#include <algorithm>

namespace daiban::tracking::testing {

LocationStore::IngestResult InMemoryLocationStore::Ingest(std::int64_t user_id,
                                                          const std::vector<Fix>& fixes,
                                                          std::chrono::sys_seconds received_at) {
  IngestResult result;
  if (fixes.empty()) return result;
  std::vector<bool> far_outside;
  for (const auto& fix : fixes)
    far_outside.push_back(far_outside_ && far_outside_(fix.lat, fix.lng));
  std::lock_guard lock(mutex_);
  const auto latest = latest_.find(user_id);
  const auto flags =
      SpeedFlags(latest == latest_.end() ? std::nullopt : std::optional<Fix>(latest->second), fixes,
                 far_outside);
  auto& history = history_[user_id];
  std::vector<Fix> plausible;
  for (std::size_t i = 0; i < fixes.size(); ++i) {
    const Fix& fix = fixes[i];
    if (flags[i].empty()) plausible.push_back(fix);
    const bool known = std::any_of(history.begin(), history.end(), [&](const Stored& s) {
      return s.fix.device_time == fix.device_time && s.fix.lat == fix.lat && s.fix.lng == fix.lng;
    });
    if (known) continue;
    history.push_back({fix, flags[i], received_at});
    ++result.stored;
  }
  const Fix* candidate = LiveCandidate(plausible);
  if (candidate == nullptr) return result;
  // Of two fixes at the same device time the later arrival is the latest; the live position
  // moves only to a newer device time.
  if (latest == latest_.end() || latest->second.device_time <= candidate->device_time) {
    latest_[user_id] = *candidate;
  }
  auto live = live_.find(user_id);
  if (live == live_.end() || live->second.device_time < candidate->device_time) {
    live_[user_id] = *candidate;
    result.live_moved = true;
  }
  return result;
}

std::optional<Fix> InMemoryLocationStore::Latest(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto latest = latest_.find(user_id);
  if (latest == latest_.end()) return std::nullopt;
  return latest->second;
}

std::vector<InMemoryLocationStore::Stored> InMemoryLocationStore::History(
    std::int64_t user_id) const {
  std::lock_guard lock(mutex_);
  auto history = history_.find(user_id);
  return history == history_.end() ? std::vector<Stored>{} : history->second;
}

std::optional<Fix> InMemoryLocationStore::Live(std::int64_t user_id) const {
  std::lock_guard lock(mutex_);
  auto live = live_.find(user_id);
  if (live == live_.end()) return std::nullopt;
  return live->second;
}

}  // namespace daiban::tracking::testing
