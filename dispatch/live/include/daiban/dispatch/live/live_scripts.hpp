#pragma once

#include <string_view>

// Every Lua script of dispatch's live state, in one place (DESIGN.md §3), run with EVAL. A
// script runs atomically, so a region's queue and the regions index, or an agent's hash and its
// available sets, are never seen out of step. Redis does not roll a script back when a command in
// it fails, so the C++ side validates arguments first and each script does the command that can
// fail on input (GEOADD, on coordinates) before any other write. Key formats: dispatch_keys.hpp.

namespace daiban::dispatch::scripts {

// KEYS: pending, regions. ARGV: score, tracking number, region.
// Returns 1 when newly queued, 0 when only its score changed.
inline constexpr std::string_view kEnqueue = R"lua(
local added = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return added
)lua";

// KEYS: pending, regions. ARGV: tracking number, region.
// Returns 1 when the case was queued. The region leaves the index with its last case, so
// RegionsWithPending never lists an empty queue.
inline constexpr std::string_view kDequeue = R"lua(
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[2])
end
return removed
)lua";

// KEYS: agent hash, positions.
// ARGV: agent id, on_duty (1/0), load, capacity, name, regions (comma list), lat, lng (both ''
// when unknown), updated_at, available-key prefix, available-key suffix.
// The agent leaves the available sets of the regions it covered before (read from its hash,
// hence the key halves in ARGV: those keys are not known to the caller without a racy read),
// then joins those of its current regions when on duty.
inline constexpr std::string_view kPutAgent = R"lua(
local function split(csv)
  local out = {}
  for region in string.gmatch(csv or '', '[^,]+') do out[#out + 1] = region end
  return out
end
if ARGV[7] ~= '' then
  redis.call('GEOADD', KEYS[2], ARGV[8], ARGV[7], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
for _, region in ipairs(split(redis.call('HGET', KEYS[1], 'regions'))) do
  redis.call('SREM', ARGV[10] .. region .. ARGV[11], ARGV[1])
end
redis.call('HSET', KEYS[1], 'on_duty', ARGV[2], 'load', ARGV[3], 'capacity', ARGV[4],
           'name', ARGV[5], 'regions', ARGV[6], 'updated_at', ARGV[9])
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'lat', ARGV[7], 'lng', ARGV[8])
else
  redis.call('HDEL', KEYS[1], 'lat', 'lng')
end
if ARGV[2] == '1' then
  for _, region in ipairs(split(ARGV[6])) do
    redis.call('SADD', ARGV[10] .. region .. ARGV[11], ARGV[1])
  end
end
return 1
)lua";

// KEYS: agent hash. ARGV: load, updated_at.
// Returns 0 when the agent is not live: a partial hash would look like an agent off duty with no
// name, so the caller learns that Redis needs a rebuild instead.
inline constexpr std::string_view kSetLoad = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'load', ARGV[1], 'updated_at', ARGV[2])
return 1
)lua";

// KEYS: agent hash. ARGV: delta, updated_at.
// Returns the new load, or nil when the agent is not live. A load never goes below zero: a
// release counted twice (say once before and once after a rebuild) must not make an agent look
// emptier than empty.
inline constexpr std::string_view kAdjustLoad = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local load = redis.call('HINCRBY', KEYS[1], 'load', ARGV[1])
if load < 0 then
  load = 0
  redis.call('HSET', KEYS[1], 'load', 0)
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[2])
return load
)lua";

// KEYS: agent hash, positions. ARGV: agent id, lat, lng, updated_at.
// Returns 0 when the agent is not live (see kSetLoad).
inline constexpr std::string_view kSetPosition = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('GEOADD', KEYS[2], ARGV[3], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], 'lat', ARGV[2], 'lng', ARGV[3], 'updated_at', ARGV[4])
return 1
)lua";

// KEYS: offer hash, offers. ARGV: offer id, tracking number, region, agent id, expires_at,
// hash TTL in seconds.
inline constexpr std::string_view kPutOffer = R"lua(
redis.call('HSET', KEYS[1], 'tracking', ARGV[2], 'region', ARGV[3], 'agent_id', ARGV[4],
           'expires_at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 1
)lua";

// KEYS: pending, regions, offer hash, offers, agent hash. ARGV: tracking number, region, offer
// id, agent id, expires_at, hash TTL in seconds, updated_at.
// An offer just made, in one round trip: kDequeue, kPutOffer and kAdjustLoad (+1) together.
// Returns the agent's new load, or -1 when the agent is not live (the state was lost: the
// offer is still recorded, and a rebuild sets the load from PostgreSQL).
inline constexpr std::string_view kRecordOffer = R"lua(
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[2])
end
redis.call('HSET', KEYS[3], 'tracking', ARGV[1], 'region', ARGV[2], 'agent_id', ARGV[4],
           'expires_at', ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[6])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[3])
if redis.call('EXISTS', KEYS[5]) == 0 then return -1 end
local load = redis.call('HINCRBY', KEYS[5], 'load', 1)
redis.call('HSET', KEYS[5], 'updated_at', ARGV[7])
return load
)lua";

// KEYS: offer hash, offers. ARGV: offer id. Returns 1 when anything was removed.
inline constexpr std::string_view kRemoveOffer = R"lua(
local deleted = redis.call('DEL', KEYS[1])
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
if deleted + removed > 0 then return 1 end
return 0
)lua";

}  // namespace daiban::dispatch::scripts
