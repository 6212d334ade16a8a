#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// Every Redis key of dispatch's live state, in one place (DESIGN.md §3). Redis holds only what
// can be rebuilt from PostgreSQL (§2): flushing it loses nothing, RedisLiveState::Rebuild
// writes it again.
//
//   dispatch:{<region>}:pending    ZSET  tracking number -> UrgencyScore (lowest = most urgent)
//   dispatch:{<region>}:available  SET   ids of on-duty agents covering the region
//   dispatch:regions               SET   region codes whose pending queue is not empty
//   dispatch:agent:{<id>}          HASH  on_duty (0/1), load, capacity, name, regions (comma
//                                        list), lat, lng (absent when unknown), updated_at
//   dispatch:positions             GEO   user id (agent, or courier) -> last known position
//   dispatch:position_times        HASH  user id -> device time (epoch seconds) of the fix that
//                                        positions holds; absent when unknown. The phones'
//                                        location ingest moves a position only for a newer fix
//   dispatch:offers                ZSET  offer id -> expires_at (epoch seconds)
//   dispatch:offer:{<id>}          HASH  tracking, region, agent_id, expires_at; its TTL runs a
//                                        little past expires_at (kOfferGraceSeconds)
//   dispatch:meta:built            STR   epoch seconds of the last complete rebuild; absent =
//                                        Redis empty, flushed or marked stale: rebuild first
//
// Hash tags: Redis Cluster hashes only the part between the first `{` and `}`, so every key of a
// region (its queue and its available agents) lands on one slot and a dispatcher working one
// region talks to one node. Agents and offers are tagged by their own id: they are looked up by
// id, and an agent covers several regions, so no region tag would fit. The few global index keys
// (regions, positions, position_times, offers, built) are untagged. The Lua scripts that keep a
// region key and a global index in step are atomic on one Redis (standalone or Sentinel, what
// DESIGN.md §2 deploys); under Cluster they would span slots and have to be split.
//
// Region codes go into keys and into the agent's comma list, so they must not contain `{`, `}`
// or `,` (IsValidRegionCode); the administrative codes (370102, 370102001) never do.

namespace daiban::dispatch {

// Every dispatch key starts with this; Rebuild deletes everything matching it.
inline constexpr std::string_view kDispatchKeyPrefix = "dispatch:";
inline constexpr std::string_view kDispatchKeyPattern = "dispatch:*";

// The two halves of a region key around the region code: the PutAgent script builds the
// available-set keys of an agent's previous regions from them, so the format stays here.
inline constexpr std::string_view kRegionKeyOpen = "dispatch:{";
inline constexpr std::string_view kAvailableKeyClose = "}:available";
inline constexpr std::string_view kPendingKeyClose = "}:pending";

inline bool IsValidRegionCode(std::string_view region) {
  return !region.empty() && region.find_first_of("{},") == std::string_view::npos;
}

inline std::string PendingKey(std::string_view region) {
  return std::string(kRegionKeyOpen).append(region).append(kPendingKeyClose);
}
inline std::string AvailableKey(std::string_view region) {
  return std::string(kRegionKeyOpen).append(region).append(kAvailableKeyClose);
}
inline std::string RegionsKey() { return "dispatch:regions"; }
inline std::string AgentKey(std::int64_t agent_id) {
  return "dispatch:agent:{" + std::to_string(agent_id) + "}";
}
inline std::string PositionsKey() { return "dispatch:positions"; }
inline std::string PositionTimesKey() { return "dispatch:position_times"; }
inline std::string OffersKey() { return "dispatch:offers"; }
inline std::string OfferKey(std::int64_t offer_id) {
  return "dispatch:offer:{" + std::to_string(offer_id) + "}";
}
inline std::string BuiltKey() { return "dispatch:meta:built"; }

// How long an offer's hash outlives its expiry (or its writing, for an offer written already
// expired): time for the expiry worker, which may lag a few scans behind, to still read it. The
// ZSET member stays until RemoveOffer, so a lagging worker still finds the offer id.
inline constexpr std::int64_t kOfferGraceSeconds = 300;

}  // namespace daiban::dispatch
