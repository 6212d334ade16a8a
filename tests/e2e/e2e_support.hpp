#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"
#include "schema_check.hpp"

namespace daiban::e2e {

using daiban::testing::RawResponse;

// Ports and controls of the stack that deploy/local/test.sh started.
struct Stack {
  static std::uint16_t Gateway() {
    return daiban::testing::RequiredPortEnv("DAIBAN_TEST_GATEWAY_PORT");
  }
  static std::uint16_t ServicePort(const std::string& service) {
    std::string upper;
    for (char c : service) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return daiban::testing::RequiredPortEnv("DAIBAN_TEST_" + upper + "_PORT");
  }
  // Runs deploy/local/stack.sh test ACTION [ARG]; fails the test when it fails.
  static void Control(const std::string& action, const std::string& arg = {}) {
    std::string command = daiban::testing::RequiredEnv("DAIBAN_TEST_STACK") + " test " + action +
                          (arg.empty() ? "" : " " + arg) + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
};

// api/openapi.json, read once.
inline const daiban::testing::SchemaCheck& Document() {
  static const daiban::testing::SchemaCheck check = [] {
    std::ifstream in(std::string(DAIBAN_SOURCE_DIR) + "/api/openapi.json");
    return daiban::testing::SchemaCheck(nlohmann::json::parse(in));
  }();
  return check;
}

// The response is what api/openapi.json says `method` `path` (in the document's spelling,
// "/api/v1/cases/{tracking}") answers with its status: a field the document does not describe
// fails where the schema promises the whole object.
inline void ExpectDocumented(const RawResponse& response, const std::string& method,
                             const std::string& path) {
  auto schema = Document().ResponseSchema(method, path, response.status);
  ASSERT_FALSE(schema.is_null()) << method << " " << path << " has no documented "
                                 << response.status << " JSON response";
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << "not JSON: " << response.body;
  auto problems = Document().Problems(body, schema);
  std::string all;
  for (const auto& p : problems) all += "\n  " + p;
  EXPECT_TRUE(problems.empty()) << method << " " << path << " " << response.status
                                << " differs from api/openapi.json:" << all;
}

// Every successful JSON answer an end-to-end test receives through the gateway is checked
// against the operation api/openapi.json documents for it, so the document cannot drift from
// what the services send. Paths the document does not list are left to the contract test.
inline void CheckAgainstDocument(const std::string& method, const std::string& target,
                                 const RawResponse& response) {
  if (response.status < 200 || response.status >= 300) return;
  auto type = response.Header("content-type");
  if (!type || type->find("application/json") == std::string::npos) return;
  std::string lower;
  for (char c : method) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto path = Document().DocumentedPath(lower, target.substr(0, target.find('?')));
  if (!path.empty()) ExpectDocumented(response, lower, path);
}

inline RawResponse Gateway(const std::string& method, const std::string& target,
                           const std::string& body = {},
                           const std::map<std::string, std::string>& headers = {}) {
  auto response =
      daiban::testing::Request("127.0.0.1", Stack::Gateway(), method, target, body, headers);
  CheckAgainstDocument(method, target, response);
  return response;
}

// The JSON body of a response (throws on a body that is not JSON).
inline nlohmann::json Body(const RawResponse& response) {
  return nlohmann::json::parse(response.body);
}

// Every element of a cursor-paged list, `limit` at a time: `path` (with or without a query) is
// asked again with the page's `next_cursor` until it is null. No page may be longer than
// `limit`; a page that fails stops the walk (the caller sees what came before it).
inline std::vector<nlohmann::json> EveryPage(const std::string& path,
                                             const std::map<std::string, std::string>& headers,
                                             const std::string& key, int limit) {
  std::vector<nlohmann::json> all;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    std::string target =
        path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=" + std::to_string(limit);
    if (!cursor.empty()) target += "&cursor=" + cursor;  // cursors are URL-safe as they are
    auto response = Gateway("GET", target, "", headers);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    if (response.status != 200) break;
    auto body = Body(response);
    EXPECT_LE(body[key].size(), static_cast<std::size_t>(limit)) << target;
    for (auto& element : body[key]) all.push_back(std::move(element));
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"].get<std::string>();
  }
  return all;
}

inline std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// The body matches the named schema of components/schemas.
inline void ExpectSchema(const nlohmann::json& body, const std::string& name) {
  auto problems = Document().Problems(body, Document().Named(name));
  std::string all;
  for (const auto& p : problems) all += "\n  " + p;
  EXPECT_TRUE(problems.empty()) << "not a " << name << ":" << all;
}

// Signs a demo staff account in with the demo password; returns its token ("" on failure).
inline std::string StaffLogin(const std::string& phone) {
  auto response = Gateway("POST", "/api/v1/auth/login",
                          nlohmann::json{{"phone", phone}, {"password", "daiban-demo"}}.dump());
  EXPECT_EQ(response.status, 200) << phone << ": " << response.body;
  if (response.status == 200) ExpectDocumented(response, "post", "/api/v1/auth/login");
  return response.status == 200 ? Body(response)["token"].get<std::string>() : "";
}

// The error JSON of DESIGN.md, with the request id that the X-Request-Id header carries.
inline void ExpectErrorJson(const RawResponse& response, int status, const std::string& code) {
  EXPECT_EQ(response.status, status) << response.body;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << "not JSON: " << response.body;
  ASSERT_TRUE(body.contains("error")) << response.body;
  ExpectSchema(body, "Error");  // nothing more, nothing less than the document says
  if (!code.empty()) {
    EXPECT_EQ(body["error"]["code"], code) << response.body;
  }
  EXPECT_TRUE(body["error"]["message"].is_string());
  ASSERT_TRUE(body["request_id"].is_string());
  EXPECT_FALSE(body["request_id"].get<std::string>().empty());
  EXPECT_EQ(response.Header("x-request-id"), body["request_id"].get<std::string>());
}

// Polls `probe` until it returns true or about `seconds` pass.
template <typename Probe>
bool Eventually(Probe probe, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// A fresh idempotency key, device id or other unique word, beginning with `prefix`.
inline std::string Unique(const std::string& prefix) {
  static std::mt19937_64 engine(std::random_device{}());
  return prefix + std::to_string(engine());
}

// A 户口迁移 (GA-002) request for 历下区 by a citizen, every material provided, the result
// collected at the window: the case most tests start from, changed where a test needs to.
inline nlohmann::json LixiaCaseRequest() {
  using nlohmann::json;
  return {{"item_code", "GA-002"},
          {"mode", "proxy"},
          {"region_code", "370102001"},
          {"applicant",
           {{"kind", "citizen"},
            {"name", "刘市民"},
            {"phone", "13912345678"},
            {"id_number", "11010519491231002X"},
            {"address", "历下区解放路1号"},
            {"location", {{"lat", 36.66}, {"lng", 117.05}}}}},
          {"materials", json::array({{{"seq", 1}, {"status", "provided"}},
                                     {{"seq", 2}, {"status", "provided"}},
                                     {{"seq", 3}, {"status", "provided"}},
                                     {{"seq", 4}, {"status", "provided"}},
                                     {{"seq", 5}, {"status", "provided"}}})},
          {"delivery", {{"method", "window"}}}};
}

// The cases this test process submitted, by tracking number, with the access code their last
// answer gave (a repeated submission hands out a fresh code and the earlier one stops working).
inline std::map<std::string, std::string>& SubmittedCases() {
  static std::map<std::string, std::string> cases;
  return cases;
}

// When a test process ends, its applicants cancel every case it submitted that is still open.
// Every test shares the stack's few 历下区 agents, and a case left waiting or assigned keeps an
// agent's place (a pending offer for minutes, an open case until cancelled): outside office
// hours only three agents of 历下区 are at work, and later tests' offers waited behind earlier
// tests' cases. Best effort and quiet: a case that is closed, delivered or already cancelled
// answers 409, which changes nothing.
class CancelSubmittedCases : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& [tracking, code] : SubmittedCases()) {
      daiban::testing::Request("127.0.0.1", Stack::Gateway(), "POST",
                               "/api/v1/cases/" + tracking + "/cancel?code=" + code,
                               R"({"reason":"测试结束"})", {});
    }
  }
};
inline ::testing::Environment* const kCancelSubmittedCases =
    ::testing::AddGlobalTestEnvironment(new CancelSubmittedCases);

// Submits `request` as an anonymous applicant under `key`; the gateway's answer. The case is
// cancelled when the test process ends, if it is still open then.
inline RawResponse SubmitCase(const nlohmann::json& request, const std::string& key) {
  auto response = Gateway("POST", "/api/v1/cases", request.dump(), {{"Idempotency-Key", key}});
  if (response.status == 201) {
    auto body = Body(response);
    SubmittedCases()[body["tracking_number"]] = body["access_code"];
  }
  return response;
}

// A LixiaCaseRequest() case, submitted and accepted by the demo window; its tracking number.
inline std::string AcceptedCase() {
  auto created = SubmitCase(LixiaCaseRequest(), Unique("case-"));
  EXPECT_EQ(created.status, 201) << created.body;
  std::string tracking = Body(created)["tracking_number"];
  auto accepted = Gateway("POST", "/api/v1/cases/" + tracking + "/accept", "{}",
                          Bearer(StaffLogin("13800000003")));
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  return tracking;
}

// RFC 3339 in UTC, `minutes_ago` before now (location fixes must not come from the future).
inline std::string MinutesAgo(int minutes_ago) {
  auto at = std::chrono::system_clock::now() - std::chrono::minutes(minutes_ago);
  std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Signs a demo phone account (agent or courier) in on `device`; the login answer.
// A 2×2 red PNG: signature, IHDR, IDAT (zlib), IEND, with their CRCs.
inline std::string TinyPng() {
  const unsigned char bytes[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
      0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xFD,
      0xD4, 0x9A, 0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8,
      0xCF, 0xC0, 0x00, 0x44, 0x0C, 0x10, 0x0A, 0x00, 0x1F, 0xEE, 0x03, 0xFD, 0x8B, 0x5F, 0x14,
      0xD4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

inline nlohmann::json PhoneLogin(const std::string& phone, const std::string& device) {
  auto response = Gateway(
      "POST", "/mobile/v1/auth/login",
      nlohmann::json{{"phone", phone}, {"password", "daiban-demo"}, {"device_id", device}}.dump());
  EXPECT_EQ(response.status, 200) << response.body;
  if (response.status == 200) ExpectDocumented(response, "post", "/mobile/v1/auth/login");
  return Body(response);
}

// The id of the demo agent with this phone, as `supervisor` sees the board (0: not listed).
inline std::int64_t AgentId(const std::string& supervisor, const std::string& phone) {
  auto agents = Body(Gateway("GET", "/api/v1/dispatch/agents", "", Bearer(supervisor)));
  for (const auto& agent : agents["agents"]) {
    if (agent["phone"] == phone) return agent["id"];
  }
  return 0;
}

// The phone token of whichever 历下区 agent dispatch offered the case to, after it took the
// offer; `supervisor` is a 历下区 supervisor's token.
inline std::string AgentTakes(const std::string& tracking, const std::string& supervisor) {
  std::string token;
  std::int64_t offer_id = 0;
  EXPECT_TRUE(Eventually(
      [&] {
        auto agents =
            Body(Gateway("GET", "/api/v1/dispatch/agents?region=370102", "", Bearer(supervisor)));
        for (const auto& agent : agents["agents"]) {
          if (agent["pending_offers"].get<int>() == 0) continue;
          auto login = PhoneLogin(agent["phone"], Unique("device-"));
          auto listed = Gateway("GET", "/mobile/v1/offers", "", Bearer(login["access_token"]));
          ExpectDocumented(listed, "get", "/mobile/v1/offers");
          auto offers = Body(listed);
          for (const auto& offer : offers["offers"]) {
            if (offer["tracking_number"] != tracking) continue;
            token = login["access_token"];
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
  EXPECT_EQ(taken.status, 200) << taken.body;
  return token;
}

// The courier leg tracking made for an express case once a courier was given it (state
// assigned), within 20 s; a failed expectation and an empty object otherwise. `supervisor` is a
// token of a supervisor of the case's region.
inline nlohmann::json AssignedDelivery(const std::string& tracking, const std::string& supervisor) {
  nlohmann::json delivery = nlohmann::json::object();
  EXPECT_TRUE(Eventually(
      [&] {
        auto legs =
            Body(Gateway("GET", "/api/v1/deliveries?case=" + tracking, "", Bearer(supervisor)));
        if (legs["deliveries"].empty() || legs["deliveries"][0]["state"] != "assigned")
          return false;
        delivery = legs["deliveries"][0];
        return true;
      },
      20))
      << "no courier got the delivery of " << tracking;
  return delivery;
}

// Whether the supervisor's alerts list one of `kind` for the case.
inline bool HasAlert(const std::string& supervisor, const std::string& tracking,
                     const std::string& kind) {
  auto alerts = Body(Gateway("GET", "/api/v1/dispatch/alerts", "", Bearer(supervisor)));
  for (const auto& a : alerts["alerts"]) {
    if (a["tracking_number"] == tracking && a["kind"] == kind) return true;
  }
  return false;
}

}  // namespace daiban::e2e
