// The gateway and the four services, as a client meets them: routing by prefix, the error
// JSON of every refusal, bad requests, slow clients and dependency outages.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using daiban::testing::Request;
using daiban::testing::SendRaw;
using std::chrono::milliseconds;

// The gateway's answer to a request written byte for byte (read for at most 15 s).
daiban::testing::RawResponse RawToGateway(const std::string& request) {
  return SendRaw("127.0.0.1", Stack::Gateway(), request, milliseconds(15000));
}

// A POST to the case route with `headers` (each ending in CRLF) and `body`, closing after.
std::string PostCases(const std::string& headers, const std::string& body = "") {
  return "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\n" + headers + "Connection: close\r\n\r\n" +
         body;
}

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

// Any error answer of the project: the error JSON with a 4xx status.
void ExpectClientErrorJson(const daiban::testing::RawResponse& response) {
  EXPECT_GE(response.status, 400) << response.body;
  EXPECT_LT(response.status, 500) << response.body;
  ExpectErrorJson(response, response.status, "");
}

// GeoReport's error array with `status`, as the gateway answers under /open311/.
void ExpectGeoReportArray(const daiban::testing::RawResponse& response, int status) {
  EXPECT_EQ(response.status, status) << response.body;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_array()) << "not a GeoReport error: " << response.body;
  ASSERT_EQ(body.size(), 1u) << response.body;
  EXPECT_EQ(body[0]["code"], status) << response.body;
  EXPECT_TRUE(body[0]["description"].is_string()) << response.body;
}

// A raw connection to the gateway that the test writes to at its own pace.
class Connection {
 public:
  explicit Connection(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool Connected() const { return connected_; }
  // False when the gateway has closed the connection.
  bool Send(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Waits up to `wait` for an answer or the close; true once either came (the answer, if any,
  // is in Received()).
  bool AnsweredOrClosed(milliseconds wait) {
    pollfd ready{fd_, POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(wait.count())) <= 0) return false;
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) received_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  const std::string& Received() const { return received_; }

 private:
  int fd_;
  bool connected_ = false;
  std::string received_;
};

// A second gateway in front of the same services with low limits, so that the limits can be
// reached without touching the test stack's own gateway (whose limits are out of reach).
class StrictGateway {
 public:
  static std::uint16_t Port() { return static_cast<std::uint16_t>(Stack::Gateway() + 9); }
  StrictGateway() {
    Set("DAIBAN_GATEWAY_NAME", "gateway-strict");
    Set("DAIBAN_GATEWAY_PORT", std::to_string(Port()));
    Set("DAIBAN_GATEWAY_CREATE_RATE", "6");  // one every 10 s
    Set("DAIBAN_GATEWAY_CREATE_BURST", "2");
    Set("DAIBAN_GATEWAY_CONN_PER_ADDRESS", "2");
    Stack::Control("gateway-start");
  }
  ~StrictGateway() {
    Stack::Control("gateway-stop");
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

 private:
  void Set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    setenv(name.c_str(), value.c_str(), 1);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

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
      {"/api/docs/x", "intake"},
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

// The API document rendered from a local copy: the page, the Redoc bundle beside it and the
// document itself, the same as api/openapi.json; nothing of it comes from outside.
TEST(GatewayE2eTest, TheApiDocumentIsRenderedAtApiDocs) {
  auto page = Gateway("GET", "/api/docs/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.Header("content-type").value_or("").find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("src=\"redoc.standalone.js\""), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << "nothing from a CDN";
  auto redoc = Gateway("GET", "/api/docs/redoc.standalone.js");
  ASSERT_EQ(redoc.status, 200);
  EXPECT_GT(redoc.body.size(), 100000u) << "the Redoc bundle is compiled in";
  auto document = Gateway("GET", "/api/docs/openapi.json");
  ASSERT_EQ(document.status, 200);
  std::ifstream in(std::string(DAIBAN_SOURCE_DIR) + "/api/openapi.json");
  EXPECT_EQ(Body(document), nlohmann::json::parse(in));
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
  auto response = RawToGateway("GARBAGE\r\n\r\n");
  ExpectErrorJson(response, 400, "bad_request");
  auto bad_version = RawToGateway("GET /healthz HTTP/9.x\r\nHost: x\r\n\r\n");
  ExpectErrorJson(bad_version, 505, "http_version_not_supported");
}

TEST(GatewayE2eTest, NegativeContentLengthIs400) {
  ExpectErrorJson(RawToGateway(PostCases("Content-Length: -5\r\n")), 400, "bad_request");
}

TEST(GatewayE2eTest, DuplicateContentLengthIs400) {
  auto response = RawToGateway(PostCases("Content-Length: 2\r\nContent-Length: 40\r\n", "{}"));
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
  auto response = RawToGateway(
      "POST /api/v1/cases/x HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
      "{}GARBAGE GARBAGE\r\n\r\n");
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

TEST(GatewayE2eTest, HeadersTheServicesDoNotNeedAreIgnored) {
  // Pistache parsed these itself and refused bad values in plain text (500 or 415).
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Date", "not a date"},
      {"Cache-Control", "max-age=abc"},
      {"Accept", "application/json;q=2.5"},
      {"Accept", ";;;"},
      {"If-Modified-Since", "yesterday"}};
  for (const auto& [name, value] : headers) {
    auto response = Gateway("GET", "/api/v1/regions", "", {{name, value}});
    EXPECT_EQ(response.status, 200) << name << ": " << value << " -> " << response.body;
  }
}

TEST(GatewayE2eTest, MalformedContentTypeIsTheServicesOwnErrorJson) {
  for (const std::string type : {";;;", "application/json;q=2.5", "/", "text/"}) {
    auto response = Gateway("POST", "/api/v1/cases", "{}", {{"Content-Type", type}});
    ExpectClientErrorJson(response);
  }
  auto open311 =
      Gateway("POST", "/open311/v2/requests.json", "api_key=x", {{"Content-Type", ";;;"}});
  ExpectGeoReportArray(open311, 400);
}

TEST(GatewayE2eTest, UnknownMethodIsJson501) {
  auto response =
      RawToGateway("BREW /api/v1/regions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ExpectErrorJson(response, 501, "not_implemented");
  auto open311 = RawToGateway(
      "BREW /open311/v2/services.json HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n");
  ExpectGeoReportArray(open311, 501);
}

TEST(GatewayE2eTest, TransferEncodingsAreRefusedWithJson) {
  // A malformed chunk, a well-formed chunked body (bodies need a Content-Length) and an
  // encoding nginx does not implement: each nginx's own refusal, each the error JSON.
  auto bad_chunk =
      RawToGateway(PostCases("Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"));
  ExpectErrorJson(bad_chunk, 400, "bad_request");
  auto chunked = RawToGateway(PostCases(
      "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n", "2\r\n{}\r\n0\r\n\r\n"));
  ExpectErrorJson(chunked, 411, "length_required");
  auto gzip = RawToGateway(PostCases("Transfer-Encoding: gzip\r\n"));
  ExpectErrorJson(gzip, 501, "not_implemented");
}

TEST(GatewayE2eTest, GatewayErrorsUnderOpen311AreGeoReportErrors) {
  auto chunked = RawToGateway(
      "POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "2\r\nab\r\n0\r\n\r\n");
  ExpectGeoReportArray(chunked, 411);
  auto too_large = Gateway("POST", "/open311/v2/requests.json", std::string(9 * 1024 * 1024, 'x'),
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectGeoReportArray(too_large, 413);
  auto xml = RawToGateway(
      "BREW /open311/v2/services.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(xml.status, 501);
  EXPECT_NE(xml.Header("content-type").value_or("").find("xml"), std::string::npos);
  EXPECT_NE(xml.body.find("<errors><error><code>501</code><description>"), std::string::npos)
      << xml.body;
}

TEST(GatewayE2eTest, TrickledBodyIsCutOffBeforeItCompletes) {
  // One byte every 200 ms keeps nginx's per-read client_body_timeout from ever firing; the
  // request must still be dropped, long before its 150 bytes (30 s) are in.
  Connection client(Stack::Gateway());
  ASSERT_TRUE(client.Connected());
  ASSERT_TRUE(
      client.Send("POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  "application/json\r\nContent-Length: 150\r\n\r\n"));
  int sent = 0;
  bool cut_off = false;
  for (; sent < 149 && !cut_off; ++sent) {
    if (!client.Send("x")) {
      cut_off = true;
      break;
    }
    cut_off = client.AnsweredOrClosed(milliseconds(200));
  }
  EXPECT_TRUE(cut_off) << "a trickled body held the connection for its whole length";
  EXPECT_LT(sent, 149);
  // nginx closes without an answer; if an answer came, it is the error JSON.
  EXPECT_EQ(client.Received().find("<html"), std::string::npos) << client.Received();
  EXPECT_EQ(Gateway("GET", "/healthz").status, 200);
}

TEST(GatewayE2eTest, AccessLogMasksAccessCodesAndApiKeys) {
  const std::string log_path = daiban::testing::RequiredEnv("DAIBAN_TEST_GATEWAY_ACCESS_LOG");
  const std::string id = Unique("e2e-log-");
  Gateway("GET", "/api/v1/cases/DB0000000000X?code=SECRETCODE1&x=1", "", {{"X-Request-Id", id}});
  Gateway("GET", "/open311/v2/requests.json?api_key=SECRETKEY2&access_code=SECRETCODE3", "",
          {{"X-Request-Id", id}});
  Gateway("GET", "/api/v1/track/x/y?c%6Fde=SECRETCODE4&token=SECRETTOKEN5", "",
          {{"X-Request-Id", id}});
  std::vector<std::string> lines;
  // nginx writes the line once the answer is sent: wait for all three.
  EXPECT_TRUE(Eventually(
      [&] {
        lines.clear();
        std::ifstream log(log_path);
        for (std::string line; std::getline(log, line);) {
          if (line.find(id) != std::string::npos) lines.push_back(line);
        }
        return lines.size() == 3;
      },
      10));
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("SECRET"), std::string::npos) << line;
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("/api/v1/cases/DB0000000000X?code=***&x=1 "), std::string::npos)
      << lines[0];
}

TEST(GatewayE2eTest, AnonymousCaseCreationIsLimitedPerAddress) {
  StrictGateway strict;
  const auto port = StrictGateway::Port();
  // Rate 6 a minute, burst 2: three at once pass on to intake (which refuses the empty case),
  // the fourth is the gateway's 429.
  for (int i = 0; i < 3; ++i) {
    auto passed = Request("127.0.0.1", port, "POST", "/api/v1/cases", "{}");
    EXPECT_NE(passed.status, 429) << i << ": " << passed.body;
  }
  auto refused = Request("127.0.0.1", port, "POST", "/api/v1/cases", "{}");
  ExpectErrorJson(refused, 429, "rate_limited");
  EXPECT_EQ(refused.Header("retry-after"), "10");
  // The same limit covers Open311 submissions, answered GeoReport's way.
  auto open311 = Request("127.0.0.1", port, "POST", "/open311/v2/requests.json", "api_key=x",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectGeoReportArray(open311, 429);
  EXPECT_EQ(open311.Header("retry-after"), "10");
  // Reading is not creating.
  EXPECT_EQ(Request("127.0.0.1", port, "GET", "/api/v1/regions").status, 200);
}

TEST(GatewayE2eTest, ConnectionsPerAddressAreLimited) {
  StrictGateway strict;
  const auto port = StrictGateway::Port();
  // Two requests in progress (bodies not yet sent) use up the address's two connections.
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<Connection>(port));
    ASSERT_TRUE(held.back()->Connected());
    ASSERT_TRUE(
        held.back()->Send("POST /api/v1/cases/x/notes HTTP/1.1\r\nHost: x\r\n"
                          "Content-Length: 50\r\n\r\n{"));
  }
  auto refused = Request("127.0.0.1", port, "GET", "/api/v1/regions");
  ExpectErrorJson(refused, 429, "rate_limited");
  held.clear();
  EXPECT_TRUE(Eventually(
      [&] { return Request("127.0.0.1", port, "GET", "/api/v1/regions").status == 200; }, 10));
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
