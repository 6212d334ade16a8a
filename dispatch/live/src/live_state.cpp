#include "daiban/dispatch/live/live_state.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "daiban/db/redis_pool.hpp"
#include "daiban/dispatch/live/dispatch_keys.hpp"
#include "daiban/dispatch/live/live_scripts.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::dispatch {

namespace {

using db::RedisValue;
using kernel::DependencyUnavailable;

// Arguments per command when writing or deleting in bulk: big enough to need few round trips,
// small enough that no single command holds Redis for long.
constexpr std::size_t kBatch = 500;

// GEOADD's limits (Web Mercator): it refuses anything outside them.
constexpr double kMaxGeoLatitude = 85.05112878;

RedisValue Run(db::RedisPool& redis, const std::vector<std::string>& argv, bool idempotent = true) {
  RedisValue reply = redis.Command(argv, idempotent);
  // An error reply here is never the caller's input (validated before): a Redis that is
  // loading, read-only after a failover, out of memory, or holding a key of the wrong type.
  if (reply.kind == RedisValue::Kind::kError) {
    throw DependencyUnavailable("redis", argv.front() + ": " + reply.text);
  }
  return reply;
}

RedisValue Eval(db::RedisPool& redis, std::string_view script, std::vector<std::string> keys,
                const std::vector<std::string>& args, bool idempotent = true) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back("EVAL");
  argv.emplace_back(script);
  argv.push_back(std::to_string(keys.size()));
  for (auto& key : keys) argv.push_back(std::move(key));
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(redis, argv, idempotent);
}

[[noreturn]] void Malformed(const std::string& what) {
  throw DependencyUnavailable("redis", "malformed dispatch live state: " + what);
}

// Shortest text that reads back as the same double, so scores and coordinates round-trip.
std::string FormatDouble(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) throw std::invalid_argument("unformattable number");
  return std::string(buffer, end);
}

template <typename Number>
Number Parse(const std::string& text, const char* what) {
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) Malformed(what);
  return value;
}

const std::vector<RedisValue>& Elements(const RedisValue& reply, const char* what) {
  if (reply.kind != RedisValue::Kind::kArray) Malformed(what);
  return reply.elements;
}

// HGETALL's flat field, value, field, value… reply as a map.
std::map<std::string, std::string> FieldMap(const RedisValue& reply) {
  const auto& elements = Elements(reply, "hash");
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    fields[elements[i].text] = elements[i + 1].text;
  }
  return fields;
}

const std::string& Field(const std::map<std::string, std::string>& fields,
                         const std::string& name) {
  auto it = fields.find(name);
  if (it == fields.end()) Malformed("missing field " + name);
  return it->second;
}

std::vector<std::string> SplitRegions(const std::string& csv) {
  std::vector<std::string> regions;
  std::size_t start = 0;
  while (start <= csv.size()) {
    std::size_t comma = csv.find(',', start);
    if (comma == std::string::npos) comma = csv.size();
    if (comma > start) regions.push_back(csv.substr(start, comma - start));
    start = comma + 1;
  }
  return regions;
}

std::string JoinRegions(const std::vector<std::string>& regions) {
  std::string csv;
  for (const auto& region : regions) {
    if (!csv.empty()) csv += ',';
    csv += region;
  }
  return csv;
}

void RequireRegion(std::string_view region) {
  if (!IsValidRegionCode(region)) {
    throw std::invalid_argument("invalid region code for a Redis key: '" + std::string(region) +
                                "'");
  }
}

void RequirePosition(double lat, double lng) {
  if (!std::isfinite(lat) || !std::isfinite(lng) || std::abs(lat) > kMaxGeoLatitude ||
      std::abs(lng) > 180.0) {
    throw std::invalid_argument("position out of range");
  }
}

}  // namespace

void ValidateLive(const PendingEntry& entry) {
  RequireRegion(entry.region_code);
  if (entry.tracking_number.empty()) throw std::invalid_argument("empty tracking number");
  if (!std::isfinite(entry.score)) throw std::invalid_argument("score is not finite");
}

void ValidateLive(const AgentLive& agent) {
  for (const auto& region : agent.covered_regions) RequireRegion(region);
  if (agent.lat.has_value() != agent.lng.has_value()) {
    throw std::invalid_argument("an agent position needs both lat and lng");
  }
  if (agent.lat) RequirePosition(*agent.lat, *agent.lng);
}

void ValidateLive(const OfferLive& offer) {
  RequireRegion(offer.region_code);
  if (offer.tracking_number.empty()) throw std::invalid_argument("empty tracking number");
}

namespace {

std::vector<std::string> Strings(const RedisValue& reply, const char* what) {
  std::vector<std::string> out;
  for (const auto& element : Elements(reply, what)) out.push_back(element.text);
  return out;
}

std::vector<std::int64_t> Ids(const RedisValue& reply, const char* what) {
  std::vector<std::int64_t> ids;
  for (const auto& element : Elements(reply, what)) {
    ids.push_back(Parse<std::int64_t>(element.text, what));
  }
  return ids;
}

}  // namespace

RedisLiveState::RedisLiveState(db::RedisPool& redis, const kernel::Clock& clock)
    : redis_(redis), clock_(clock) {}

std::int64_t RedisLiveState::NowEpoch() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
}

// --- Pending queues -----------------------------------------------------------------------

bool RedisLiveState::Enqueue(const PendingEntry& entry) {
  ValidateLive(entry);
  auto reply = Eval(redis_, scripts::kEnqueue, {PendingKey(entry.region_code), RegionsKey()},
                    {FormatDouble(entry.score), entry.tracking_number, entry.region_code});
  return reply.integer == 1;
}

bool RedisLiveState::Dequeue(std::string_view region, std::string_view tracking_number) {
  RequireRegion(region);
  auto reply = Eval(redis_, scripts::kDequeue, {PendingKey(region), RegionsKey()},
                    {std::string(tracking_number), std::string(region)});
  return reply.integer == 1;
}

std::vector<PendingEntry> RedisLiveState::Pending(std::string_view region, int limit) {
  RequireRegion(region);
  if (limit <= 0) return {};
  auto reply =
      Run(redis_, {"ZRANGE", PendingKey(region), "0", std::to_string(limit - 1), "WITHSCORES"});
  const auto& elements = Elements(reply, "pending queue");
  std::vector<PendingEntry> entries;
  entries.reserve(elements.size() / 2);
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    entries.push_back(PendingEntry{elements[i].text, std::string(region),
                                   Parse<double>(elements[i + 1].text, "pending score")});
  }
  return entries;
}

std::vector<std::string> RedisLiveState::RegionsWithPending() {
  auto regions = Strings(Run(redis_, {"SMEMBERS", RegionsKey()}), "regions");
  std::sort(regions.begin(), regions.end());
  return regions;
}

std::size_t RedisLiveState::PendingCount(std::string_view region) {
  RequireRegion(region);
  return static_cast<std::size_t>(Run(redis_, {"ZCARD", PendingKey(region)}).integer);
}

// --- Agents -------------------------------------------------------------------------------

void RedisLiveState::PutAgent(const AgentLive& agent) {
  ValidateLive(agent);
  const std::string id = std::to_string(agent.id);
  Eval(redis_, scripts::kPutAgent, {AgentKey(agent.id), PositionsKey()},
       {id, agent.on_duty ? "1" : "0", std::to_string(agent.load), std::to_string(agent.capacity),
        agent.name, JoinRegions(agent.covered_regions), agent.lat ? FormatDouble(*agent.lat) : "",
        agent.lng ? FormatDouble(*agent.lng) : "", std::to_string(NowEpoch()),
        std::string(kRegionKeyOpen), std::string(kAvailableKeyClose)});
}

std::optional<AgentLive> RedisLiveState::Agent(std::int64_t agent_id) {
  auto fields = FieldMap(Run(redis_, {"HGETALL", AgentKey(agent_id)}));
  if (fields.empty()) return std::nullopt;
  AgentLive agent;
  agent.id = agent_id;
  agent.name = Field(fields, "name");
  agent.on_duty = Field(fields, "on_duty") == "1";
  agent.load = Parse<int>(Field(fields, "load"), "agent load");
  agent.capacity = Parse<int>(Field(fields, "capacity"), "agent capacity");
  agent.covered_regions = SplitRegions(Field(fields, "regions"));
  if (fields.count("lat") != 0 && fields.count("lng") != 0) {
    agent.lat = Parse<double>(fields["lat"], "agent lat");
    agent.lng = Parse<double>(fields["lng"], "agent lng");
  }
  agent.updated_at = Parse<std::int64_t>(Field(fields, "updated_at"), "agent updated_at");
  return agent;
}

std::vector<std::int64_t> RedisLiveState::AvailableAgents(std::string_view region) {
  RequireRegion(region);
  auto ids = Ids(Run(redis_, {"SMEMBERS", AvailableKey(region)}), "available agents");
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool RedisLiveState::SetLoad(std::int64_t agent_id, int load) {
  auto reply = Eval(redis_, scripts::kSetLoad, {AgentKey(agent_id)},
                    {std::to_string(load), std::to_string(NowEpoch())});
  return reply.integer == 1;
}

std::optional<int> RedisLiveState::AdjustLoad(std::int64_t agent_id, int delta) {
  // Not idempotent: a retry after a lost reply would count the change twice.
  auto reply = Eval(redis_, scripts::kAdjustLoad, {AgentKey(agent_id)},
                    {std::to_string(delta), std::to_string(NowEpoch())}, false);
  if (reply.IsNil()) return std::nullopt;
  return static_cast<int>(reply.integer);
}

bool RedisLiveState::SetPosition(std::int64_t agent_id, double lat, double lng) {
  RequirePosition(lat, lng);
  auto reply = Eval(
      redis_, scripts::kSetPosition, {AgentKey(agent_id), PositionsKey()},
      {std::to_string(agent_id), FormatDouble(lat), FormatDouble(lng), std::to_string(NowEpoch())});
  return reply.integer == 1;
}

// --- Offers -------------------------------------------------------------------------------

void RedisLiveState::PutOffer(const OfferLive& offer) {
  ValidateLive(offer);
  // A relative TTL, counted from the injected clock's now: Redis applies it by its own clock,
  // so an EXPIREAT computed from a test clock could delete the hash at once.
  const std::int64_t ttl =
      std::max<std::int64_t>(offer.expires_at - NowEpoch(), 0) + kOfferGraceSeconds;
  Eval(redis_, scripts::kPutOffer, {OfferKey(offer.offer_id), OffersKey()},
       {std::to_string(offer.offer_id), offer.tracking_number, offer.region_code,
        std::to_string(offer.agent_id), std::to_string(offer.expires_at), std::to_string(ttl)});
}

void RedisLiveState::RecordOffer(const OfferLive& offer) {
  ValidateLive(offer);
  const std::int64_t now = NowEpoch();
  const std::int64_t ttl = std::max<std::int64_t>(offer.expires_at - now, 0) + kOfferGraceSeconds;
  // Not idempotent (the load): a retry after a lost reply would count the offer twice.
  Eval(redis_, scripts::kRecordOffer,
       {PendingKey(offer.region_code), RegionsKey(), OfferKey(offer.offer_id), OffersKey(),
        AgentKey(offer.agent_id)},
       {offer.tracking_number, offer.region_code, std::to_string(offer.offer_id),
        std::to_string(offer.agent_id), std::to_string(offer.expires_at), std::to_string(ttl),
        std::to_string(now)},
       false);
}

bool RedisLiveState::RemoveOffer(std::int64_t offer_id) {
  auto reply = Eval(redis_, scripts::kRemoveOffer, {OfferKey(offer_id), OffersKey()},
                    {std::to_string(offer_id)});
  return reply.integer == 1;
}

std::vector<std::int64_t> RedisLiveState::DueOffers(std::int64_t now_epoch, int limit) {
  if (limit <= 0) return {};
  return Ids(Run(redis_, {"ZRANGEBYSCORE", OffersKey(), "-inf", std::to_string(now_epoch), "LIMIT",
                          "0", std::to_string(limit)}),
             "due offers");
}

std::optional<OfferLive> RedisLiveState::Offer(std::int64_t offer_id) {
  auto fields = FieldMap(Run(redis_, {"HGETALL", OfferKey(offer_id)}));
  if (fields.empty()) return std::nullopt;
  OfferLive offer;
  offer.offer_id = offer_id;
  offer.tracking_number = Field(fields, "tracking");
  offer.region_code = Field(fields, "region");
  offer.agent_id = Parse<std::int64_t>(Field(fields, "agent_id"), "offer agent_id");
  offer.expires_at = Parse<std::int64_t>(Field(fields, "expires_at"), "offer expires_at");
  return offer;
}

// --- Rebuild ------------------------------------------------------------------------------

void RedisLiveState::DeleteAllDispatchKeys() {
  std::string cursor = "0";
  do {
    auto reply = Run(redis_, {"SCAN", cursor, "MATCH", std::string(kDispatchKeyPattern), "COUNT",
                              std::to_string(kBatch)});
    const auto& parts = Elements(reply, "scan reply");
    if (parts.size() != 2) Malformed("scan reply");
    cursor = parts[0].text;
    std::vector<std::string> unlink{"UNLINK"};
    for (const auto& key : Elements(parts[1], "scan keys")) unlink.push_back(key.text);
    // UNLINK frees the memory in the background, so a large queue does not stall Redis.
    if (unlink.size() > 1) Run(redis_, unlink);
  } while (cursor != "0");
}

void RedisLiveState::Rebuild(const Snapshot& snapshot) {
  // Everything is checked before anything is deleted: a bad snapshot leaves the old state.
  for (const auto& entry : snapshot.pending) ValidateLive(entry);
  for (const auto& agent : snapshot.agents) ValidateLive(agent);
  for (const auto& offer : snapshot.offers) ValidateLive(offer);

  Run(redis_, {"DEL", BuiltKey()});
  DeleteAllDispatchKeys();

  std::map<std::string, std::vector<const PendingEntry*>> by_region;
  for (const auto& entry : snapshot.pending) by_region[entry.region_code].push_back(&entry);
  for (const auto& [region, entries] : by_region) {
    for (std::size_t start = 0; start < entries.size(); start += kBatch) {
      std::vector<std::string> zadd{"ZADD", PendingKey(region)};
      for (std::size_t i = start; i < std::min(entries.size(), start + kBatch); ++i) {
        zadd.push_back(FormatDouble(entries[i]->score));
        zadd.push_back(entries[i]->tracking_number);
      }
      Run(redis_, zadd);
    }
  }
  std::vector<std::string> sadd{"SADD", RegionsKey()};
  for (const auto& entry : by_region) {
    sadd.push_back(entry.first);
    if (sadd.size() == kBatch + 2) {
      Run(redis_, sadd);
      sadd.resize(2);
    }
  }
  if (sadd.size() > 2) Run(redis_, sadd);

  for (const auto& agent : snapshot.agents) PutAgent(agent);
  for (const auto& offer : snapshot.offers) PutOffer(offer);

  Run(redis_, {"SET", BuiltKey(), std::to_string(NowEpoch())});
}

bool RedisLiveState::IsBuilt() { return Run(redis_, {"EXISTS", BuiltKey()}).integer == 1; }

void RedisLiveState::MarkStale() { Run(redis_, {"DEL", BuiltKey()}); }

}  // namespace daiban::dispatch
