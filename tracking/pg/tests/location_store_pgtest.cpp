// PgLocationStore against real PostgreSQL and Redis: the history in one statement, the live
// position only moving forward in device time, resent batches stored once, and LocationStore's
// contract (the gateway tests its route over the store).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/applicant_rules.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/dispatch/live/dispatch_keys.hpp"
#include "daiban/dispatch/live/live_state.hpp"
#include "daiban/kernel/json.hpp"
#include "daiban/tracking/pg/pg_location_store.hpp"
#include "daiban/tracking/testing/location_fixes.hpp"
#include "daiban/tracking/testing/location_store_contract.hpp"
#include "scratch_database.hpp"

namespace daiban::tracking {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using testing::Walk;

// 2026-12-01 10:00 China Standard Time.
const sys_seconds kNow{seconds(1796090400)};
constexpr const char* kPassword = "correct-horse";

Fix FixAt(double lat, double lng, sys_seconds time, std::optional<double> accuracy = 5.0) {
  return Fix{lat, lng, accuracy, time};
}

// The pools of a test: the scratch database, migrated, and Redis database 3 (a database of its
// own: the running test stack's services use database 0).
std::unique_ptr<db::PgPool> MigratedPool(const db::testing::ScratchDatabase& database) {
  database.Migrate();
  return std::make_unique<db::PgPool>(db::PgOptions{.url = database.Url(), .pool_size = 2});
}
std::unique_ptr<db::RedisPool> TestRedis() {
  db::RedisOptions redis;
  redis.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
  redis.database = 3;
  return std::make_unique<db::RedisPool>(redis);
}

class LocationPgTest : public ::testing::Test {
 protected:
  LocationPgTest() {
    pg_ = MigratedPool(database_);
    redis_ = TestRedis();
    auth_state_ = std::make_unique<accounts::RedisAuthState>(*redis_);
    accounts_ = std::make_unique<accounts::PgAccountStore>(*pg_);
    auth_ = std::make_unique<accounts::AuthService>(*accounts_, *auth_state_, *auth_state_, clock_,
                                                    ids_);
    store_ = std::make_unique<PgLocationStore>(*pg_, *redis_, cases::FarOutsideJinan);
    live_ = std::make_unique<dispatch::RedisLiveState>(*redis_, clock_);

    agent_ = AddUser(accounts::Role::kAgent, "13700000001");
    pg_->Transact([&](pqxx::dbtransaction& tx) {
      tx.exec_params("INSERT INTO agents (user_id, on_duty) VALUES ($1, true)", agent_);
    });
    courier_ = AddUser(accounts::Role::kCourier, "13700000002");
    clerk_ = AddUser(accounts::Role::kWindow, "13700000003");
    // Ids restart at 1 in every scratch database: forget what an earlier run left in Redis.
    ForgetLive();
  }
  ~LocationPgTest() override { ForgetLive(); }

  std::int64_t AddUser(accounts::Role role, const std::string& phone) {
    return auth_->AddUser({role, "测试" + accounts::ToWord(role), phone, kPassword, "", ""});
  }

  void ForgetLive() {
    for (auto id : {agent_, courier_, clerk_}) {
      redis_->Command({"ZREM", dispatch::PositionsKey(), std::to_string(id)});
      redis_->Command({"HDEL", dispatch::PositionTimesKey(), std::to_string(id)});
      redis_->Command({"DEL", dispatch::AgentKey(id)});
    }
  }

  // The agent as dispatch has it live (on duty, nowhere yet).
  void MakeAgentLive() {
    dispatch::AgentLive agent;
    agent.id = agent_;
    agent.name = "测试代办";
    agent.on_duty = true;
    agent.capacity = 3;
    agent.covered_regions = {"370102"};
    live_->PutAgent(agent);
  }

  std::optional<std::pair<double, double>> GeoPosition(std::int64_t id) {
    auto reply = redis_->Command({"GEOPOS", dispatch::PositionsKey(), std::to_string(id)});
    if (reply.elements.empty() || reply.elements[0].IsNil()) return std::nullopt;
    const auto& pair = reply.elements[0].elements;
    // GEOPOS answers lng, lat.
    return std::make_pair(std::stod(pair.at(1).text), std::stod(pair.at(0).text));
  }

  std::optional<std::string> PositionTime(std::int64_t id) {
    auto reply = redis_->Command({"HGET", dispatch::PositionTimesKey(), std::to_string(id)});
    if (reply.IsNil()) return std::nullopt;
    return reply.text;
  }

  long long Count(const std::string& sql) {
    long long count = 0;
    pg_->Read([&](pqxx::transaction_base& tx) { count = tx.exec(sql)[0][0].as<long long>(); });
    return count;
  }

  long long HistoryOf(std::int64_t id) {
    return Count("SELECT count(*) FROM locations WHERE user_id = " + std::to_string(id));
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kernel::Instant(kNow.time_since_epoch())};
  kernel::RandomIdGenerator ids_;
  std::unique_ptr<db::PgPool> pg_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<accounts::PgAccountStore> accounts_;
  std::unique_ptr<accounts::RedisAuthState> auth_state_;
  std::unique_ptr<accounts::AuthService> auth_;
  std::unique_ptr<LocationStore> store_;
  std::unique_ptr<dispatch::RedisLiveState> live_;
  std::int64_t agent_ = 0, courier_ = 0, clerk_ = 0;
};

void ExpectNear(const std::optional<std::pair<double, double>>& at, double lat, double lng) {
  ASSERT_TRUE(at);
  // The GEO set keeps a 52-bit geohash: well under a metre off.
  EXPECT_NEAR(at->first, lat, 1e-5);
  EXPECT_NEAR(at->second, lng, 1e-5);
}

TEST_F(LocationPgTest, ABatchIsStoredInOneGo) {
  auto fixes = Walk(50, kNow - seconds(10));
  auto result = store_->Ingest(agent_, fixes, kNow);
  EXPECT_EQ(result.stored, 50);
  EXPECT_EQ(HistoryOf(agent_), 50);
  // Every row of the batch was written by one transaction.
  EXPECT_EQ(Count("SELECT count(DISTINCT xmin::text) FROM locations"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM locations WHERE received_at = to_timestamp(" +
                  std::to_string(kNow.time_since_epoch().count()) + ")"),
            50);
  EXPECT_EQ(Count("SELECT count(*) FROM locations WHERE accuracy_m IS NULL"), 17);

  // Coordinates and times come back exactly as sent.
  long long exact = 0;
  pg_->Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec(
        "SELECT lat, lng, accuracy_m, extract(epoch FROM device_time)::bigint FROM locations "
        "ORDER BY device_time");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& fix = fixes[i];
      bool same = rows[i][0].as<double>() == fix.lat && rows[i][1].as<double>() == fix.lng &&
                  rows[i][2].is_null() == !fix.accuracy_m &&
                  (!fix.accuracy_m || rows[i][2].as<double>() == *fix.accuracy_m) &&
                  rows[i][3].as<long long>() == fix.device_time.time_since_epoch().count();
      exact += same ? 1 : 0;
    }
  });
  EXPECT_EQ(exact, 50);
}

TEST_F(LocationPgTest, TheNewestFixMovesTheLivePosition) {
  MakeAgentLive();
  // Sent out of order: the newest is in the middle.
  std::vector<Fix> fixes{FixAt(36.654, 117.054, kNow - seconds(60)),
                         FixAt(36.66, 117.06, kNow - seconds(5)),
                         FixAt(36.657, 117.057, kNow - seconds(30))};
  auto result = store_->Ingest(agent_, fixes, kNow);
  EXPECT_EQ(result.stored, 3);
  EXPECT_TRUE(result.live_moved);
  ExpectNear(GeoPosition(agent_), 36.66, 117.06);
  EXPECT_EQ(PositionTime(agent_), std::to_string((kNow - seconds(5)).time_since_epoch().count()));

  auto agent = live_->Agent(agent_);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->lat && agent->lng);
  EXPECT_DOUBLE_EQ(*agent->lat, 36.66);
  EXPECT_DOUBLE_EQ(*agent->lng, 117.06);
  EXPECT_EQ(agent->updated_at, kNow.time_since_epoch().count());

  EXPECT_EQ(Count("SELECT count(*) FROM agents WHERE last_lat = 36.66 AND last_lng = 117.06 AND "
                  "last_seen_at = to_timestamp(" +
                  std::to_string((kNow - seconds(5)).time_since_epoch().count()) + ")"),
            1);
  auto latest = store_->Latest(agent_);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->lat, 36.66);
  EXPECT_EQ(latest->device_time, kNow - seconds(5));
}

TEST_F(LocationPgTest, AnOlderBatchIsKeptButDoesNotMoveTheLivePosition) {
  MakeAgentLive();
  ASSERT_TRUE(store_->Ingest(agent_, {FixAt(36.66, 117.06, kNow - seconds(5))}, kNow).live_moved);

  // A phone that was offline delivers what it measured earlier.
  auto late = store_->Ingest(agent_, Walk(20, kNow - seconds(600), 36.50, 116.90), kNow);
  EXPECT_EQ(late.stored, 20);
  EXPECT_FALSE(late.live_moved);
  EXPECT_EQ(HistoryOf(agent_), 21);
  ExpectNear(GeoPosition(agent_), 36.66, 117.06);
  EXPECT_DOUBLE_EQ(*live_->Agent(agent_)->lat, 36.66);
  EXPECT_EQ(Count("SELECT count(*) FROM agents WHERE last_lat = 36.66"), 1);
  EXPECT_EQ(store_->Latest(agent_)->lat, 36.66);

  // The same device time does not move it either; a newer one does.
  EXPECT_FALSE(
      store_->Ingest(agent_, {FixAt(36.6601, 117.0601, kNow - seconds(5))}, kNow).live_moved);
  EXPECT_TRUE(
      store_->Ingest(agent_, {FixAt(36.6602, 117.0602, kNow - seconds(4))}, kNow).live_moved);
  ExpectNear(GeoPosition(agent_), 36.6602, 117.0602);
}

TEST_F(LocationPgTest, AResentBatchIsStoredOnce) {
  auto fixes = Walk(30, kNow);
  EXPECT_EQ(store_->Ingest(agent_, fixes, kNow).stored, 30);
  // The answer was lost; the phone sends the same batch again with one new fix.
  fixes.push_back(FixAt(36.6530, 117.0530, kNow + seconds(1)));
  auto again = store_->Ingest(agent_, fixes, kNow + seconds(2));
  EXPECT_EQ(again.stored, 1);
  EXPECT_TRUE(again.live_moved);
  EXPECT_EQ(HistoryOf(agent_), 31);
}

TEST_F(LocationPgTest, ACourierMovesInTheGeoSetOnly) {
  auto result = store_->Ingest(courier_, {FixAt(36.67, 117.02, kNow)}, kNow);
  EXPECT_EQ(result.stored, 1);
  EXPECT_TRUE(result.live_moved);
  ExpectNear(GeoPosition(courier_), 36.67, 117.02);
  EXPECT_EQ(redis_->Command({"EXISTS", dispatch::AgentKey(courier_)}).integer, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM agents WHERE last_lat IS NOT NULL"), 0);
}

TEST_F(LocationPgTest, AnAgentDispatchDoesNotHaveLiveGetsNoPartialHash) {
  auto result = store_->Ingest(agent_, {FixAt(36.67, 117.02, kNow)}, kNow);
  EXPECT_TRUE(result.live_moved);
  ExpectNear(GeoPosition(agent_), 36.67, 117.02);
  EXPECT_EQ(redis_->Command({"EXISTS", dispatch::AgentKey(agent_)}).integer, 0);
  // PostgreSQL has it, so dispatch's next rebuild brings the position along.
  EXPECT_EQ(Count("SELECT count(*) FROM agents WHERE last_lat = 36.67"), 1);
}

TEST_F(LocationPgTest, AFixNearThePoleIsKeptButCannotBeLive) {
  auto result = store_->Ingest(courier_, {FixAt(89.5, 10.0, kNow)}, kNow);
  EXPECT_EQ(result.stored, 1);
  EXPECT_FALSE(result.live_moved);
  EXPECT_FALSE(GeoPosition(courier_));
}

// LocationStore's contract (location_store_contract.hpp) held by PgLocationStore, as the unit
// tests hold the in-memory store to it.
class PgLocationWorld {
 public:
  PgLocationWorld() {
    pg_ = MigratedPool(database_);
    redis_ = TestRedis();
    accounts_ = std::make_unique<accounts::PgAccountStore>(*pg_);
    store_ = std::make_unique<PgLocationStore>(*pg_, *redis_, cases::FarOutsideJinan);
  }
  ~PgLocationWorld() {
    for (auto id : users_) ForgetLive(id);
  }

  LocationStore& Store() { return *store_; }

  std::int64_t NewUser() {
    const std::string n = std::to_string(users_.size());
    const auto id = accounts_->AddUser(
        {accounts::Role::kCourier, "契约寄递" + n, "1370001000" + n, "", "", ""}, "unused-hash");
    // Ids restart at 1 in every scratch database: forget what an earlier run left in Redis.
    ForgetLive(id);
    users_.push_back(id);
    return id;
  }

 private:
  void ForgetLive(std::int64_t id) {
    redis_->Command({"ZREM", dispatch::PositionsKey(), std::to_string(id)});
    redis_->Command({"HDEL", dispatch::PositionTimesKey(), std::to_string(id)});
    redis_->Command({"DEL", dispatch::AgentKey(id)});
  }

  db::testing::ScratchDatabase database_;
  std::unique_ptr<db::PgPool> pg_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<accounts::PgAccountStore> accounts_;
  std::unique_ptr<PgLocationStore> store_;
  std::vector<std::int64_t> users_;
};

}  // namespace
}  // namespace daiban::tracking

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::tracking::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, LocationStoreContract, PgLocationWorld);
}  // namespace daiban::tracking::testing
