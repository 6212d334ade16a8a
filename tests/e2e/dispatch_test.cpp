// Dispatch through the gateway on the demo data: an accepted case is offered to an agent by
// itself (outbox -> stream -> dispatch), the agent takes it, a supervisor sends it back to the
// queue and assigns it directly; scopes and roles are enforced.
#include <gtest/gtest.h>

#include <random>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using nlohmann::json;

// The agent holding a pending offer for `tracking`, found by asking every agent of 历下区
// with a pending offer (the demo agents share one password).
std::optional<std::pair<std::string, json>> FindOffer(const std::string& supervisor,
                                                      const std::string& tracking) {
  auto agents =
      Body(Gateway("GET", "/api/v1/dispatch/agents?region=370102", "", Bearer(supervisor)));
  for (const auto& agent : agents["agents"]) {
    if (agent["pending_offers"].get<int>() == 0) continue;
    std::string token = StaffLogin(agent["phone"]);
    auto offers = Body(Gateway("GET", "/api/v1/dispatch/offers", "", Bearer(token)));
    for (const auto& offer : offers["offers"]) {
      if (offer["tracking_number"] == tracking) return std::make_pair(token, offer);
    }
  }
  return std::nullopt;
}

TEST(DispatchE2eTest, AnAcceptedCaseIsOfferedAndTaken) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = AcceptedCase();
  std::optional<std::pair<std::string, json>> offer;
  ASSERT_TRUE(Eventually([&] { return (offer = FindOffer(supervisor, tracking)).has_value(); }, 20))
      << "no agent was offered " << tracking;
  auto taken = Gateway(
      "POST",
      "/api/v1/dispatch/offers/" + std::to_string(offer->second["id"].get<int>()) + "/accept", "{}",
      Bearer(offer->first));
  ASSERT_EQ(taken.status, 200) << taken.body;
  EXPECT_EQ(Body(taken)["state"], "assigned");
  auto again = Gateway(
      "POST",
      "/api/v1/dispatch/offers/" + std::to_string(offer->second["id"].get<int>()) + "/accept", "{}",
      Bearer(offer->first));
  ExpectErrorJson(again, 409, "offer_not_pending");
  auto view = Body(Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor)));
  EXPECT_EQ(view["state"], "assigned");
  EXPECT_TRUE(view["agent"]["name"].is_string());
}

TEST(DispatchE2eTest, SupervisorsReassignAndAssignDirectly) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = AcceptedCase();
  // 赵代办 (13800000004) is a demo agent of 历下区; find its id on the board.
  auto agents =
      Body(Gateway("GET", "/api/v1/dispatch/agents?region=370102", "", Bearer(supervisor)));
  std::int64_t zhao = 0;
  for (const auto& agent : agents["agents"]) {
    if (agent["phone"] == "13800000004") zhao = agent["id"];
  }
  ASSERT_NE(zhao, 0);
  auto assigned =
      Gateway("POST", "/api/v1/dispatch/cases/" + tracking + "/assign",
              json{{"agent_id", zhao}, {"reason", "熟悉户籍业务"}}.dump(), Bearer(supervisor));
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(Body(assigned)["agent_id"], zhao);
  // The agent sees it among its cases.
  auto mine =
      Body(Gateway("GET", "/api/v1/cases?limit=100", "", Bearer(StaffLogin("13800000004"))));
  bool listed = false;
  for (const auto& c : mine["cases"]) listed |= c["tracking_number"] == tracking;
  EXPECT_TRUE(listed);
  // Back to the queue; a reason is required.
  ExpectErrorJson(
      Gateway("POST", "/api/v1/dispatch/cases/" + tracking + "/reassign", "{}", Bearer(supervisor)),
      422, "validation_failed");
  auto back = Gateway("POST", "/api/v1/dispatch/cases/" + tracking + "/reassign",
                      R"({"reason":"代办员请假"})", Bearer(supervisor));
  ASSERT_EQ(back.status, 200) << back.body;
  auto view = Body(Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor)));
  EXPECT_NE(view["state"], "assigned_to_zhao");
  bool unassign_recorded = false;
  for (const auto& e : view["timeline"]) unassign_recorded |= e["type"] == "unassign";
  EXPECT_TRUE(unassign_recorded);
}

TEST(DispatchE2eTest, ScopesAndRolesAreEnforced) {
  const std::string shizhong = StaffLogin("13800000002");  // 市中区
  ExpectErrorJson(Gateway("GET", "/api/v1/dispatch/queue?region=370102", "", Bearer(shizhong)), 403,
                  "forbidden");
  EXPECT_EQ(Gateway("GET", "/api/v1/dispatch/queue", "", Bearer(shizhong)).status, 200);
  ExpectErrorJson(Gateway("GET", "/api/v1/dispatch/agents", "", Bearer(StaffLogin("13800000004"))),
                  403, "forbidden");
  ExpectErrorJson(Gateway("GET", "/api/v1/dispatch/alerts"), 401, "unauthorized");
  auto alerts = Gateway("GET", "/api/v1/dispatch/alerts", "", Bearer(StaffLogin("13800000001")));
  EXPECT_EQ(alerts.status, 200);
  EXPECT_TRUE(Body(alerts)["alerts"].is_array());
  // A case of 历下区 is out of 市中区's reach.
  const std::string tracking = AcceptedCase();
  ExpectErrorJson(Gateway("POST", "/api/v1/dispatch/cases/" + tracking + "/reassign",
                          R"({"reason":"x"})", Bearer(shizhong)),
                  404, "not_found");
}

// The staff actions no other test drives, each answering as api/openapi.json documents it
// (Gateway checks every successful JSON answer against the document).
TEST(DispatchE2eTest, DeclineDutySettingsAndResumeAnswerAsDocumented) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = AcceptedCase();
  std::optional<std::pair<std::string, json>> offer;
  ASSERT_TRUE(Eventually([&] { return (offer = FindOffer(supervisor, tracking)).has_value(); }, 20))
      << "no agent was offered " << tracking;
  auto declined = Gateway(
      "POST",
      "/api/v1/dispatch/offers/" + std::to_string(offer->second["id"].get<int>()) + "/decline",
      R"({"reason":"路程太远"})", Bearer(offer->first));
  ASSERT_EQ(declined.status, 200) << declined.body;
  EXPECT_EQ(Body(declined)["declined"], true);

  // 赵代办 off duty and back, then its settings written back unchanged by the administrator.
  auto agents =
      Body(Gateway("GET", "/api/v1/dispatch/agents?region=370102", "", Bearer(supervisor)));
  json zhao;
  for (const auto& agent : agents["agents"]) {
    if (agent["phone"] == "13800000004") zhao = agent;
  }
  ASSERT_TRUE(zhao.is_object()) << agents.dump();
  const std::string base = "/api/v1/dispatch/agents/" + std::to_string(zhao["id"].get<int>());
  auto off = Gateway("POST", base + "/duty", R"({"on_duty":false})", Bearer(supervisor));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(Body(off)["on_duty"], false);
  auto on = Gateway("POST", base + "/duty", R"({"on_duty":true})", Bearer(supervisor));
  ASSERT_EQ(on.status, 200) << on.body;
  json hours = json::array();
  for (const auto& day : zhao["hours"]) hours.push_back(day.is_string() ? day : json(""));
  json settings = {{"capacity", zhao["capacity"]},
                   {"on_duty", zhao["on_duty"]},
                   {"hours", hours},
                   {"regions", zhao["regions"]},
                   {"departments", zhao["departments"]}};
  auto saved = Gateway("PUT", base, settings.dump(), Bearer(StaffLogin("13800000000")));
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(Body(saved)["saved"], zhao["id"]);

  // The window suspends the case and resumes it.
  const std::string window = StaffLogin("13800000003");
  auto suspended = Gateway("POST", "/api/v1/cases/" + tracking + "/suspend",
                           R"({"reason":"等待申请人补正"})", Bearer(window));
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  auto resumed = Gateway("POST", "/api/v1/cases/" + tracking + "/resume", "{}", Bearer(window));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_NE(Body(resumed)["state"], "suspended");
}

}  // namespace
}  // namespace daiban::e2e
