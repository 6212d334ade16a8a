// Untrusted input through the gateway: what once answered 500 (or stored a value that later
// broke every view of a case) is now a 4xx error JSON naming the field, on every service; and a
// value already stored outside the accepted range still renders.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using nlohmann::json;

const char* const kYear10000 = "9999-12-31T20:00:00Z";  // 10000-01-01 in China

// The shared request, from an applicant of its own.
json CaseRequest() {
  auto request = LixiaCaseRequest();
  request["applicant"]["name"] = "孙市民";
  request["applicant"]["phone"] = "13912345670";
  request["applicant"]["address"] = "历下区解放路3号";
  return request;
}

std::string Created() {
  auto created = SubmitCase(CaseRequest(), Unique("in-"));
  EXPECT_EQ(created.status, 201) << created.body;
  return Body(created)["tracking_number"];
}

std::string Accepted() {
  const std::string tracking = Created();
  auto accepted = Gateway("POST", "/api/v1/cases/" + tracking + "/accept", "{}",
                          Bearer(StaffLogin("13800000003")));
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  return tracking;
}

// A 4xx error JSON of DESIGN.md naming `field`.
void ExpectRefused(const daiban::testing::RawResponse& response, int status,
                   const std::string& field) {
  ExpectErrorJson(response, status, "");
  auto body = json::parse(response.body, nullptr, false);
  if (!field.empty() && body.is_object() && body.contains("error")) {
    EXPECT_EQ(body["error"].value("field", ""), field) << response.body;
  }
}

TEST(InputE2eTest, NumbersBeyondDoubleAre400OnEveryService) {
  const std::string body = R"({"password":1e400,"phone":"13800000001"})";
  ExpectRefused(Gateway("POST", "/api/v1/auth/login", body), 400, "");
  ExpectRefused(Gateway("POST", "/mobile/v1/auth/login", body), 400, "");
  const std::string supervisor = StaffLogin("13800000001");
  ExpectRefused(Gateway("POST", "/api/v1/dispatch/agents/1/duty", R"({"on_duty":-1e400})",
                        Bearer(supervisor)),
                400, "");
  ExpectRefused(Gateway("PUT", "/api/v1/couriers/1", R"({"capacity":1e999})",
                        Bearer(StaffLogin("13800000000"))),
                400, "");
}

TEST(InputE2eTest, PathIdsThatAreNotUtf8AreNotFound) {
  const std::string supervisor = StaffLogin("13800000001");
  ExpectRefused(Gateway("GET", "/api/v1/cases/%FF%FE", "", Bearer(supervisor)), 404, "tracking");
  ExpectRefused(Gateway("GET", "/api/v1/cases/%FF%FE?code=abc"), 404, "tracking");
  ExpectRefused(Gateway("GET", "/api/v1/items/%C0%AF"), 404, "");
  ExpectRefused(Gateway("GET", "/open311/v2/requests/%FF.json"), 404, "");
  ExpectRefused(Gateway("GET", "/api/v1/track/%FF?code=abc"), 404, "");
}

TEST(InputE2eTest, BrokenCursorsAre400NamingCursor) {
  ExpectRefused(Gateway("GET", "/api/v1/items?cursor=i1.ff"), 400, "cursor");
  ExpectRefused(Gateway("GET", "/api/v1/items?cursor=i1.c0af"), 400, "cursor");
  const std::string supervisor = StaffLogin("13800000001");
  ExpectRefused(
      Gateway("GET", "/api/v1/cases?cursor=k1.9223372036854775807.1", "", Bearer(supervisor)), 400,
      "cursor");
  ExpectRefused(
      Gateway("GET", "/api/v1/cases?cursor=k1.n.99999999999999999999", "", Bearer(supervisor)), 400,
      "cursor");
  ExpectRefused(
      Gateway("GET", "/api/v1/followups?cursor=f1.9223372036854775807.1", "", Bearer(supervisor)),
      400, "cursor");
  auto phone = PhoneLogin("13800000004", Unique("device-"));
  ExpectRefused(Gateway("GET", "/mobile/v1/sync?cursor=e99999999999999999999", "",
                        Bearer(phone["access_token"])),
                400, "cursor");
}

TEST(InputE2eTest, IdempotencyKeysArePrintableAscii) {
  ExpectRefused(
      Gateway("POST", "/api/v1/cases", CaseRequest().dump(), {{"Idempotency-Key", "\xff"}}), 400,
      "Idempotency-Key");
  ExpectRefused(Gateway("POST", "/api/v1/cases", CaseRequest().dump(),
                        {{"Idempotency-Key", std::string(129, 'k')}}),
                400, "Idempotency-Key");
}

TEST(InputE2eTest, NulInATextIsRefused) {
  const std::string tracking = Created();
  const std::string window = StaffLogin("13800000003");
  ExpectRefused(Gateway("POST", "/api/v1/cases/" + tracking + "/reject", R"({"reason":"a\u0000b"})",
                        Bearer(window)),
                400, "reason");
  ExpectRefused(Gateway("GET", "/api/v1/items?q=a%00b"), 400, "q");
  auto request = CaseRequest();
  request["applicant"]["name"] = std::string("a\0b", 3);
  ExpectRefused(
      Gateway("POST", "/api/v1/cases", request.dump(), {{"Idempotency-Key", Unique("in-")}}), 400,
      "name");
  // The case is untouched and still readable.
  auto view = Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(window));
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(Body(view)["state"], "submitted");
}

// The four ways a time enters the system, each with a year-10000 value: refused, naming it.
TEST(InputE2eTest, AYear10000TimeIsRefusedWhereverItEnters) {
  auto request = CaseRequest();
  request["mode"] = "led";
  request["appointment_at"] = kYear10000;
  ExpectRefused(
      Gateway("POST", "/api/v1/cases", request.dump(), {{"Idempotency-Key", Unique("in-")}}), 422,
      "appointment_at");
  request["appointment_at"] = "1999-12-31T23:59:59Z";
  ExpectRefused(
      Gateway("POST", "/api/v1/cases", request.dump(), {{"Idempotency-Key", Unique("in-")}}), 422,
      "appointment_at");

  ExpectRefused(
      Gateway("GET", std::string("/api/v1/calendar/deadline?working_days=3&from=") + kYear10000),
      400, "from");

  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = Accepted();
  const std::string agent = AgentTakes(tracking, supervisor);
  auto headers = Bearer(agent);
  headers["Idempotency-Key"] = Unique("p-");
  headers["X-Device-Time"] = kYear10000;
  ExpectRefused(Gateway("POST", "/mobile/v1/cases/" + tracking + "/progress",
                        R"({"kind":"materials_collected"})", headers),
                400, "X-Device-Time");

  json items = json::array({{{"idempotency_key", Unique("s-")},
                             {"device_time", kYear10000},
                             {"kind", "progress"},
                             {"tracking_number", tracking},
                             {"body", {{"kind", "materials_collected"}}}}});
  auto synced = Gateway("POST", "/mobile/v1/sync", json{{"items", items}}.dump(), Bearer(agent));
  ASSERT_EQ(synced.status, 200) << synced.body;
  auto outcome = Body(synced)["outcomes"][0];
  EXPECT_EQ(outcome["status"], "refused") << outcome;
  EXPECT_EQ(outcome["field"], "device_time") << outcome;

  // Nothing was recorded: the case is still only assigned, and every view answers.
  auto view = Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor));
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(Body(view)["state"], "assigned");
  EXPECT_EQ(Gateway("GET", "/mobile/v1/tasks", "", Bearer(agent)).status, 200);
}

// A device time ahead of the server's clock but inside the range is kept, and flagged.
TEST(InputE2eTest, AFutureDeviceTimeIsKeptAndFlagged) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = Accepted();
  const std::string agent = AgentTakes(tracking, supervisor);
  auto headers = Bearer(agent);
  headers["Idempotency-Key"] = Unique("p-");
  headers["X-Device-Time"] = "2099-06-01T10:00:00+08:00";
  auto progress = Gateway("POST", "/mobile/v1/cases/" + tracking + "/progress",
                          R"({"kind":"materials_collected"})", headers);
  ASSERT_EQ(progress.status, 200) << progress.body;
  auto view = Body(Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor)));
  bool flagged = false;
  for (const auto& e : view["timeline"]) {
    if (e["device_time"] != "2099-06-01T10:00:00+08:00") continue;
    flagged = e["data"].value("device_time_flag", "") == "future";
  }
  EXPECT_TRUE(flagged) << view["timeline"];
}

// A value stored before the range check existed (or written by hand) must not take a view down:
// the staff view, the agent's task list and sync all render it.
TEST(InputE2eTest, AStoredYear10000TimeStillRenders) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string tracking = Accepted();
  const std::string agent = AgentTakes(tracking, supervisor);
  {
    pqxx::connection db(daiban::testing::RequiredEnv("DAIBAN_TEST_APP_PG_URL"));
    pqxx::work tx(db);
    tx.exec_params("UPDATE cases SET appointment_at = $1::timestamptz WHERE tracking_number = $2",
                   kYear10000, tracking);
    tx.commit();
  }
  auto view = Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor));
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(Body(view)["appointment_at"], "9999-12-31T23:59:59+08:00");
  bool listed = false;
  const auto listing = EveryPage("/mobile/v1/tasks", Bearer(agent), "tasks", 100);
  for (const auto& t : listing) {
    if (t["tracking_number"] != tracking) continue;
    listed = true;
    EXPECT_EQ(t["appointment_at"], "9999-12-31T23:59:59+08:00") << t;
  }
  EXPECT_TRUE(listed);
  auto sync = Gateway("GET", "/mobile/v1/sync", "", Bearer(agent));
  ASSERT_EQ(sync.status, 200) << sync.body;
  auto list = Gateway("GET", "/api/v1/cases?region=370102", "", Bearer(supervisor));
  EXPECT_EQ(list.status, 200) << list.body;
}

}  // namespace
}  // namespace daiban::e2e
