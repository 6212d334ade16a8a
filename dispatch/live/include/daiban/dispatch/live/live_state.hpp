#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/dispatch/live_state.hpp"

// Dispatch's live state (the LiveState interface, live_state.hpp of the domain library) in
// Redis (DESIGN.md §2). Key layout: dispatch_keys.hpp; scripts: live_scripts.hpp.

namespace daiban::db {
class RedisPool;
}
namespace daiban::kernel {
class Clock;
}

namespace daiban::dispatch {

// The checks every LiveState makes before it writes anything: std::invalid_argument for a region
// code IsValidRegionCode rejects, an empty tracking number, a score that is not finite, a
// position GEOADD would refuse or half a position.
void ValidateLive(const PendingEntry& entry);
void ValidateLive(const AgentLive& agent);
void ValidateLive(const OfferLive& offer);

// Thread-safe as far as the pool is: every method is one or a few independent commands.
// Failures (Redis down, an error reply) throw kernel::DependencyUnavailable("redis"). An offer's
// hash lives until kOfferGraceSeconds after its expiry.
class RedisLiveState final : public LiveState {
 public:
  // The clock stamps updated_at and turns offer expiries into TTLs; both must outlive this.
  RedisLiveState(db::RedisPool& redis, const kernel::Clock& clock);

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
  void RecordOffer(const OfferLive& offer) override;
  std::vector<std::int64_t> DueOffers(std::int64_t now_epoch, int limit) override;
  std::optional<OfferLive> Offer(std::int64_t offer_id) override;

  // Validates the snapshot, deletes every dispatch:* key (SCAN and UNLINK in batches, never
  // KEYS, so Redis is not blocked), writes the snapshot. The built mark goes first and comes
  // back last. Not atomic against concurrent writers: a change written to Redis while it runs
  // may be lost, so read the snapshot from PostgreSQL just before and run it where the dispatch
  // workers run (under their advisory lock) or before they start.
  void Rebuild(const Snapshot& snapshot) override;
  bool IsBuilt() override;
  void MarkStale() override;

 private:
  std::int64_t NowEpoch() const;
  void DeleteAllDispatchKeys();

  db::RedisPool& redis_;
  const kernel::Clock& clock_;
};

}  // namespace daiban::dispatch
