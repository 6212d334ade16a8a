// An agent's day through the gateway, as the phone app plays it: sign in on a device, take an
// offer, report progress to the result (idempotently, with device times), post a photo and
// location batches, replay an offline batch with duplicates and out of order, refresh the
// token, and lose the phone.
#include <gtest/gtest.h>

#include <future>
#include <regex>
#include <set>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using nlohmann::json;

TEST(MobileE2eTest, AnAgentsDay) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = AcceptedCase();
  // Whoever dispatch offered the case to signs in on a phone and takes it.
  std::string token, refresh, device;
  std::int64_t offer_id = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        auto agents =
            Body(Gateway("GET", "/api/v1/dispatch/agents?region=370102", "", Bearer(supervisor)));
        for (const auto& agent : agents["agents"]) {
          if (agent["pending_offers"].get<int>() == 0) continue;
          std::string this_device = Unique("device-");
          auto login = PhoneLogin(agent["phone"], this_device);
          auto offers =
              Body(Gateway("GET", "/mobile/v1/offers", "", Bearer(login["access_token"])));
          for (const auto& offer : offers["offers"]) {
            if (offer["tracking_number"] != tracking) continue;
            token = login["access_token"];
            refresh = login["refresh_token"];
            device = this_device;
            offer_id = offer["id"];
            return true;
          }
        }
        return false;
      },
      20))
      << "no agent was offered " << tracking;
  auto taken = Gateway("POST", "/mobile/v1/offers/" + std::to_string(offer_id) + "/accept", "{}",
                       Bearer(token));
  ASSERT_EQ(taken.status, 200) << taken.body;
  EXPECT_EQ(Body(taken)["applicant"]["phone"], "13912345678");  // visible once the case is mine
  EXPECT_TRUE(Body(taken)["hall"]["address"].is_string());
  // The task list a page at a time: every task once, the new one among them.
  // Each task carries its item's guide and hall as the public catalogue gives them (the list
  // reads a page's guides in one statement, the accepted offer its own).
  auto item = Body(Gateway("GET", "/api/v1/items/GA-002", "", {}));
  json guide = {{"conditions", item["conditions"]},
                {"how_to_apply", item["how_to_apply"]},
                {"where_to_apply", item["where_to_apply"]}};
  json hall = item["department"]["hall"];
  hall.erase("phone");
  EXPECT_EQ(Body(taken)["guide"], guide);
  EXPECT_EQ(Body(taken)["hall"], hall);
  std::set<std::string> listed;
  for (const auto& t : EveryPage("/mobile/v1/tasks", Bearer(token), "tasks", 2)) {
    EXPECT_TRUE(listed.insert(t["tracking_number"].get<std::string>()).second) << t;
    if (t["tracking_number"] != tracking) continue;
    EXPECT_EQ(t["guide"], guide);
    EXPECT_EQ(t["hall"], hall);
  }
  EXPECT_TRUE(listed.contains(tracking));
  ExpectErrorJson(Gateway("GET", "/mobile/v1/tasks?limit=0", "", Bearer(token)), 400,
                  "bad_request");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/tasks?cursor=c1.1.1", "", Bearer(token)), 400,
                  "bad_request");

  // Progress, idempotent: the same key twice changes nothing twice; another body is 409.
  auto progress = [&](const json& body, const std::string& key) {
    auto headers = Bearer(token);
    headers["Idempotency-Key"] = key;
    headers["X-Device-Time"] = "2026-11-28T10:00:00+08:00";
    return Gateway("POST", "/mobile/v1/cases/" + tracking + "/progress", body.dump(), headers);
  };
  const std::string first_key = Unique("p-");
  auto collected = progress({{"kind", "materials_collected"}}, first_key);
  ASSERT_EQ(collected.status, 200) << collected.body;
  EXPECT_EQ(Body(collected)["state"], "in_progress");
  EXPECT_EQ(progress({{"kind", "materials_collected"}}, first_key).body, collected.body);
  ExpectErrorJson(progress({{"kind", "note"}, {"text", "other"}}, first_key), 409,
                  "idempotency_key_reused");
  ExpectErrorJson(progress({{"kind", "result_obtained"}}, Unique("p-")), 422, "validation_failed");
  ExpectErrorJson(progress({{"kind", "handed_to_applicant"}, {"id_last4", "002X"}}, Unique("p-")),
                  409, "illegal_transition");
  ExpectErrorJson(progress({{"kind", "flying"}}, Unique("p-")), 422, "validation_failed");

  // A photo of the collected materials.
  auto photo_headers = Bearer(token);
  photo_headers["Content-Type"] = "image/png";
  photo_headers["Idempotency-Key"] = Unique("photo-");
  auto photo =
      Gateway("POST", "/mobile/v1/cases/" + tracking + "/attachments", TinyPng(), photo_headers);
  ASSERT_EQ(photo.status, 201) << photo.body;
  EXPECT_EQ(Body(photo)["width"], 2);
  photo_headers["Content-Type"] = "image/jpeg";  // lies about its type
  photo_headers["Idempotency-Key"] = Unique("photo-");
  EXPECT_EQ(
      Gateway("POST", "/mobile/v1/cases/" + tracking + "/attachments", TinyPng(), photo_headers)
          .status,
      415);

  // A cold start (a new phone, no cursor) reads the open tasks as they stand, a page at a time,
  // then goes on with the events from where it began.
  {
    std::string cursor;
    bool seen = false;
    for (int page = 0; page < 100; ++page) {
      auto synced =
          Gateway("GET", "/mobile/v1/sync?limit=5" + (cursor.empty() ? "" : "&cursor=" + cursor),
                  "", Bearer(token));
      ASSERT_EQ(synced.status, 200) << synced.body;
      auto answer = Body(synced);
      EXPECT_LE(answer["tasks"].size(), 5u);
      for (const auto& task : answer["tasks"]) seen = seen || task["tracking_number"] == tracking;
      cursor = answer["cursor"];
      if (!answer["more"].get<bool>()) break;
      EXPECT_EQ(cursor.substr(0, 3), "w1.") << "within the open tasks";
    }
    EXPECT_TRUE(seen) << "the task in progress is among the open tasks";
    EXPECT_EQ(cursor.substr(0, 3), "e1.") << "the events go on after the last page";
  }

  // Location batches: the newest fix moves the live position, an older one only the history.
  auto fixes = [&](const std::string& time, double lat) {
    json batch = {{"fixes", json::array()}};
    for (int i = 0; i < 50; ++i) {
      batch["fixes"].push_back(
          {{"lat", lat + i * 0.0001}, {"lng", 117.05}, {"accuracy", 8}, {"device_time", time}});
    }
    return Gateway("POST", "/mobile/v1/locations", batch.dump(), Bearer(token));
  };
  EXPECT_EQ(fixes(MinutesAgo(5), 36.66).status, 200);
  EXPECT_EQ(fixes(MinutesAgo(9), 36.60).status, 200);
  ExpectErrorJson(
      Gateway("POST", "/mobile/v1/locations",
              R"({"fixes":[{"lat":95,"lng":117,"device_time":")" + MinutesAgo(1) + R"("}]})",
              Bearer(token)),
      422, "validation_failed");

  // The offline batch: out of order, with a duplicate of an online report and of itself.
  const std::string result_key = Unique("s-");
  json items =
      json::array({{{"idempotency_key", result_key},
                    {"device_time", "2026-11-28T11:30:00+08:00"},
                    {"kind", "progress"},
                    {"tracking_number", tracking},
                    {"body", {{"kind", "result_obtained"}, {"result_reference", "户口簿-0001"}}}},
                   {{"idempotency_key", first_key},
                    {"device_time", "2026-11-28T10:00:00+08:00"},
                    {"kind", "progress"},
                    {"tracking_number", tracking},
                    {"body", {{"kind", "materials_collected"}}}},
                   {{"idempotency_key", Unique("s-")},
                    {"device_time", "2026-11-28T11:00:00+08:00"},
                    {"kind", "progress"},
                    {"tracking_number", tracking},
                    {"body", {{"kind", "submitted_to_window"}, {"department_code", "JN-GA"}}}},
                   {{"idempotency_key", result_key},
                    {"device_time", "2026-11-28T11:30:00+08:00"},
                    {"kind", "progress"},
                    {"tracking_number", tracking},
                    {"body", {{"kind", "result_obtained"}, {"result_reference", "户口簿-0001"}}}},
                   {{"idempotency_key", Unique("s-")},
                    {"device_time", "2026-11-28T11:40:00+08:00"},
                    {"kind", "progress"},
                    {"tracking_number", "DB0000000000A"},
                    {"body", {{"kind", "note"}, {"text", "x"}}}}});
  auto synced = Gateway("POST", "/mobile/v1/sync", json{{"items", items}}.dump(), Bearer(token));
  ASSERT_EQ(synced.status, 200) << synced.body;
  auto outcomes = Body(synced)["outcomes"];
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_EQ(outcomes[0]["status"], "applied");  // result_obtained, after submitted_to_window
  EXPECT_EQ(outcomes[0]["result"]["state"], "result_ready");
  EXPECT_EQ(outcomes[1]["status"], "applied");  // the online report's answer, replayed
  EXPECT_EQ(outcomes[2]["status"], "applied");
  EXPECT_EQ(outcomes[3]["status"], "applied");  // its own duplicate: the first answer again
  EXPECT_EQ(outcomes[3]["result"], outcomes[0]["result"]);
  EXPECT_EQ(outcomes[4]["status"], "refused");
  EXPECT_EQ(outcomes[4]["code"], "not_assigned_to_you");
  // The timeline has each report once, in device-time order.
  auto view = Body(Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor)));
  EXPECT_EQ(view["state"], "result_ready");
  int results = 0, collected_events = 0;
  for (const auto& e : view["timeline"]) {
    results += e["type"] == "result_obtained";
    collected_events += e["type"] == "start_progress";
  }
  EXPECT_EQ(results, 1);
  EXPECT_EQ(collected_events, 1);
  // The window hands the result over: a wrong ID is refused, the right one closes the case.
  const std::string window = StaffLogin("13800000003");
  ExpectErrorJson(Gateway("POST", "/api/v1/cases/" + tracking + "/handover",
                          R"({"recipient_name":"刘市民","id_last4":"9999"})", Bearer(window)),
                  422, "validation_failed");
  auto handed = Gateway("POST", "/api/v1/cases/" + tracking + "/handover",
                        R"({"recipient_name":"刘市民","id_last4":"002X"})", Bearer(window));
  ASSERT_EQ(handed.status, 200) << handed.body;
  EXPECT_EQ(Body(handed)["state"], "closed");
  auto changes = Body(Gateway("GET", "/mobile/v1/sync", "", Bearer(token)));
  EXPECT_TRUE(changes["cursor"].is_string());
  ExpectErrorJson(Gateway("GET", "/mobile/v1/sync?cursor=zzz", "", Bearer(token)), 400,
                  "bad_request");

  // Refresh, then the phone is lost: a supervisor revokes the device.
  auto refreshed = Gateway("POST", "/mobile/v1/auth/refresh",
                           json{{"refresh_token", refresh}, {"device_id", device}}.dump());
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  std::string new_token = Body(refreshed)["access_token"];
  std::int64_t me = Body(Gateway("GET", "/mobile/v1/me", "", Bearer(new_token)))["user"]["id"];
  auto revoked = Gateway("POST", "/api/v1/auth/devices/revoke",
                         json{{"user_id", me}, {"device_id", device}}.dump(), Bearer(supervisor));
  EXPECT_EQ(Body(revoked)["revoked"], true);
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me", "", Bearer(new_token)), 401, "unauthorized");
}

// The agent's hand-over from the phone follows the window's rule: the last four characters of
// the applicant's ID, and 5 wrong guesses on the case block every hand-over of it (the
// window's too) until a supervisor of the region unblocks it.
TEST(MobileE2eTest, AnAgentHandsOverOnlyWithTheApplicantsId) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = AcceptedCase();
  const std::string agent = AgentTakes(tracking, supervisor);
  ASSERT_FALSE(agent.empty());
  auto progress = [&](const json& body) {
    auto headers = Bearer(agent);
    headers["Idempotency-Key"] = Unique("h-");
    headers["X-Device-Time"] = MinutesAgo(0);
    return Gateway("POST", "/mobile/v1/cases/" + tracking + "/progress", body.dump(), headers);
  };
  for (const json& step :
       {json{{"kind", "materials_collected"}}, json{{"kind", "submitted_to_window"}},
        json{{"kind", "result_obtained"}, {"result_reference", "R-1"}}}) {
    ASSERT_EQ(progress(step).status, 200);
  }
  auto missing = progress({{"kind", "handed_to_applicant"}});
  ExpectErrorJson(missing, 422, "validation_failed");
  EXPECT_EQ(Body(missing)["error"]["field"], "id_last4");
  for (int guess = 1; guess <= 4; ++guess) {
    auto wrong = progress({{"kind", "handed_to_applicant"}, {"id_last4", "9999"}});
    ExpectErrorJson(wrong, 422, "validation_failed");
    EXPECT_EQ(Body(wrong)["error"]["field"], "id_last4");
  }
  EXPECT_FALSE(HasAlert(supervisor, tracking, "identity_blocked"));
  ExpectErrorJson(progress({{"kind", "handed_to_applicant"}, {"id_last4", "9999"}}), 423,
                  "identity_check_blocked");
  // Blocked: the right ID does not pass either, from the phone or at the window.
  ExpectErrorJson(progress({{"kind", "handed_to_applicant"}, {"id_last4", "002X"}}), 423,
                  "identity_check_blocked");
  ExpectErrorJson(Gateway("POST", "/api/v1/cases/" + tracking + "/handover",
                          R"({"recipient_name":"刘市民","id_last4":"002X"})",
                          Bearer(StaffLogin("13800000003"))),
                  423, "identity_check_blocked");
  EXPECT_TRUE(HasAlert(supervisor, tracking, "identity_blocked"));
  // Only a supervisor of the case's region unblocks it.
  ExpectErrorJson(Gateway("POST", "/api/v1/cases/" + tracking + "/handover/unblock", "{}",
                          Bearer(StaffLogin("13800000002"))),
                  404, "not_found");
  ExpectErrorJson(
      Gateway("POST", "/api/v1/cases/" + tracking + "/handover/unblock", "{}", Bearer(agent)), 403,
      "forbidden");
  auto unblocked =
      Gateway("POST", "/api/v1/cases/" + tracking + "/handover/unblock", "{}", Bearer(supervisor));
  ASSERT_EQ(unblocked.status, 200) << unblocked.body;
  ExpectDocumented(unblocked, "post", "/api/v1/cases/{tracking}/handover/unblock");
  auto handed = progress({{"kind", "handed_to_applicant"}, {"id_last4", "002x"}});
  ASSERT_EQ(handed.status, 200) << handed.body;
  EXPECT_EQ(Body(handed)["state"], "delivered");
}

// The rotation rule: a spent refresh token presented again was copied, so the whole chain of
// its device ends (the tokens refreshed from it and their sessions), not only the copy.
TEST(MobileE2eTest, ReusingASpentRefreshTokenRevokesTheDevicesChain) {
  const std::string device = Unique("device-");
  auto login = PhoneLogin("13900000068", device);  // a demo agent of 南部山区
  const std::string spent = login["refresh_token"];
  auto refreshed = Gateway("POST", "/mobile/v1/auth/refresh",
                           json{{"refresh_token", spent}, {"device_id", device}}.dump());
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string access = Body(refreshed)["access_token"];
  const std::string next_refresh = Body(refreshed)["refresh_token"];
  ASSERT_EQ(Gateway("GET", "/mobile/v1/me", "", Bearer(access)).status, 200);

  ExpectErrorJson(Gateway("POST", "/mobile/v1/auth/refresh",
                          json{{"refresh_token", spent}, {"device_id", device}}.dump()),
                  401, "unauthorized");
  // Everything derived from the spent token is gone too.
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me", "", Bearer(access)), 401, "unauthorized");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me", "", Bearer(login["access_token"])), 401,
                  "unauthorized");
  ExpectErrorJson(Gateway("POST", "/mobile/v1/auth/refresh",
                          json{{"refresh_token", next_refresh}, {"device_id", device}}.dump()),
                  401, "unauthorized");
  // Signing in again starts a new chain.
  auto again = PhoneLogin("13900000068", device);
  EXPECT_EQ(Gateway("GET", "/mobile/v1/me", "", Bearer(again["access_token"])).status, 200);
}

TEST(MobileE2eTest, DutyAndSignOut) {
  const std::string device = Unique("device-");
  auto login = PhoneLogin("13900000068", device);  // a demo agent of 南部山区
  const std::string token = login["access_token"];
  auto off = Gateway("PUT", "/mobile/v1/me/duty", R"({"on_duty":false})", Bearer(token));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(Body(Gateway("GET", "/mobile/v1/me", "", Bearer(token)))["agent"]["on_duty"], false);
  EXPECT_EQ(Gateway("PUT", "/mobile/v1/me/duty", R"({"on_duty":true})", Bearer(token)).status, 200);
  EXPECT_EQ(Body(Gateway("GET", "/mobile/v1/me", "", Bearer(token)))["agent"]["on_duty"], true);
  ExpectErrorJson(Gateway("PUT", "/mobile/v1/me/duty", R"({"on_duty":"yes"})", Bearer(token)), 422,
                  "validation_failed");
  auto out =
      Gateway("POST", "/mobile/v1/auth/logout", json{{"device_id", device}}.dump(), Bearer(token));
  ASSERT_EQ(out.status, 200) << out.body;
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me", "", Bearer(token)), 401, "unauthorized");
  ExpectErrorJson(
      Gateway("POST", "/mobile/v1/auth/refresh",
              json{{"refresh_token", login["refresh_token"]}, {"device_id", device}}.dump()),
      401, "unauthorized");
}

TEST(MobileE2eTest, OnlyAgentsAndCouriersUseThePhoneApi) {
  auto refused = Gateway(
      "POST", "/mobile/v1/auth/login",
      json{{"phone", "13800000001"}, {"password", "daiban-demo"}, {"device_id", "d1"}}.dump());
  ExpectErrorJson(refused, 403, "forbidden");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/tasks", "", Bearer(StaffLogin("13800000001"))), 403,
                  "forbidden");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/tasks"), 401, "unauthorized");
}

// A sum over the mobile gateway's /metrics lines of one family (all label sets).
double MobileMetric(const std::string& family) {
  auto metrics =
      daiban::testing::Request("127.0.0.1", Stack::ServicePort("mobile"), "GET", "/metrics");
  std::regex line("(?:^|\n)" + family + "(?:\\{[^}]*\\})? ([0-9.e+]+)");
  double total = 0;
  for (std::sregex_iterator it(metrics.body.begin(), metrics.body.end(), line), end; it != end;
       ++it) {
    total += std::stod((*it)[1]);
  }
  return total;
}

// The phone's long-poll through the gateway: a wait is held (by no thread) until a change of
// the caller's own offers or tasks commits, and answered with the token for the next wait.
TEST(MobileE2eTest, AWaitingPhoneIsAnsweredWhenItsTasksChange) {
  const std::string supervisor = StaffLogin("13800000001");
  // 赵代办 (13800000004), a demo agent of 历下区, and its id on the board.
  const std::string token = PhoneLogin("13800000004", Unique("device-"))["access_token"];
  const auto board =
      Body(Gateway("GET", "/api/v1/dispatch/agents?region=370102", "", Bearer(supervisor)));
  std::int64_t zhao = 0;
  for (const auto& agent : board["agents"]) {
    if (agent["phone"] == "13800000004") zhao = agent["id"];
  }
  ASSERT_NE(zhao, 0);

  auto first = Gateway("GET", "/mobile/v1/me/wait", "", Bearer(token));
  ASSERT_EQ(first.status, 200) << first.body;
  ExpectDocumented(first, "get", "/mobile/v1/me/wait");
  EXPECT_EQ(Body(first)["changed"], true) << "without a token the phone reads at once";
  EXPECT_EQ(Body(first)["changes"], json::array({"offer", "case", "delivery"}))
      << "a phone that just opened reads everything";
  std::string since = Body(first)["since"];

  const std::string tracking = AcceptedCase();
  auto ready = [](const std::future<RawResponse>& call) {
    return call.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  };
  // A wait is answered at once when something of the agent's changed since its token (dispatch
  // may just have offered it the case): then the phone reads and waits again with the new token,
  // until a wait is held.
  std::future<RawResponse> waiting;
  bool held = false;
  // Read before the wait is sent: dispatch may offer the case to 赵代办 at any moment, and that
  // commit's notification may answer the held wait before the assignment below does.
  double woken_before = 0;
  for (int attempt = 0; attempt < 20 && !held; ++attempt) {
    woken_before = MobileMetric("daiban_phone_wake_seconds_count");
    waiting = std::async(std::launch::async, [&token, since] {
      return Gateway("GET", "/mobile/v1/me/wait?timeout_s=25&since=" + since, "", Bearer(token));
    });
    ASSERT_TRUE(Eventually(
        [&] { return ready(waiting) || MobileMetric("daiban_phone_waiting") >= 1; }, 10));
    held = !ready(waiting);
    if (!held) {
      auto early = waiting.get();
      ASSERT_EQ(early.status, 200) << early.body;
      EXPECT_EQ(Body(early)["changed"], true);
      since = Body(early)["since"];
    }
  }
  ASSERT_TRUE(held) << "a wait with the newest token is held";
  auto assigned =
      Gateway("POST", "/api/v1/dispatch/cases/" + tracking + "/assign",
              json{{"agent_id", zhao}, {"reason", "熟悉户籍业务"}}.dump(), Bearer(supervisor));
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  auto answered = waiting.get();
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(Body(answered)["changed"], true);
  EXPECT_FALSE(Body(answered)["changes"].empty()) << answered.body;
  EXPECT_GT(std::stoll(Body(answered)["since"].get<std::string>()), std::stoll(since));
  EXPECT_GT(MobileMetric("daiban_phone_wake_seconds_count"), woken_before)
      << "answered by a commit's notification, not by its timeout";

  // With the newest token a quiet wait is answered unchanged when it times out.
  std::string latest = Body(answered)["since"];
  bool quiet = false;
  for (int attempt = 0; attempt < 5 && !quiet; ++attempt) {
    auto again =
        Gateway("GET", "/mobile/v1/me/wait?timeout_s=1&since=" + latest, "", Bearer(token));
    ASSERT_EQ(again.status, 200) << again.body;
    quiet = Body(again)["changed"] == false;
    if (quiet) {
      EXPECT_EQ(Body(again)["since"], latest);
      EXPECT_EQ(Body(again)["changes"], json::array());
    }
    latest = Body(again)["since"];
  }
  EXPECT_TRUE(quiet) << "a wait with the newest token is held until its timeout";
  // Held longer than the services' usual 5-second header timeout, a quiet wait is still
  // answered by its own timeout, not cut with a 408 (the phones would reconnect every 5 s).
  auto long_wait =
      Gateway("GET", "/mobile/v1/me/wait?timeout_s=7&since=" + latest, "", Bearer(token));
  ASSERT_EQ(long_wait.status, 200) << long_wait.body;
  EXPECT_EQ(Body(long_wait)["since"], latest);

  ExpectErrorJson(Gateway("GET", "/mobile/v1/me/wait?timeout_s=0", "", Bearer(token)), 400,
                  "bad_request");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me/wait?timeout_s=26", "", Bearer(token)), 400,
                  "bad_request");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me/wait?since=-1", "", Bearer(token)), 400,
                  "bad_request");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me/wait"), 401, "unauthorized");
  ExpectErrorJson(Gateway("GET", "/mobile/v1/me/wait", "", Bearer(supervisor)), 403, "forbidden");
}

}  // namespace
}  // namespace daiban::e2e
