// The gateway and the four services, as a client meets them: routing by prefix, the error
// JSON of every refusal, bad requests, slow clients and dependency outages.
#include <gtest/gtest.h>

#include <regex>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using daiban::testing::Request;
using daiban::testing::SendRaw;
using std::chrono::milliseconds;

// How many 404s for unmatched routes a service has answered, from its /metrics.
// GET requests the service answered 404, on any route (an unknown path, or a page route such as
// /console/* that found no such file).
long NotFoundCount(const std::string& service) {
  auto metrics = Request("127.0.0.1", Stack::ServicePort(service), "GET", "/metrics");
  std::regex line("daiban_http_requests_total\\{service=\"" + service +
                  "\",route=\"[^\"]*\",method=\"GET\",status=\"404\"\\} ([0-9]+)");
  long total = 0;
  for (std::sregex_iterator it(metrics.body.begin(), metrics.body.end(), line), end; it != end;
       ++it) {
    total += std::stol((*it)[1]);
  }
  return total;
}

TEST(GatewayE2eTest, AnswersItsOwnHealth) {
  auto response = Gateway("GET", "/healthz");
  EXPECT_EQ(response.status, 200);
}

TEST(GatewayE2eTest, EveryServiceIsHealthyAndReady) {
  for (const std::string service : {"intake", "dispatch", "tracking", "mobile"}) {
    auto health = Request("127.0.0.1", Stack::ServicePort(service), "GET", "/healthz");
    EXPECT_EQ(health.status, 200) << service;
    auto ready = Request("127.0.0.1", Stack::ServicePort(service), "GET", "/readyz");
    EXPECT_EQ(ready.status, 200) << service << ": " << ready.body;
    auto metrics = Request("127.0.0.1", Stack::ServicePort(service), "GET", "/metrics");
    EXPECT_NE(metrics.body.find("daiban_pg_pool_size"), std::string::npos) << service;
    EXPECT_NE(metrics.body.find("daiban_redis_pool_size"), std::string::npos) << service;
  }
}

TEST(GatewayE2eTest, RoutesEachPrefixToItsService) {
  const std::vector<std::pair<std::string, std::string>> owners = {
      {"/api/v1/regions/x", "intake"},
      {"/api/v1/cases/x/y/z", "intake"},
      {"/api/v1/auth/x", "intake"},
      {"/api/v1/items/x/y", "intake"},
      {"/console/x", "intake"},
      {"/api/v1/dispatch/x", "dispatch"},
      {"/api/v1/track/x/y", "tracking"},
      {"/api/v1/deliveries/x", "tracking"},
      {"/api/v1/couriers/x/y/z", "tracking"},
      {"/api/v1/couriers/x/y", "tracking"},
      {"/mobile/v1/x", "mobile"}};
  for (const auto& [path, service] : owners) {
    long before = NotFoundCount(service);
    auto response = Gateway("GET", path, "", {{"X-Request-Id", "e2e-route-probe"}});
    ExpectErrorJson(response, 404, "not_found");
    EXPECT_EQ(response.Header("x-request-id"), "e2e-route-probe");
    EXPECT_EQ(NotFoundCount(service), before + 1) << path << " did not reach " << service;
  }
}

TEST(GatewayE2eTest, UnknownPrefixIsTheGateways404) {
  ExpectErrorJson(Gateway("GET", "/nothing/here"), 404, "not_found");
  ExpectErrorJson(Gateway("GET", "/api/v2/regions"), 404, "not_found");
}

TEST(GatewayE2eTest, OversizedBodyIs413) {
  std::string body(9 * 1024 * 1024, 'x');
  ExpectErrorJson(Gateway("POST", "/api/v1/cases", body), 413, "payload_too_large");
}

TEST(GatewayE2eTest, MalformedRequestLineIs400) {
  auto response = SendRaw("127.0.0.1", Stack::Gateway(), "GARBAGE\r\n\r\n", milliseconds(15000));
  ExpectErrorJson(response, 400, "bad_request");
  auto bad_version = SendRaw("127.0.0.1", Stack::Gateway(),
                             "GET /healthz HTTP/9.x\r\nHost: x\r\n\r\n", milliseconds(15000));
  ExpectErrorJson(bad_version, 505, "http_version_not_supported");
}

TEST(GatewayE2eTest, NegativeContentLengthIs400) {
  auto response = SendRaw("127.0.0.1", Stack::Gateway(),
                          "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n"
                          "Connection: close\r\n\r\n",
                          milliseconds(15000));
  ExpectErrorJson(response, 400, "bad_request");
}

TEST(GatewayE2eTest, DuplicateContentLengthIs400) {
  auto response = SendRaw("127.0.0.1", Stack::Gateway(),
                          "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                          "Content-Length: 40\r\nConnection: close\r\n\r\n{}",
                          milliseconds(15000));
  ExpectErrorJson(response, 400, "bad_request");
}

TEST(GatewayE2eTest, BodyShorterThanItsContentLengthIsCutOff) {
  // The client promises 100 bytes and sends 2. The gateway waits client_body_timeout (10 s)
  // and closes the connection; nginx sends no 408 body at that point (see the gateway
  // configuration). What matters: no hang, nothing reaches a service, the gateway serves on.
  auto response = SendRaw("127.0.0.1", Stack::Gateway(),
                          "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          "application/json\r\nContent-Length: 100\r\n\r\n{}",
                          milliseconds(30000));
  EXPECT_FALSE(response.timed_out) << "a short body held the connection open";
  if (response.status != 0) ExpectErrorJson(response, 408, "request_timeout");
  EXPECT_EQ(Gateway("GET", "/healthz").status, 200);
}

TEST(GatewayE2eTest, BodyLongerThanItsContentLengthIsNotSmuggled) {
  // The excess bytes would be a second request on a kept-alive connection; here they are
  // garbage, and the first answer must still be a proper JSON response.
  auto response = SendRaw("127.0.0.1", Stack::Gateway(),
                          "POST /api/v1/cases/x HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          "application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
                          "{}GARBAGE GARBAGE\r\n\r\n",
                          milliseconds(15000));
  EXPECT_GE(response.status, 400);
  EXPECT_LT(response.status, 500);
  EXPECT_TRUE(nlohmann::json::parse(response.body, nullptr, false).is_object());
}

TEST(GatewayE2eTest, SlowClientThatNeverFinishesHeadersGetsJson408) {
  auto response = SendRaw("127.0.0.1", Stack::Gateway(), "GET /healthz HTTP/1.1\r\nHost: x\r\n",
                          milliseconds(30000));
  EXPECT_FALSE(response.timed_out);
  // nginx closes a connection whose headers never complete, sending nothing or a 408.
  if (response.status != 0) ExpectErrorJson(response, 408, "request_timeout");
  EXPECT_EQ(Gateway("GET", "/healthz").status, 200);
}

TEST(GatewayE2eTest, OversizedHeadersAreRefusedWithJson) {
  std::string huge(20000, 'a');
  auto response = Gateway("GET", "/api/v1/regions", "", {{"X-Huge", huge}});
  ExpectErrorJson(response, 400, "headers_too_large");
}

TEST(GatewayE2eTest, ForgedRequestIdIsReplaced) {
  auto response = Gateway("GET", "/nothing", "", {{"X-Request-Id", "\"},\"x\":\"y"}});
  ExpectErrorJson(response, 404, "not_found");
  EXPECT_NE(response.Header("x-request-id"), "\"},\"x\":\"y");
}

TEST(GatewayE2eTest, ServiceDownIs502JsonAndComesBack) {
  Stack::Control("service-stop", "tracking");
  ExpectErrorJson(Gateway("GET", "/api/v1/track/x/y"), 502, "unavailable");
  Stack::Control("service-start", "tracking");
  ExpectErrorJson(Gateway("GET", "/api/v1/track/x/y"), 404, "not_found");
}

TEST(GatewayE2eTest, PostgresDownIs503AndRecoversWithoutARestart) {
  const auto intake = Stack::ServicePort("intake");
  ASSERT_EQ(Request("127.0.0.1", intake, "GET", "/readyz").status, 200);
  Stack::Control("pg-stop");
  for (const std::string service : {"intake", "dispatch", "tracking", "mobile"}) {
    auto ready = Request("127.0.0.1", Stack::ServicePort(service), "GET", "/readyz");
    EXPECT_FALSE(ready.timed_out) << service << " hung with PostgreSQL down";
    ExpectErrorJson(ready, 503, "not_ready");
    EXPECT_NE(ready.body.find("postgres"), std::string::npos);
  }
  // Healthy (alive) even while not ready.
  EXPECT_EQ(Request("127.0.0.1", intake, "GET", "/healthz").status, 200);
  Stack::Control("pg-start");
  EXPECT_TRUE(
      Eventually([&] { return Request("127.0.0.1", intake, "GET", "/readyz").status == 200; }, 30));
}

TEST(GatewayE2eTest, RedisDownIs503AndRecoversWithoutARestart) {
  const auto dispatch = Stack::ServicePort("dispatch");
  Stack::Control("redis-stop");
  auto ready = Request("127.0.0.1", dispatch, "GET", "/readyz");
  ExpectErrorJson(ready, 503, "not_ready");
  EXPECT_NE(ready.body.find("redis"), std::string::npos);
  Stack::Control("redis-start");
  EXPECT_TRUE(Eventually(
      [&] { return Request("127.0.0.1", dispatch, "GET", "/readyz").status == 200; }, 30));
}

}  // namespace
}  // namespace daiban::e2e
