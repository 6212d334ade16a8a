#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Dispatch's live state in Redis (DESIGN.md §2): per-region pending queues sorted by urgency,
// agent availability, load and position, and pending offers by expiry. PostgreSQL stays the
// truth: every value here is a copy that speeds up the dispatcher's reads, and Rebuild writes
// the whole of it again from a snapshot taken from PostgreSQL. Key layout: dispatch_keys.hpp;
// scripts: live_scripts.hpp.

namespace daiban::db {
class RedisPool;
}
namespace daiban::kernel {
class Clock;
}

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

// Thread-safe as far as the pool is: every method is one or a few independent commands.
// Failures (Redis down, an error reply) throw kernel::DependencyUnavailable("redis"); a region
// code IsValidRegionCode rejects, or coordinates GEOADD would refuse, throw
// std::invalid_argument before anything is written.
class RedisLiveState {
 public:
  // The clock stamps updated_at and turns offer expiries into TTLs; both must outlive this.
  RedisLiveState(db::RedisPool& redis, const kernel::Clock& clock);

  // Pending queues. Enqueue of a queued case only moves it to its new score; returns true when
  // newly queued. Dequeue returns true when the case was queued.
  bool Enqueue(const PendingEntry& entry);
  bool Dequeue(std::string_view region, std::string_view tracking_number);
  // The `limit` most urgent cases of the region, most urgent first (limit <= 0: none).
  std::vector<PendingEntry> Pending(std::string_view region, int limit);
  std::vector<std::string> RegionsWithPending();  // sorted
  std::size_t PendingCount(std::string_view region);

  // Agents. PutAgent replaces the agent's live record: it is available in each covered region
  // while on duty and in none while off duty; regions it no longer covers drop it. Availability
  // says nothing about load: the policies compare load with capacity themselves.
  void PutAgent(const AgentLive& agent);
  std::optional<AgentLive> Agent(std::int64_t agent_id);
  std::vector<std::int64_t> AvailableAgents(std::string_view region);  // sorted
  // These change an agent that is live and return false / nullopt when it is not (Redis lost
  // it: rebuild), rather than leave a partial record behind. AdjustLoad never goes below zero
  // and returns the new load.
  bool SetLoad(std::int64_t agent_id, int load);
  std::optional<int> AdjustLoad(std::int64_t agent_id, int delta);
  bool SetPosition(std::int64_t agent_id, double lat, double lng);

  // Offers. The offer's hash lives until kOfferGraceSeconds after its expiry; its id stays in the
  // due list until RemoveOffer, which returns true when anything was removed.
  void PutOffer(const OfferLive& offer);
  bool RemoveOffer(std::int64_t offer_id);
  // Offers whose expiry is at or before now, earliest first.
  std::vector<std::int64_t> DueOffers(std::int64_t now_epoch, int limit);
  std::optional<OfferLive> Offer(std::int64_t offer_id);

  struct Snapshot {
    std::vector<PendingEntry> pending;
    std::vector<AgentLive> agents;
    std::vector<OfferLive> offers;
  };
  // Replaces all dispatch live state with the snapshot: validates it, deletes every dispatch:*
  // key (SCAN and UNLINK in batches, never KEYS, so Redis is not blocked), writes the snapshot.
  // The built mark goes first and comes back last, so a rebuild cut short leaves Redis marked
  // unbuilt. Not atomic against concurrent writers: a change written to Redis while it runs may
  // be lost, so read the snapshot from PostgreSQL just before and run it where the dispatch
  // workers run (under their advisory lock) or before they start.
  void Rebuild(const Snapshot& snapshot);
  // True once a rebuild has completed and nothing has marked the state stale since; false after
  // a Redis restart or flush, which is how a service knows to rebuild.
  bool IsBuilt();
  void MarkStale();

 private:
  std::int64_t NowEpoch() const;
  void DeleteAllDispatchKeys();

  db::RedisPool& redis_;
  const kernel::Clock& clock_;
};

}  // namespace daiban::dispatch
