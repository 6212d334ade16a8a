// Cases through the gateway, as an applicant, window staff and supervisors use them, on the
// demo data (GA-002 户口迁移: materials 1, 2, 3, 5 essential, 4 optional; 历下区 accounts).
#include <gtest/gtest.h>

#include <random>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using nlohmann::json;

std::string UniqueKey() { return Unique("e2e-"); }

// The shared request with one material missing (容缺) and the result sent by express.
json CaseRequest() {
  auto request = LixiaCaseRequest();
  request["materials"][3]["status"] = "missing";
  request["delivery"] = {{"method", "express"},
                         {"address", "历下区解放路1号"},
                         {"location", {{"lat", 36.66}, {"lng", 117.05}}}};
  return request;
}

RawResponse Submit(const json& request, const std::string& key) { return SubmitCase(request, key); }

struct Submitted {
  std::string tracking;
  std::string code;
};

Submitted NewCase() {
  auto response = Submit(CaseRequest(), UniqueKey());
  EXPECT_EQ(response.status, 201) << response.body;
  auto body = Body(response);
  return {body["tracking_number"], body["access_code"]};
}

TEST(CaseE2eTest, SubmissionIsIdempotent) {
  const std::string key = UniqueKey();
  auto first = Submit(CaseRequest(), key);
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = Submit(CaseRequest(), key);
  EXPECT_EQ(again.status, 201);
  // The same case; the first code is not kept anywhere in clear, so the retry gets a fresh one
  // and the first stops working.
  const std::string tracking = Body(first)["tracking_number"];
  EXPECT_EQ(Body(again)["tracking_number"], tracking);
  EXPECT_EQ(Body(again)["state"], "submitted");
  const std::string fresh = Body(again)["access_code"];
  EXPECT_NE(fresh, Body(first)["access_code"]);
  EXPECT_EQ(Gateway("GET", "/api/v1/cases/" + tracking + "?code=" + fresh).status, 200);
  ExpectErrorJson(Gateway("GET", "/api/v1/cases/" + tracking +
                                     "?code=" + Body(first)["access_code"].get<std::string>()),
                  404, "not_found");
  auto other = CaseRequest();
  other["mode"] = "assisted";
  ExpectErrorJson(Submit(other, key), 409, "idempotency_key_reused");
  ExpectErrorJson(Gateway("POST", "/api/v1/cases", CaseRequest().dump()), 400, "bad_request");
}

// Anonymous keys are scoped by the applicant the request names: another applicant's request
// under the same key is their own submission, never a 409 nor the first applicant's code.
TEST(CaseE2eTest, AnotherApplicantsSameKeyIsAnotherKey) {
  const std::string key = UniqueKey();
  auto first = Submit(CaseRequest(), key);
  ASSERT_EQ(first.status, 201) << first.body;
  auto stranger = CaseRequest();
  stranger["applicant"]["name"] = "王市民";
  stranger["applicant"]["phone"] = "13987654321";
  stranger["applicant"]["id_number"] = "110105198001010032";
  auto second = Submit(stranger, key);
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_NE(Body(second)["tracking_number"], Body(first)["tracking_number"]);
  EXPECT_NE(Body(second)["access_code"], Body(first)["access_code"]);
  // The same body as the first applicant's but another key: yet another case.
  auto third = Submit(CaseRequest(), UniqueKey());
  EXPECT_NE(Body(third)["tracking_number"], Body(first)["tracking_number"]);
}

TEST(CaseE2eTest, BadSubmissionsNameTheField) {
  auto check = [](json request, const std::string& field) {
    auto response = Submit(request, UniqueKey());
    ExpectErrorJson(response, 422, "validation_failed");
    EXPECT_EQ(Body(response)["error"]["field"], field) << response.body;
  };
  auto r = CaseRequest();
  r["applicant"]["phone"] = "1391234";
  check(r, "applicant.phone");
  r = CaseRequest();
  r["applicant"]["id_number"] = "110105194912310021";
  check(r, "applicant.id_number");
  r = CaseRequest();
  r["applicant"]["location"] = {{"lat", 31.23}, {"lng", 121.47}};  // Shanghai
  check(r, "applicant.location");
  r = CaseRequest();
  // 泰安: near, but outside the districts' boundaries.
  r["applicant"]["location"] = {{"lat", 36.19}, {"lng", 117.12}};
  check(r, "applicant.location");
  r = CaseRequest();
  r["materials"][0]["status"] = "missing";
  check(r, "materials");
  r = CaseRequest();
  r["item_code"] = "GA-001";  // 居民身份证换领 is not offered as 代办 with these materials
  r["mode"] = "walk";
  check(r, "mode");
  r = CaseRequest();
  r["applicant"]["name"] = 42;
  check(r, "applicant.name");
}

TEST(CaseE2eTest, TheApplicantFollowsWithTheCodeAndSeesMaskedData) {
  auto c = NewCase();
  auto view = Gateway("GET", "/api/v1/cases/" + c.tracking + "?code=" + c.code);
  ASSERT_EQ(view.status, 200) << view.body;
  auto body = Body(view);
  EXPECT_EQ(body["state"], "submitted");
  EXPECT_EQ(body["applicant"]["phone"], "139****5678");
  EXPECT_EQ(body["applicant"]["name"], "刘**");
  EXPECT_FALSE(body["applicant"].contains("id_number"));
  EXPECT_EQ(body["materials"].size(), 5u);
  EXPECT_EQ(body["timeline"][0]["type"], "created");
  // Typed with lowercase letters, as people do.
  std::string typed = c.tracking;
  for (auto& ch : typed) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(Gateway("GET", "/api/v1/cases/" + typed + "?code=" + c.code).status, 200);
}

TEST(CaseE2eTest, AWrongCodeAnswersLikeAnUnknownNumber) {
  auto c = NewCase();
  auto wrong = Gateway("GET", "/api/v1/cases/" + c.tracking + "?code=AAAAAAAA");
  auto unknown = Gateway("GET", "/api/v1/cases/DB0000000000A?code=AAAAAAAA");
  ExpectErrorJson(wrong, 404, "not_found");
  ExpectErrorJson(unknown, 404, "not_found");
  EXPECT_EQ(Body(wrong)["error"], Body(unknown)["error"]);
  ExpectErrorJson(Gateway("GET", "/api/v1/cases/" + c.tracking), 400, "bad_request");
}

TEST(CaseE2eTest, WindowAcceptsSupervisorsSeeTheirScope) {
  auto c = NewCase();
  const std::string window = StaffLogin("13800000003");
  const std::string path = "/api/v1/cases/" + c.tracking;
  // The missing optional material needs a promised date (容缺).
  auto refused = Gateway("POST", path + "/accept", "{}", Bearer(window));
  ExpectErrorJson(refused, 422, "validation_failed");
  EXPECT_EQ(Body(refused)["error"]["field"], "deferrals");
  auto accepted =
      Gateway("POST", path + "/accept", R"({"deferrals":[{"seq":4,"promised_date":"2099-12-31"}]})",
              Bearer(window));
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  auto body = Body(accepted);
  EXPECT_EQ(body["state"], "accepted");
  EXPECT_TRUE(body["deadline"].is_string());
  EXPECT_EQ(body["urgency"], "on_track");
  EXPECT_EQ(body["materials"][3]["status"], "deferred");
  // An illegal transition names the rule and the current state.
  auto rejected = Gateway("POST", path + "/reject", R"({"reason":"x"})", Bearer(window));
  ExpectErrorJson(rejected, 409, "illegal_transition");
  EXPECT_NE(Body(rejected)["error"]["message"].get<std::string>().find("accepted"),
            std::string::npos);
  // A stale version.
  ExpectErrorJson(
      Gateway("POST", path + "/suspend", R"({"reason":"x","version":1})", Bearer(window)), 409,
      "stale_version");
  // 历下区's supervisor sees the case in full; 市中区's gets 404.
  auto lixia = Gateway("GET", path, "", Bearer(StaffLogin("13800000001")));
  ASSERT_EQ(lixia.status, 200);
  EXPECT_EQ(Body(lixia)["applicant"]["phone"], "13912345678");
  EXPECT_EQ(Body(lixia)["timeline"][1]["actor"]["name"], "王窗口");
  ExpectErrorJson(Gateway("GET", path, "", Bearer(StaffLogin("13800000002"))), 404, "not_found");
  // The list, with filters.
  auto list = Gateway("GET", "/api/v1/cases?state=accepted&region=370102&limit=100", "",
                      Bearer(StaffLogin("13800000001")));
  ASSERT_EQ(list.status, 200) << list.body;
  bool found = false;
  const json listed = Body(list);  // kept alive: a range-for over a temporary's member dangles
  for (const auto& item : listed["cases"]) found |= item["tracking_number"] == c.tracking;
  EXPECT_TRUE(found) << list.body;
  ExpectErrorJson(Gateway("GET", "/api/v1/cases?state=flying", "", Bearer(window)), 400,
                  "bad_request");
  ExpectErrorJson(Gateway("GET", "/api/v1/cases"), 401, "unauthorized");
}

// A staff write with an Idempotency-Key, through the gateway: a retry gets the first answer
// (same status, same body, the timeline holding one acceptance) and the key with another body
// is 409; without a key a repeated acceptance is the state machine's 409.
TEST(CaseE2eTest, AKeyedStaffWriteIsAnsweredOnceAndReplayed) {
  auto c = NewCase();
  auto headers = Bearer(StaffLogin("13800000003"));
  headers["Idempotency-Key"] = UniqueKey();
  const std::string path = "/api/v1/cases/" + c.tracking + "/accept";
  const std::string body = R"({"deferrals":[{"seq":4,"promised_date":"2099-12-31"}]})";
  auto first = Gateway("POST", path, body, headers);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Body(first)["state"], "accepted");
  EXPECT_EQ(Body(first)["timeline"].size(), 2u);
  auto again = Gateway("POST", path, body, headers);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  auto now = Gateway("GET", "/api/v1/cases/" + c.tracking, "", headers);
  ASSERT_EQ(now.status, 200);
  EXPECT_EQ(Body(now)["timeline"].size(), 2u) << "the retry wrote nothing";
  ExpectErrorJson(Gateway("POST", path, R"({"deferrals":[]})", headers), 409,
                  "idempotency_key_reused");
  headers.erase("Idempotency-Key");
  ExpectErrorJson(Gateway("POST", path, body, headers), 409, "illegal_transition");
  headers["Idempotency-Key"] = std::string(129, 'k');
  ExpectErrorJson(Gateway("POST", path, body, headers), 400, "bad_request");
}

TEST(CaseE2eTest, ThePublicTrackingPageAndApi) {
  auto c = NewCase();
  auto tracked = Gateway("GET", "/api/v1/track/" + c.tracking + "?code=" + c.code);
  ASSERT_EQ(tracked.status, 200) << tracked.body;
  EXPECT_EQ(Body(tracked)["state"], "submitted");
  EXPECT_EQ(Body(tracked)["timeline"][0]["label"], "已提交");
  EXPECT_FALSE(Body(tracked).contains("applicant")) << "no personal data on the public view";
  ExpectErrorJson(Gateway("GET", "/api/v1/track/" + c.tracking + "?code=AAAAAAAA"), 404,
                  "not_found");
  ExpectErrorJson(Gateway("GET", "/api/v1/track/" + c.tracking), 400, "bad_request");
  auto page = Gateway("GET", "/track/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.Header("content-type")->find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("代办件查询"), std::string::npos);
  // Everything served locally: no resource or request leaves the site (the SVG namespace URI
  // is a name, not an address).
  for (const std::string outside :
       {"src=\"http", "href=\"http", "url(http", "fetch(\"http", "//cdn"}) {
    EXPECT_EQ(page.body.find(outside), std::string::npos) << outside;
  }
  ExpectErrorJson(Gateway("GET", "/track/other.js"), 404, "not_found");
}

TEST(CaseE2eTest, TheApplicantSuppliesCancelsAndCannotRateEarly) {
  auto c = NewCase();
  const std::string path = "/api/v1/cases/" + c.tracking;
  auto supplied = Gateway("POST", path + "/materials?code=" + c.code, R"({"seq":4})");
  ASSERT_EQ(supplied.status, 200) << supplied.body;
  EXPECT_EQ(Body(supplied)["materials"][3]["status"], "supplied");
  ExpectErrorJson(Gateway("POST", path + "/materials?code=" + c.code, R"({"seq":4})"), 409,
                  "material_not_missing");
  ExpectErrorJson(Gateway("POST", path + "/rating?code=" + c.code, R"({"score":5})"), 409,
                  "not_delivered");
  ExpectErrorJson(Gateway("POST", path + "/rating?code=" + c.code, R"({"score":9})"), 422,
                  "validation_failed");
  auto cancelled = Gateway("POST", path + "/cancel?code=" + c.code, R"({"reason":"不需要了"})");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(Body(cancelled)["state"], "cancelled");
  ExpectErrorJson(Gateway("POST", path + "/cancel?code=" + c.code, "{}"), 409,
                  "illegal_transition");
}

}  // namespace
}  // namespace daiban::e2e
