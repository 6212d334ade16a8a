#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Dispatch's live state (DESIGN.md §2): per-region pending queues sorted by urgency, agent
// availability, load and position, and pending offers by expiry. PostgreSQL stays the truth:
// every value here is a copy that speeds up the dispatcher's reads, and Rebuild writes the whole
// of it again from a snapshot taken from PostgreSQL. The use cases see only this interface; its
// Redis implementation is RedisLiveState (dispatch/live), its in-memory fake InMemoryLiveState
// (dispatch/testing).

namespace daiban::dispatch {

struct PendingEntry {
  std::string tracking_number;
  std::string region_code;
  double score = 0.0;  // UrgencyScore(deadline, priority)
};

struct AgentLive {
  std::int64_t id = 0;
  std::string name;
  bool on_duty = false;
  int load = 0;
  int capacity = 0;
  std::vector<std::string> covered_regions;
  std::optional<double> lat, lng;  // both or neither
  // Filled by Agent(); PutAgent ignores it and writes the clock's now.
  std::int64_t updated_at = 0;
};

struct OfferLive {
  std::int64_t offer_id = 0;
  std::string tracking_number;
  std::string region_code;
  std::int64_t agent_id = 0;
  std::int64_t expires_at = 0;  // epoch seconds; due from this second on
};

// Every implementation is thread-safe. A region code IsValidRegionCode rejects, or coordinates
// outside latitude ±85.05 / longitude ±180, throw std::invalid_argument before anything is
// written.
class LiveState {
 public:
  virtual ~LiveState() = default;

  // Pending queues. Enqueue of a queued case only moves it to its new score; returns true when
  // newly queued. Dequeue returns true when the case was queued.
  virtual bool Enqueue(const PendingEntry& entry) = 0;
  virtual bool Dequeue(std::string_view region, std::string_view tracking_number) = 0;
  // The `limit` most urgent cases of the region, most urgent first (limit <= 0: none).
  virtual std::vector<PendingEntry> Pending(std::string_view region, int limit) = 0;
  virtual std::vector<std::string> RegionsWithPending() = 0;  // sorted
  virtual std::size_t PendingCount(std::string_view region) = 0;

  // Agents. PutAgent replaces the agent's live record: it is available in each covered region
  // while on duty and in none while off duty; regions it no longer covers drop it. Availability
  // says nothing about load: the policies compare load with capacity themselves.
  virtual void PutAgent(const AgentLive& agent) = 0;
  virtual std::optional<AgentLive> Agent(std::int64_t agent_id) = 0;
  virtual std::vector<std::int64_t> AvailableAgents(std::string_view region) = 0;  // sorted
  // These change an agent that is live and return false / nullopt when it is not (the state was
  // lost: rebuild), rather than leave a partial record behind. AdjustLoad never goes below zero
  // and returns the new load.
  virtual bool SetLoad(std::int64_t agent_id, int load) = 0;
  virtual std::optional<int> AdjustLoad(std::int64_t agent_id, int delta) = 0;
  virtual bool SetPosition(std::int64_t agent_id, double lat, double lng) = 0;

  // Offers. An offer stays readable a grace period past its expiry; its id stays in the due
  // list until RemoveOffer, which returns true when anything was removed.
  virtual void PutOffer(const OfferLive& offer) = 0;
  virtual bool RemoveOffer(std::int64_t offer_id) = 0;
  // An offer just made: its case leaves the region's queue, the offer is recorded and its
  // agent's load grows by one. An implementation may do the three at once (Redis: one script,
  // one round trip per decision); this default does them one after the other.
  virtual void RecordOffer(const OfferLive& offer) {
    Dequeue(offer.region_code, offer.tracking_number);
    PutOffer(offer);
    AdjustLoad(offer.agent_id, 1);
  }
  // Offers whose expiry is at or before now, earliest first.
  virtual std::vector<std::int64_t> DueOffers(std::int64_t now_epoch, int limit) = 0;
  virtual std::optional<OfferLive> Offer(std::int64_t offer_id) = 0;

  struct Snapshot {
    std::vector<PendingEntry> pending;
    std::vector<AgentLive> agents;
    std::vector<OfferLive> offers;
  };
  // Replaces all dispatch live state with the snapshot (validated first). A rebuild cut short
  // leaves the state marked unbuilt.
  virtual void Rebuild(const Snapshot& snapshot) = 0;
  // True once a rebuild has completed and nothing has marked the state stale since; false after
  // the state was lost (a Redis restart or flush), which is how a service knows to rebuild.
  virtual bool IsBuilt() = 0;
  virtual void MarkStale() = 0;
};

}  // namespace daiban::dispatch
