// Dispatch through the gateway on the demo data: an accepted case is offered to an agent by
// itself (outbox -> stream -> dispatch), the agent takes it, a supervisor sends it back to the
// queue and assigns it directly; scopes and roles are enforced.
#include <gtest/gtest.h>

#include <algorithm>
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
  // Accepting again (the answer was lost, or the gateway resent it) is accepting once.
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Body(again)["tracking_number"], tracking);
  EXPECT_EQ(Body(again)["state"], "assigned");
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
  // A region outside the scope lists nothing.
  auto foreign = Gateway("GET", "/api/v1/dispatch/queue?region=370102", "", Bearer(shizhong));
  ASSERT_EQ(foreign.status, 200) << foreign.body;
  EXPECT_TRUE(Body(foreign)["queue"].empty());
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

// Two district supervisors and one of a department: each reaches the agents, queue and alerts
// of its scope only; the others' agents are absent from lists and unknown one by one.
TEST(DispatchE2eTest, SupervisorsReachOnlyTheAgentsOfTheirScope) {
  const std::string lixia = StaffLogin("13800000001");        // 历下区
  const std::string shizhong = StaffLogin("13800000002");     // 市中区
  const std::string tax = StaffLogin("13800000006");          // 税务局 (JN-SWJ) only
  const std::int64_t dujing = AgentId(lixia, "13900000001");  // 杜静: 历下区 only
  ASSERT_NE(dujing, 0);
  EXPECT_EQ(AgentId(shizhong, "13900000001"), 0) << "a 历下区 agent on 市中区's board";
  auto board = Gateway("GET", "/api/v1/dispatch/agents", "", Bearer(shizhong));
  ExpectDocumented(board, "get", "/api/v1/dispatch/agents");
  // Each body is held in a variable: a loop over a member of a temporary reads freed memory.
  const json shizhong_board = Body(board);
  ASSERT_FALSE(shizhong_board["agents"].empty());
  for (const auto& agent : shizhong_board["agents"]) {
    bool in_shizhong = false;
    for (const auto& region : agent["regions"]) {
      in_shizhong |= region.get<std::string>().rfind("370103", 0) == 0;
    }
    EXPECT_TRUE(in_shizhong) << agent.dump();
  }
  const std::string path = "/api/v1/dispatch/agents/" + std::to_string(dujing);
  auto mine = Gateway("GET", path, "", Bearer(lixia));
  ASSERT_EQ(mine.status, 200) << mine.body;
  ExpectDocumented(mine, "get", "/api/v1/dispatch/agents/{id}");
  ExpectErrorJson(Gateway("GET", path, "", Bearer(shizhong)), 404, "not_found");
  ExpectErrorJson(Gateway("POST", path + "/duty", R"({"on_duty":false})", Bearer(shizhong)), 404,
                  "not_found");
  EXPECT_EQ(Body(Gateway("GET", path, "", Bearer(lixia)))["on_duty"], true);
  // A supervisor of a department sees no case of another department in its queue.
  const std::string tracking = AcceptedCase();  // GA-002, JN-GA
  const json tax_queue = Body(Gateway("GET", "/api/v1/dispatch/queue", "", Bearer(tax)));
  ASSERT_TRUE(tax_queue["queue"].is_array()) << tax_queue.dump();
  for (const auto& entry : tax_queue["queue"]) {
    EXPECT_NE(entry["tracking_number"], tracking);
  }
  const json tax_alerts = Body(Gateway("GET", "/api/v1/dispatch/alerts", "", Bearer(tax)));
  ASSERT_TRUE(tax_alerts["alerts"].is_array()) << tax_alerts.dump();
  for (const auto& alert : tax_alerts["alerts"]) {
    EXPECT_NE(alert["tracking_number"], tracking);
  }
  // Only administrators set an agent up.
  ExpectErrorJson(Gateway("PUT", path, R"({"regions":["370103"]})", Bearer(lixia)), 403,
                  "forbidden");
}

// Assignment checks the agent: another district's agent is refused (unknown to a district
// supervisor, outside the case's region for an administrator); an off-duty agent is overridden
// only with a reason, and the override is in the answer and in the timeline.
// The board pages by agent id: walked 7 at a time it lists what one page of 500 lists, once
// each and in order; a bad limit or cursor is refused.
TEST(DispatchE2eTest, TheAgentsBoardPagesByAgentId) {
  const auto admin = Bearer(StaffLogin("13800000000"));
  auto whole = Gateway("GET", "/api/v1/dispatch/agents?limit=500", "", admin);
  ExpectDocumented(whole, "get", "/api/v1/dispatch/agents");
  const json one_page = Body(whole);
  EXPECT_TRUE(one_page["next_cursor"].is_null());
  ASSERT_GT(one_page["agents"].size(), 7u);
  std::vector<std::int64_t> expected;
  for (const auto& agent : one_page["agents"]) expected.push_back(agent["id"].get<std::int64_t>());
  std::vector<std::int64_t> walked;
  for (const auto& agent : EveryPage("/api/v1/dispatch/agents", admin, "agents", 7)) {
    walked.push_back(agent["id"].get<std::int64_t>());
  }
  EXPECT_EQ(walked, expected);
  EXPECT_TRUE(std::is_sorted(walked.begin(), walked.end()));
  ExpectErrorJson(Gateway("GET", "/api/v1/dispatch/agents?limit=501", "", admin), 400,
                  "bad_request");
  ExpectErrorJson(Gateway("GET", "/api/v1/dispatch/agents?cursor=s1.1.2", "", admin), 400,
                  "bad_request");
}

TEST(DispatchE2eTest, AssignmentRespectsEligibilityAndRecordsOverrides) {
  const std::string lixia = StaffLogin("13800000001");
  const std::string admin = StaffLogin("13800000000");
  const std::int64_t qinxuemei = AgentId(admin, "13900000006");  // 秦雪梅: 市中区 only
  const std::int64_t sunjuan = AgentId(lixia, "13900000003");    // 孙娟: 历下区
  ASSERT_NE(qinxuemei, 0);
  ASSERT_NE(sunjuan, 0);
  const std::string tracking = AcceptedCase();
  const std::string assign = "/api/v1/dispatch/cases/" + tracking + "/assign";
  ExpectErrorJson(
      Gateway("POST", assign, json{{"agent_id", qinxuemei}, {"reason", "x"}}.dump(), Bearer(lixia)),
      422, "validation_failed");
  ExpectErrorJson(
      Gateway("POST", assign, json{{"agent_id", qinxuemei}, {"reason", "x"}}.dump(), Bearer(admin)),
      409, "agent_outside_region");
  ExpectErrorJson(Gateway("POST", "/api/v1/dispatch/cases/" + tracking + "/reassign",
                          json{{"agent_id", qinxuemei}, {"reason", "x"}}.dump(), Bearer(admin)),
                  409, "agent_outside_region");
  // Off duty: a reason is required, then the override is recorded.
  const std::string duty = "/api/v1/dispatch/agents/" + std::to_string(sunjuan) + "/duty";
  ASSERT_EQ(Gateway("POST", duty, R"({"on_duty":false})", Bearer(lixia)).status, 200);
  auto refused = Gateway("POST", assign, json{{"agent_id", sunjuan}}.dump(), Bearer(lixia));
  auto assigned = Gateway("POST", assign,
                          json{{"agent_id", sunjuan}, {"reason", "孙娟熟悉户籍，加班办理"}}.dump(),
                          Bearer(lixia));
  EXPECT_EQ(Gateway("POST", duty, R"({"on_duty":true})", Bearer(lixia)).status, 200);
  ExpectErrorJson(refused, 422, "validation_failed");
  EXPECT_EQ(Body(refused)["error"]["field"], "reason");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  ExpectDocumented(assigned, "post", "/api/v1/dispatch/cases/{tracking}/assign");
  auto overrides = Body(assigned)["overrides"];
  EXPECT_NE(std::find(overrides.begin(), overrides.end(), "off_duty"), overrides.end())
      << assigned.body;
  auto view = Body(Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(lixia)));
  bool recorded = false;
  for (const auto& e : view["timeline"]) {
    recorded |= e["type"] == "assign" && e["reason"] == "孙娟熟悉户籍，加班办理" &&
                e["data"]["overrides"] == overrides;
  }
  EXPECT_TRUE(recorded) << view["timeline"].dump();
}

}  // namespace
}  // namespace daiban::e2e
