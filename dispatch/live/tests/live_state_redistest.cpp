#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "daiban/db/redis_pool.hpp"
#include "daiban/dispatch/live/dispatch_keys.hpp"
#include "daiban/dispatch/live/live_state.hpp"
#include "daiban/dispatch/urgency.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/errors.hpp"
#include "raw_http.hpp"

// These tests share the test Redis with every other integration test, so each works only on
// regions and ids of its own (random) and cleans up after itself; only the one Rebuild test
// touches all dispatch:* keys, which is safe because integration tests run serially.

namespace daiban::dispatch {
namespace {

using db::RedisValue;

db::RedisOptions TestRedis() {
  db::RedisOptions options;
  options.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
  options.pool_size = 2;
  // A database of its own: the test stack's running dispatch service rebuilds database 0.
  options.database = 3;
  return options;
}

// The part of a key Redis Cluster hashes: between the first '{' and the next '}', when that is
// not empty; otherwise the whole key.
std::string HashTag(const std::string& key) {
  auto open = key.find('{');
  if (open == std::string::npos) return key;
  auto close = key.find('}', open + 1);
  if (close == std::string::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

TEST(DispatchKeysTest, RegionKeysShareTheRegionHashTag) {
  EXPECT_EQ(PendingKey("370102"), "dispatch:{370102}:pending");
  EXPECT_EQ(AvailableKey("370102"), "dispatch:{370102}:available");
  EXPECT_EQ(HashTag(PendingKey("370102")), "370102");
  EXPECT_EQ(HashTag(AvailableKey("370102")), "370102");
  EXPECT_EQ(AgentKey(42), "dispatch:agent:{42}");
  EXPECT_EQ(OfferKey(7), "dispatch:offer:{7}");
  EXPECT_EQ(RegionsKey(), "dispatch:regions");
  EXPECT_EQ(OffersKey(), "dispatch:offers");
  EXPECT_EQ(PositionsKey(), "dispatch:positions");
  EXPECT_EQ(BuiltKey(), "dispatch:meta:built");
  for (const auto& key : {PendingKey("1"), AvailableKey("1"), AgentKey(1), OfferKey(1),
                          RegionsKey(), OffersKey(), PositionsKey(), BuiltKey()}) {
    EXPECT_EQ(key.rfind(kDispatchKeyPrefix, 0), 0u) << key;
  }
  EXPECT_TRUE(IsValidRegionCode("370102001"));
  EXPECT_FALSE(IsValidRegionCode(""));
  EXPECT_FALSE(IsValidRegionCode("37}01"));
  EXPECT_FALSE(IsValidRegionCode("3701,02"));
}

TEST(UrgencyTest, DeadlineFirstThenHigherPriority) {
  const std::int64_t today = 1'767'225'600;  // 2026-01-01T08:00+08:00
  const std::int64_t tomorrow = today + 86'400;
  // A later deadline never overtakes, whatever its priority.
  EXPECT_LT(UrgencyScore(today, 0), UrgencyScore(tomorrow, 9));
  EXPECT_LT(UrgencyScore(today, -999), UrgencyScore(today + 1, 999));
  // Equal deadlines: higher priority first.
  EXPECT_LT(UrgencyScore(today, 5), UrgencyScore(today, 1));
  EXPECT_LT(UrgencyScore(today, 1), UrgencyScore(today, 0));
  EXPECT_LT(UrgencyScore(today, 0), UrgencyScore(today, -1));
  // Out-of-range priorities order as the bound.
  EXPECT_EQ(UrgencyScore(today, 5000), UrgencyScore(today, kMaxQueuePriority));
  EXPECT_EQ(UrgencyScore(today, -5000), UrgencyScore(today, -kMaxQueuePriority));
  for (int priority : {-5000, -999, 0, 1, 999, 5000}) {
    EXPECT_EQ(DeadlineOfScore(UrgencyScore(today, priority)), today) << priority;
  }
}

class LiveStateTest : public ::testing::Test {
 protected:
  LiveStateTest()
      : pool_(TestRedis()),
        clock_(std::chrono::system_clock::now()),
        live_(pool_, clock_),
        random_(std::random_device{}()) {}

  ~LiveStateTest() override {
    for (const auto& key : cleanup_) pool_.Command({"DEL", key});
    for (auto id : agents_) pool_.Command({"ZREM", PositionsKey(), std::to_string(id)});
    for (auto id : offers_) pool_.Command({"ZREM", OffersKey(), std::to_string(id)});
    for (const auto& region : regions_) pool_.Command({"SREM", RegionsKey(), region});
  }

  // A region code no other test uses; its keys are deleted afterwards.
  std::string NewRegion() {
    std::string region = "9" + std::to_string(std::uniform_int_distribution<std::int64_t>(
                                   10'000'000'000, 99'999'999'999)(random_));
    regions_.push_back(region);
    cleanup_.push_back(PendingKey(region));
    cleanup_.push_back(AvailableKey(region));
    return region;
  }
  std::int64_t NewAgentId() {
    auto id = NewId();
    agents_.push_back(id);
    cleanup_.push_back(AgentKey(id));
    return id;
  }
  std::int64_t NewOfferId() {
    auto id = NewId();
    offers_.push_back(id);
    cleanup_.push_back(OfferKey(id));
    return id;
  }
  std::int64_t NewId() {
    return std::uniform_int_distribution<std::int64_t>(1'000'000'000'000,
                                                       9'000'000'000'000)(random_);
  }
  std::int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
        .count();
  }
  static std::vector<std::string> Trackings(const std::vector<PendingEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& entry : entries) out.push_back(entry.tracking_number);
    return out;
  }
  static bool Contains(const std::vector<std::int64_t>& ids, std::int64_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  static bool Contains(const std::vector<std::string>& values, const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
  }
  AgentLive MakeAgent(std::int64_t id, std::vector<std::string> regions, bool on_duty = true) {
    AgentLive agent;
    agent.id = id;
    agent.name = "王代办";
    agent.on_duty = on_duty;
    agent.load = 1;
    agent.capacity = 5;
    agent.covered_regions = std::move(regions);
    return agent;
  }

  db::RedisPool pool_;
  kernel::ManualClock clock_;
  RedisLiveState live_;
  std::mt19937_64 random_;
  std::vector<std::string> cleanup_;
  std::vector<std::string> regions_;
  std::vector<std::int64_t> agents_;
  std::vector<std::int64_t> offers_;
};

TEST_F(LiveStateTest, QueueListsMostUrgentFirst) {
  const auto region = NewRegion();
  const std::int64_t today = Now() + 3'600;
  const std::int64_t tomorrow = today + 86'400;
  EXPECT_TRUE(live_.Enqueue({"DB-late-urgent", region, UrgencyScore(tomorrow, 9)}));
  EXPECT_TRUE(live_.Enqueue({"DB-today-normal", region, UrgencyScore(today, 0)}));
  EXPECT_TRUE(live_.Enqueue({"DB-today-high", region, UrgencyScore(today, 3)}));
  EXPECT_TRUE(live_.Enqueue({"DB-today-low", region, UrgencyScore(today, -2)}));

  auto pending = live_.Pending(region, 10);
  EXPECT_EQ(Trackings(pending), (std::vector<std::string>{"DB-today-high", "DB-today-normal",
                                                          "DB-today-low", "DB-late-urgent"}));
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[0].region_code, region);
  EXPECT_EQ(pending[0].score, UrgencyScore(today, 3));  // scores round-trip exactly
  EXPECT_EQ(DeadlineOfScore(pending[3].score), tomorrow);
  EXPECT_EQ(live_.PendingCount(region), 4u);
  EXPECT_TRUE(Contains(live_.RegionsWithPending(), region));

  EXPECT_EQ(Trackings(live_.Pending(region, 2)),
            (std::vector<std::string>{"DB-today-high", "DB-today-normal"}));
  EXPECT_TRUE(live_.Pending(region, 0).empty());

  // Queuing a queued case again moves it instead of duplicating it.
  EXPECT_FALSE(live_.Enqueue({"DB-late-urgent", region, UrgencyScore(today - 60, 0)}));
  EXPECT_EQ(live_.PendingCount(region), 4u);
  EXPECT_EQ(live_.Pending(region, 1).at(0).tracking_number, "DB-late-urgent");
}

TEST_F(LiveStateTest, DequeueDropsTheRegionWithItsLastCase) {
  const auto region = NewRegion();
  const auto other = NewRegion();
  const std::int64_t deadline = Now() + 7'200;
  live_.Enqueue({"DB-1", region, UrgencyScore(deadline, 0)});
  live_.Enqueue({"DB-2", region, UrgencyScore(deadline, 0)});
  live_.Enqueue({"DB-3", other, UrgencyScore(deadline, 0)});

  EXPECT_TRUE(live_.Dequeue(region, "DB-1"));
  EXPECT_FALSE(live_.Dequeue(region, "DB-1"));
  EXPECT_TRUE(Contains(live_.RegionsWithPending(), region));
  EXPECT_TRUE(live_.Dequeue(region, "DB-2"));
  EXPECT_EQ(live_.PendingCount(region), 0u);
  EXPECT_FALSE(Contains(live_.RegionsWithPending(), region));
  EXPECT_TRUE(Contains(live_.RegionsWithPending(), other));
  // Dequeuing from an empty region keeps it out of the index.
  EXPECT_FALSE(live_.Dequeue(region, "DB-9"));
  EXPECT_FALSE(Contains(live_.RegionsWithPending(), region));
}

TEST_F(LiveStateTest, AvailabilityFollowsDutyAndCoverage) {
  const auto a = NewRegion();
  const auto b = NewRegion();
  const auto c = NewRegion();
  const auto agent_id = NewAgentId();
  const auto colleague = NewAgentId();

  live_.PutAgent(MakeAgent(agent_id, {a, b}));
  live_.PutAgent(MakeAgent(colleague, {b}));
  EXPECT_EQ(live_.AvailableAgents(a), (std::vector<std::int64_t>{agent_id}));
  EXPECT_EQ(live_.AvailableAgents(b), (std::vector<std::int64_t>{std::min(agent_id, colleague),
                                                                 std::max(agent_id, colleague)}));
  EXPECT_TRUE(live_.AvailableAgents(c).empty());

  // Coverage moves from {a, b} to {b, c}: it leaves a.
  live_.PutAgent(MakeAgent(agent_id, {b, c}));
  EXPECT_TRUE(live_.AvailableAgents(a).empty());
  EXPECT_TRUE(Contains(live_.AvailableAgents(b), agent_id));
  EXPECT_EQ(live_.AvailableAgents(c), (std::vector<std::int64_t>{agent_id}));

  // Off duty: available nowhere, but still known.
  live_.PutAgent(MakeAgent(agent_id, {b, c}, false));
  EXPECT_FALSE(Contains(live_.AvailableAgents(b), agent_id));
  EXPECT_TRUE(live_.AvailableAgents(c).empty());
  EXPECT_EQ(live_.AvailableAgents(b), (std::vector<std::int64_t>{colleague}));
  ASSERT_TRUE(live_.Agent(agent_id).has_value());
  EXPECT_FALSE(live_.Agent(agent_id)->on_duty);

  // Back on duty with a new coverage.
  live_.PutAgent(MakeAgent(agent_id, {a}));
  EXPECT_EQ(live_.AvailableAgents(a), (std::vector<std::int64_t>{agent_id}));
  EXPECT_FALSE(Contains(live_.AvailableAgents(b), agent_id));
}

TEST_F(LiveStateTest, AgentRoundTripsWithItsPosition) {
  const auto region = NewRegion();
  const auto second = NewRegion();
  const auto id = NewAgentId();
  clock_.Set(kernel::Instant(std::chrono::seconds(1'767'225'600)));
  auto agent = MakeAgent(id, {region, second});
  agent.lat = 36.6512;
  agent.lng = 117.1201;
  live_.PutAgent(agent);

  auto stored = live_.Agent(id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->id, id);
  EXPECT_EQ(stored->name, "王代办");
  EXPECT_TRUE(stored->on_duty);
  EXPECT_EQ(stored->load, 1);
  EXPECT_EQ(stored->capacity, 5);
  EXPECT_EQ(stored->covered_regions, (std::vector<std::string>{region, second}));
  EXPECT_EQ(stored->lat, 36.6512);
  EXPECT_EQ(stored->lng, 117.1201);
  EXPECT_EQ(stored->updated_at, 1'767'225'600);
  auto geo = pool_.Command({"GEOPOS", PositionsKey(), std::to_string(id)});
  ASSERT_EQ(geo.elements.size(), 1u);
  ASSERT_EQ(geo.elements[0].elements.size(), 2u);
  EXPECT_NEAR(std::stod(geo.elements[0].elements[0].text), 117.1201, 1e-5);  // lng first
  EXPECT_NEAR(std::stod(geo.elements[0].elements[1].text), 36.6512, 1e-5);

  clock_.Advance(std::chrono::seconds(30));
  EXPECT_TRUE(live_.SetPosition(id, 36.66, 117.0));
  stored = live_.Agent(id);
  EXPECT_EQ(stored->lat, 36.66);
  EXPECT_EQ(stored->lng, 117.0);
  EXPECT_EQ(stored->updated_at, 1'767'225'630);
  geo = pool_.Command({"GEOPOS", PositionsKey(), std::to_string(id)});
  EXPECT_NEAR(std::stod(geo.elements.at(0).elements.at(1).text), 36.66, 1e-5);

  // A record without a position drops the old one everywhere.
  agent.lat.reset();
  agent.lng.reset();
  live_.PutAgent(agent);
  EXPECT_FALSE(live_.Agent(id)->lat.has_value());
  EXPECT_TRUE(pool_.Command({"GEOPOS", PositionsKey(), std::to_string(id)}).elements.at(0).IsNil());

  EXPECT_FALSE(live_.Agent(NewAgentId()).has_value());
}

TEST_F(LiveStateTest, LoadAdjustsAndNeverGoesNegative) {
  const auto id = NewAgentId();
  live_.PutAgent(MakeAgent(id, {NewRegion()}));
  EXPECT_TRUE(live_.SetLoad(id, 3));
  EXPECT_EQ(live_.Agent(id)->load, 3);
  EXPECT_EQ(live_.AdjustLoad(id, 1), 4);
  EXPECT_EQ(live_.AdjustLoad(id, -2), 2);
  EXPECT_EQ(live_.Agent(id)->load, 2);
  EXPECT_EQ(live_.AdjustLoad(id, -5), 0);
  EXPECT_EQ(live_.Agent(id)->load, 0);
  EXPECT_EQ(live_.Agent(id)->capacity, 5);  // the rest of the record is untouched
}

TEST_F(LiveStateTest, ChangesToAnAgentNotLiveAreRefused) {
  const auto id = NewAgentId();
  EXPECT_FALSE(live_.SetLoad(id, 2));
  EXPECT_FALSE(live_.AdjustLoad(id, 1).has_value());
  EXPECT_FALSE(live_.SetPosition(id, 36.6, 117.0));
  // Nothing half-made was left behind.
  EXPECT_EQ(pool_.Command({"EXISTS", AgentKey(id)}).integer, 0);
  EXPECT_TRUE(pool_.Command({"GEOPOS", PositionsKey(), std::to_string(id)}).elements.at(0).IsNil());
}

// One script per decision: the case leaves its queue, the offer is recorded and the agent's
// load grows by one, as Dequeue, PutOffer and AdjustLoad would do one after the other.
TEST_F(LiveStateTest, RecordingAnOfferDequeuesRecordsAndLoadsInOneStep) {
  const auto region = NewRegion();
  const auto id = NewAgentId();
  auto agent = MakeAgent(id, {region});
  agent.load = 2;
  live_.PutAgent(agent);
  live_.Enqueue({"DB-REC-1", region, 1.0});
  live_.Enqueue({"DB-REC-2", region, 2.0});
  const auto offer_id = NewOfferId();
  live_.RecordOffer({offer_id, "DB-REC-1", region, id, Now() + 120});
  auto pending = live_.Pending(region, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].tracking_number, "DB-REC-2");
  ASSERT_TRUE(live_.Offer(offer_id).has_value());
  EXPECT_EQ(live_.Offer(offer_id)->tracking_number, "DB-REC-1");
  EXPECT_EQ(live_.Agent(id)->load, 3);

  // The region's last case gone, the region leaves the index, as with Dequeue.
  live_.RecordOffer({NewOfferId(), "DB-REC-2", region, id, Now() + 120});
  EXPECT_EQ(live_.PendingCount(region), 0u);
  auto regions = live_.RegionsWithPending();
  EXPECT_EQ(std::find(regions.begin(), regions.end(), region), regions.end());
  EXPECT_EQ(live_.Agent(id)->load, 4);

  // An agent that is not live (the state was lost) is left alone; the offer is still recorded.
  const auto gone = NewAgentId();
  const auto orphan = NewOfferId();
  live_.RecordOffer({orphan, "DB-REC-3", region, gone, Now() + 120});
  EXPECT_TRUE(live_.Offer(orphan).has_value());
  EXPECT_EQ(pool_.Command({"EXISTS", AgentKey(gone)}).integer, 0);
}

TEST_F(LiveStateTest, OffersFallDueByExpiry) {
  const auto region = NewRegion();
  const auto agent = NewAgentId();
  const std::int64_t now = Now();
  const auto lapsed = NewOfferId();
  const auto due_now = NewOfferId();
  const auto open = NewOfferId();
  live_.PutOffer({lapsed, "DB-A", region, agent, now - 30});
  live_.PutOffer({due_now, "DB-B", region, agent, now});
  live_.PutOffer({open, "DB-C", region, agent, now + 120});

  auto due = live_.DueOffers(now, 100'000);
  EXPECT_TRUE(Contains(due, lapsed));
  EXPECT_TRUE(Contains(due, due_now));  // due from its expiry second on
  EXPECT_FALSE(Contains(due, open));
  auto lapsed_at = std::find(due.begin(), due.end(), lapsed);
  EXPECT_LT(lapsed_at, std::find(due.begin(), due.end(), due_now));  // earliest first
  EXPECT_TRUE(Contains(live_.DueOffers(now + 120, 100'000), open));
  EXPECT_TRUE(live_.DueOffers(now, 0).empty());

  auto offer = live_.Offer(open);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->offer_id, open);
  EXPECT_EQ(offer->tracking_number, "DB-C");
  EXPECT_EQ(offer->region_code, region);
  EXPECT_EQ(offer->agent_id, agent);
  EXPECT_EQ(offer->expires_at, now + 120);

  // The hash outlives the expiry by the grace period, and an already lapsed one still gets it.
  auto ttl = pool_.Command({"TTL", OfferKey(open)}).integer;
  EXPECT_GT(ttl, 120 + kOfferGraceSeconds - 5);
  EXPECT_LE(ttl, 120 + kOfferGraceSeconds);
  auto lapsed_ttl = pool_.Command({"TTL", OfferKey(lapsed)}).integer;
  EXPECT_GT(lapsed_ttl, kOfferGraceSeconds - 5);
  EXPECT_LE(lapsed_ttl, kOfferGraceSeconds);

  EXPECT_TRUE(live_.RemoveOffer(lapsed));
  EXPECT_FALSE(live_.RemoveOffer(lapsed));
  EXPECT_FALSE(live_.Offer(lapsed).has_value());
  EXPECT_FALSE(Contains(live_.DueOffers(now, 100'000), lapsed));
}

TEST_F(LiveStateTest, MarkStaleClearsTheBuiltMark) {
  pool_.Command({"SET", BuiltKey(), "1"});
  EXPECT_TRUE(live_.IsBuilt());
  live_.MarkStale();
  EXPECT_FALSE(live_.IsBuilt());
  live_.MarkStale();  // already stale: still fine
  EXPECT_FALSE(live_.IsBuilt());
}

TEST_F(LiveStateTest, InvalidInputIsRejectedBeforeWriting) {
  const auto region = NewRegion();
  EXPECT_THROW(live_.Enqueue({"DB-1", "", 1.0}), std::invalid_argument);
  EXPECT_THROW(live_.Enqueue({"DB-1", "37{01}", 1.0}), std::invalid_argument);
  EXPECT_THROW(live_.Enqueue({"", region, 1.0}), std::invalid_argument);
  const auto id = NewAgentId();
  auto agent = MakeAgent(id, {region, "a,b"});
  EXPECT_THROW(live_.PutAgent(agent), std::invalid_argument);
  agent = MakeAgent(id, {region});
  agent.lat = 89.9;  // GEOADD would refuse it after the script had written half the record
  agent.lng = 117.0;
  EXPECT_THROW(live_.PutAgent(agent), std::invalid_argument);
  agent.lat = 36.6;
  agent.lng.reset();
  EXPECT_THROW(live_.PutAgent(agent), std::invalid_argument);
  EXPECT_EQ(live_.PendingCount(region), 0u);
  EXPECT_FALSE(live_.Agent(id).has_value());
  EXPECT_TRUE(live_.AvailableAgents(region).empty());
}

TEST_F(LiveStateTest, RedisErrorsSurfaceAsDependencyUnavailable) {
  const auto region = NewRegion();
  pool_.Command({"SET", PendingKey(region), "not a sorted set"});
  EXPECT_THROW(live_.Enqueue({"DB-1", region, 1.0}), kernel::DependencyUnavailable);
  EXPECT_THROW(live_.Pending(region, 5), kernel::DependencyUnavailable);

  db::RedisOptions unreachable;
  unreachable.port = 1;
  db::RedisPool down(unreachable);
  RedisLiveState state(down, clock_);
  EXPECT_THROW(state.IsBuilt(), kernel::DependencyUnavailable);
}

// The only test that deletes every dispatch:* key (see the top of the file).
TEST_F(LiveStateTest, RebuildReplacesEverythingAndMarksBuilt) {
  const auto old_region = NewRegion();
  const auto region = NewRegion();
  const auto second = NewRegion();
  const auto old_agent = NewAgentId();
  const auto agent = NewAgentId();
  const auto old_offer = NewOfferId();
  const auto offer = NewOfferId();
  const std::int64_t now = Now();

  // Old state, more keys than one SCAN page, and a key that is not dispatch's.
  live_.Enqueue({"DB-old", old_region, UrgencyScore(now, 0)});
  live_.PutAgent(MakeAgent(old_agent, {old_region, region}));
  live_.PutOffer({old_offer, "DB-old", old_region, old_agent, now - 10});
  std::vector<std::string> mset{"MSET"};
  for (int i = 0; i < 1'200; ++i) {
    mset.push_back("dispatch:{" + old_region + "}:junk:" + std::to_string(i));
    mset.push_back("x");
  }
  ASSERT_EQ(pool_.Command(mset).kind, RedisValue::Kind::kStatus);
  const std::string foreign = "test:{live}:not-dispatch:" + std::to_string(NewId());
  cleanup_.push_back(foreign);
  pool_.Command({"SET", foreign, "keep"});
  live_.MarkStale();
  EXPECT_FALSE(live_.IsBuilt());

  RedisLiveState::Snapshot snapshot;
  snapshot.pending = {{"DB-2", region, UrgencyScore(now + 600, 0)},
                      {"DB-1", region, UrgencyScore(now + 600, 5)},
                      {"DB-3", second, UrgencyScore(now + 60, 0)}};
  auto fresh = MakeAgent(agent, {region, second});
  fresh.load = 2;
  fresh.lat = 36.65;
  fresh.lng = 117.12;
  snapshot.agents = {fresh, MakeAgent(NewAgentId(), {second}, false)};
  snapshot.offers = {{offer, "DB-9", second, agent, now - 5}};
  live_.Rebuild(snapshot);

  EXPECT_TRUE(live_.IsBuilt());
  EXPECT_EQ(live_.RegionsWithPending(),
            (std::vector<std::string>{std::min(region, second), std::max(region, second)}));
  EXPECT_EQ(Trackings(live_.Pending(region, 10)), (std::vector<std::string>{"DB-1", "DB-2"}));
  EXPECT_EQ(Trackings(live_.Pending(second, 10)), (std::vector<std::string>{"DB-3"}));
  EXPECT_EQ(live_.PendingCount(old_region), 0u);
  EXPECT_EQ(live_.AvailableAgents(region), (std::vector<std::int64_t>{agent}));
  EXPECT_EQ(live_.AvailableAgents(second), (std::vector<std::int64_t>{agent}));
  EXPECT_TRUE(live_.AvailableAgents(old_region).empty());
  EXPECT_FALSE(live_.Agent(old_agent).has_value());
  ASSERT_TRUE(live_.Agent(agent).has_value());
  EXPECT_EQ(live_.Agent(agent)->load, 2);
  EXPECT_EQ(live_.Agent(agent)->lat, 36.65);
  EXPECT_EQ(live_.DueOffers(now, 100), (std::vector<std::int64_t>{offer}));
  EXPECT_FALSE(live_.Offer(old_offer).has_value());
  EXPECT_EQ(live_.Offer(offer)->tracking_number, "DB-9");
  EXPECT_EQ(pool_.Command({"EXISTS", "dispatch:{" + old_region + "}:junk:0"}).integer, 0);
  EXPECT_EQ(pool_.Command({"EXISTS", "dispatch:{" + old_region + "}:junk:1199"}).integer, 0);
  EXPECT_EQ(pool_.Command({"GET", foreign}).text, "keep");
  EXPECT_EQ(pool_.Command({"GET", BuiltKey()}).text, std::to_string(now));

  // A bad snapshot changes nothing, the built mark included.
  RedisLiveState::Snapshot bad;
  bad.pending = {{"DB-x", "bad}region", 1.0}};
  EXPECT_THROW(live_.Rebuild(bad), std::invalid_argument);
  EXPECT_TRUE(live_.IsBuilt());
  EXPECT_EQ(live_.PendingCount(region), 2u);

  live_.MarkStale();
  EXPECT_FALSE(live_.IsBuilt());
  cleanup_.push_back(BuiltKey());
}

}  // namespace
}  // namespace daiban::dispatch
