#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "daiban/dispatch/live_state.hpp"

namespace daiban::kernel {
class Clock;
}

// The live state in memory, for unit tests of the dispatch use cases (no Redis). Keeps the
// contract of LiveState as RedisLiveState does: the same validation before any write, queues
// ordered by score then tracking number, an offer readable until kOfferGraceSeconds past its
// expiry (by the clock), an agent record stamped with the clock's now.
namespace daiban::dispatch::testing {

class InMemoryLiveState final : public LiveState {
 public:
  explicit InMemoryLiveState(const kernel::Clock& clock) : clock_(clock) {}

  bool Enqueue(const PendingEntry& entry) override;
  bool Dequeue(std::string_view region, std::string_view tracking_number) override;
  std::vector<PendingEntry> Pending(std::string_view region, int limit) override;
  std::vector<std::string> RegionsWithPending() override;
  std::size_t PendingCount(std::string_view region) override;

  void PutAgent(const AgentLive& agent) override;
  std::optional<AgentLive> Agent(std::int64_t agent_id) override;
  std::vector<std::int64_t> AvailableAgents(std::string_view region) override;
  bool SetLoad(std::int64_t agent_id, int load) override;
  std::optional<int> AdjustLoad(std::int64_t agent_id, int delta) override;
  bool SetPosition(std::int64_t agent_id, double lat, double lng) override;

  void PutOffer(const OfferLive& offer) override;
  bool RemoveOffer(std::int64_t offer_id) override;
  std::vector<std::int64_t> DueOffers(std::int64_t now_epoch, int limit) override;
  std::optional<OfferLive> Offer(std::int64_t offer_id) override;

  void Rebuild(const Snapshot& snapshot) override;
  bool IsBuilt() override;
  void MarkStale() override;

  // What a Redis restart does: everything is gone, the state unbuilt.
  void Lose();

 private:
  std::int64_t NowEpoch() const;

  const kernel::Clock& clock_;
  std::mutex mutex_;
  // region -> (score, tracking number): the order Redis reads a ZSET in.
  std::map<std::string, std::set<std::pair<double, std::string>>, std::less<>> queues_;
  std::map<std::int64_t, AgentLive> agents_;
  std::map<std::int64_t, OfferLive> offers_;
  bool built_ = false;
};

}  // namespace daiban::dispatch::testing
