#include "daiban/dispatch/testing/in_memory_live_state.hpp"

#include <algorithm>
#include <chrono>

#include "daiban/dispatch/live/dispatch_keys.hpp"
#include "daiban/dispatch/live/live_state.hpp"
#include "daiban/kernel/clock.hpp"

namespace daiban::dispatch::testing {

std::int64_t InMemoryLiveState::NowEpoch() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
}

bool InMemoryLiveState::Enqueue(const PendingEntry& entry) {
  ValidateLive(entry);
  std::lock_guard lock(mutex_);
  auto& queue = queues_[entry.region_code];
  bool queued = false;
  for (auto it = queue.begin(); it != queue.end(); ++it) {
    if (it->second == entry.tracking_number) {
      queue.erase(it);
      queued = true;
      break;
    }
  }
  queue.insert({entry.score, entry.tracking_number});
  return !queued;
}

bool InMemoryLiveState::Dequeue(std::string_view region, std::string_view tracking_number) {
  std::lock_guard lock(mutex_);
  auto queue = queues_.find(region);
  if (queue == queues_.end()) return false;
  for (auto it = queue->second.begin(); it != queue->second.end(); ++it) {
    if (it->second == tracking_number) {
      queue->second.erase(it);
      if (queue->second.empty()) queues_.erase(queue);
      return true;
    }
  }
  return false;
}

std::vector<PendingEntry> InMemoryLiveState::Pending(std::string_view region, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<PendingEntry> pending;
  auto queue = queues_.find(region);
  if (queue == queues_.end()) return pending;
  for (const auto& [score, tracking] : queue->second) {
    if (static_cast<int>(pending.size()) >= limit) break;
    pending.push_back({tracking, std::string(region), score});
  }
  return pending;
}

std::vector<std::string> InMemoryLiveState::RegionsWithPending() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> regions;
  for (const auto& [region, queue] : queues_) {
    if (!queue.empty()) regions.push_back(region);
  }
  return regions;
}

std::size_t InMemoryLiveState::PendingCount(std::string_view region) {
  std::lock_guard lock(mutex_);
  auto queue = queues_.find(region);
  return queue == queues_.end() ? 0 : queue->second.size();
}

void InMemoryLiveState::PutAgent(const AgentLive& agent) {
  ValidateLive(agent);
  std::lock_guard lock(mutex_);
  AgentLive stored = agent;
  stored.updated_at = NowEpoch();
  agents_[agent.id] = stored;
}

std::optional<AgentLive> InMemoryLiveState::Agent(std::int64_t agent_id) {
  std::lock_guard lock(mutex_);
  auto found = agents_.find(agent_id);
  if (found == agents_.end()) return std::nullopt;
  return found->second;
}

std::vector<std::int64_t> InMemoryLiveState::AvailableAgents(std::string_view region) {
  std::lock_guard lock(mutex_);
  std::vector<std::int64_t> available;
  for (const auto& [id, agent] : agents_) {
    if (agent.on_duty && std::find(agent.covered_regions.begin(), agent.covered_regions.end(),
                                   region) != agent.covered_regions.end()) {
      available.push_back(id);
    }
  }
  return available;  // the map keeps them sorted
}

bool InMemoryLiveState::SetLoad(std::int64_t agent_id, int load) {
  std::lock_guard lock(mutex_);
  auto found = agents_.find(agent_id);
  if (found == agents_.end()) return false;
  found->second.load = load;
  return true;
}

std::optional<int> InMemoryLiveState::AdjustLoad(std::int64_t agent_id, int delta) {
  std::lock_guard lock(mutex_);
  auto found = agents_.find(agent_id);
  if (found == agents_.end()) return std::nullopt;
  found->second.load = std::max(0, found->second.load + delta);
  return found->second.load;
}

bool InMemoryLiveState::SetPosition(std::int64_t agent_id, double lat, double lng) {
  AgentLive position;
  position.lat = lat;
  position.lng = lng;
  ValidateLive(position);
  std::lock_guard lock(mutex_);
  auto found = agents_.find(agent_id);
  if (found == agents_.end()) return false;
  found->second.lat = lat;
  found->second.lng = lng;
  return true;
}

void InMemoryLiveState::PutOffer(const OfferLive& offer) {
  ValidateLive(offer);
  std::lock_guard lock(mutex_);
  offers_[offer.offer_id] = offer;
}

bool InMemoryLiveState::RemoveOffer(std::int64_t offer_id) {
  std::lock_guard lock(mutex_);
  return offers_.erase(offer_id) > 0;
}

std::vector<std::int64_t> InMemoryLiveState::DueOffers(std::int64_t now_epoch, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::int64_t, std::int64_t>> due;  // (expiry, id)
  for (const auto& [id, offer] : offers_) {
    if (offer.expires_at <= now_epoch) due.emplace_back(offer.expires_at, id);
  }
  std::sort(due.begin(), due.end());
  std::vector<std::int64_t> ids;
  for (const auto& [expiry, id] : due) {
    if (static_cast<int>(ids.size()) >= limit) break;
    ids.push_back(id);
  }
  return ids;
}

std::optional<OfferLive> InMemoryLiveState::Offer(std::int64_t offer_id) {
  std::lock_guard lock(mutex_);
  auto found = offers_.find(offer_id);
  // Redis lets the offer's hash lapse a grace period after its expiry.
  if (found == offers_.end() || found->second.expires_at + kOfferGraceSeconds <= NowEpoch()) {
    return std::nullopt;
  }
  return found->second;
}

void InMemoryLiveState::Rebuild(const Snapshot& snapshot) {
  for (const auto& entry : snapshot.pending) ValidateLive(entry);
  for (const auto& agent : snapshot.agents) ValidateLive(agent);
  for (const auto& offer : snapshot.offers) ValidateLive(offer);
  Lose();
  for (const auto& entry : snapshot.pending) Enqueue(entry);
  for (const auto& agent : snapshot.agents) PutAgent(agent);
  for (const auto& offer : snapshot.offers) PutOffer(offer);
  std::lock_guard lock(mutex_);
  built_ = true;
}

bool InMemoryLiveState::IsBuilt() {
  std::lock_guard lock(mutex_);
  return built_;
}

void InMemoryLiveState::MarkStale() {
  std::lock_guard lock(mutex_);
  built_ = false;
}

void InMemoryLiveState::Lose() {
  std::lock_guard lock(mutex_);
  queues_.clear();
  agents_.clear();
  offers_.clear();
  built_ = false;
}

}  // namespace daiban::dispatch::testing
