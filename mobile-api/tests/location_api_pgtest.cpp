// POST /mobile/v1/locations through a real HTTP server and real sessions (PostgreSQL and Redis
// behind AuthService), over the in-memory location store: who may report, and that a refused
// batch stores nothing. PgLocationStore itself is tested in tracking/pg.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/applicant_rules.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/http_server.hpp"
#include "daiban/kernel/json.hpp"
#include "daiban/kernel/metrics.hpp"
#include "daiban/mobile/location_api.hpp"
#include "daiban/tracking/testing/in_memory_location_store.hpp"
#include "daiban/tracking/testing/location_fixes.hpp"
#include "scratch_database.hpp"

namespace daiban::mobile {
namespace {

using kernel::Json;
using std::chrono::seconds;
using std::chrono::sys_seconds;
using tracking::Fix;
using tracking::testing::Walk;

// 2026-12-01 10:00 China Standard Time.
const sys_seconds kNow{seconds(1796090400)};
constexpr const char* kPassword = "correct-horse";

Json BatchJson(const std::vector<Fix>& fixes) {
  Json list = Json::array();
  for (const auto& fix : fixes) {
    Json item = {{"lat", fix.lat},
                 {"lng", fix.lng},
                 {"device_time", cases::FormatRfc3339China(fix.device_time)}};
    if (fix.accuracy_m) item["accuracy"] = *fix.accuracy_m;
    list.push_back(std::move(item));
  }
  return {{"fixes", list}};
}

class LocationRouteTest : public ::testing::Test {
 protected:
  LocationRouteTest() {
    database_.Migrate();
    pg_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    db::RedisOptions redis;
    redis.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
    redis.database = 3;  // the running test stack's services use database 0
    redis_ = std::make_unique<db::RedisPool>(redis);
    auth_state_ = std::make_unique<accounts::RedisAuthState>(*redis_);
    accounts_ = std::make_unique<accounts::PgAccountStore>(*pg_);
    auth_ = std::make_unique<accounts::AuthService>(*accounts_, *auth_state_, *auth_state_, clock_,
                                                    ids_);
    agent_ = AddUser(accounts::Role::kAgent, "13700000001");
    courier_ = AddUser(accounts::Role::kCourier, "13700000002");
    clerk_ = AddUser(accounts::Role::kWindow, "13700000003");

    server_ = std::make_unique<kernel::HttpServer>(kernel::HttpServerOptions{.port = 0}, logger_,
                                                   metrics_, clock_, ids_);
    AddLocationRoutes(server_->Routes(), store_, *auth_, clock_);
    server_->Start();
  }
  ~LocationRouteTest() override { server_->Stop(); }

  std::int64_t AddUser(accounts::Role role, const std::string& phone) {
    return auth_->AddUser({role, "测试" + accounts::ToWord(role), phone, kPassword, "", ""});
  }

  std::string TokenOf(const std::string& phone) {
    return auth_->Login(phone, kPassword, "test-" + ids_.HexId(4)).token;
  }

  daiban::testing::RawResponse Post(const std::string& token, const std::string& body) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return daiban::testing::Request("127.0.0.1", server_->Port(), "POST", "/mobile/v1/locations",
                                    body, headers);
  }

  static std::string ErrorField(const daiban::testing::RawResponse& response) {
    auto json = Json::parse(response.body);
    return json["error"].value("field", "");
  }

  std::size_t HistoryOf(std::int64_t id) const { return store_.History(id).size(); }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kernel::Instant(kNow.time_since_epoch())};
  kernel::RandomIdGenerator ids_;
  std::unique_ptr<db::PgPool> pg_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<accounts::PgAccountStore> accounts_;
  std::unique_ptr<accounts::RedisAuthState> auth_state_;
  std::unique_ptr<accounts::AuthService> auth_;
  tracking::testing::InMemoryLocationStore store_{cases::FarOutsideJinan};
  kernel::Logger logger_{"mobile", kernel::LogLevel::kError, clock_};
  kernel::Metrics metrics_{"mobile"};
  std::unique_ptr<kernel::HttpServer> server_;
  std::int64_t agent_ = 0, courier_ = 0, clerk_ = 0;
};

TEST_F(LocationRouteTest, AnAgentsBatchIsStored) {
  auto response = Post(TokenOf("13700000001"), BatchJson(Walk(50, kNow)).dump());
  ASSERT_EQ(response.status, 200) << response.body;
  auto json = Json::parse(response.body);
  EXPECT_EQ(json["stored"], 50);
  EXPECT_EQ(json["live_moved"], true);
  EXPECT_EQ(HistoryOf(agent_), 50u);
}

TEST_F(LocationRouteTest, ACouriersBatchIsStored) {
  auto response = Post(TokenOf("13700000002"), BatchJson(Walk(3, kNow)).dump());
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(HistoryOf(courier_), 3u);
}

TEST_F(LocationRouteTest, OnlyAgentsAndCouriersReport) {
  auto response = Post(TokenOf("13700000003"), BatchJson(Walk(3, kNow)).dump());
  EXPECT_EQ(response.status, 403) << response.body;
  EXPECT_EQ(Post("", BatchJson(Walk(3, kNow)).dump()).status, 401);
  EXPECT_EQ(Post("not-a-token", BatchJson(Walk(3, kNow)).dump()).status, 401);
  EXPECT_EQ(HistoryOf(agent_) + HistoryOf(courier_) + HistoryOf(clerk_), 0u);
}

TEST_F(LocationRouteTest, MoreThanFiveHundredFixesAreTooLarge) {
  auto response = Post(TokenOf("13700000001"), BatchJson(Walk(501, kNow)).dump());
  EXPECT_EQ(response.status, 413) << response.body;
  EXPECT_EQ(ErrorField(response), "fixes");
  EXPECT_EQ(HistoryOf(agent_), 0u);
}

TEST_F(LocationRouteTest, ABadCoordinateRejectsTheBatch) {
  auto fixes = Walk(10, kNow);
  fixes[7].lng = 181.0;
  auto response = Post(TokenOf("13700000001"), BatchJson(fixes).dump());
  EXPECT_EQ(response.status, 422) << response.body;
  EXPECT_EQ(ErrorField(response), "fixes[7].lng");
  EXPECT_EQ(HistoryOf(agent_), 0u);
  EXPECT_FALSE(store_.Live(agent_));
}

TEST_F(LocationRouteTest, MalformedJsonIsABadRequest) {
  EXPECT_EQ(Post(TokenOf("13700000001"), "{\"fixes\": [").status, 400);
}

}  // namespace
}  // namespace daiban::mobile
