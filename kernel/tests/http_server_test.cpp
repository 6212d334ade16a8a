// The server wrapper over real loopback sockets: error mapping, limits, deadline, drain.
#include "daiban/kernel/http_server.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "daiban/kernel/errors.hpp"
#include "raw_http.hpp"

namespace daiban::kernel {
namespace {

using daiban::testing::Request;
using daiban::testing::SendRaw;
using std::chrono::milliseconds;

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, logger_, metrics_, clock_, ids_);
    auto& routes = server_->Routes();
    routes.Add("GET", "/echo", [](const HttpRequest& request) {
      return HttpResponse::WithJson(200, {{"q", request.Query("q").value_or("")}});
    });
    routes.Add(
        "POST", "/json",
        [](const HttpRequest& request) {
          auto body = request.JsonBody();
          return HttpResponse::WithJson(201, {{"name", RequireString(body, "name")}});
        },
        RouteOptions{.max_body_bytes = 1024});
    routes.Add("GET", "/conflict", [](const HttpRequest&) -> HttpResponse {
      throw Conflict("illegal_transition", "case is closed");
    });
    routes.Add("GET", "/bug", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("SELECT secret FROM table");
    });
    routes.Add("GET", "/down", [](const HttpRequest&) -> HttpResponse {
      throw DependencyUnavailable("postgres", "connection refused");
    });
    routes.Add("GET", "/slow", [this](const HttpRequest&) {
      release_.wait();
      return HttpResponse::WithJson(200, {{"slow", true}});
    });
    // A long-poll: the responder is kept and called later from the test's own thread.
    routes.AddDeferred(
        "GET", "/later",
        [this](const HttpRequest& request, Responder respond) {
          if (request.Query("fail")) throw Conflict("not_now", "refused before holding");
          std::lock_guard lock(held_mutex_);
          held_.push_back(std::move(respond));
        },
        RouteOptions{.deadline = milliseconds(deferred_deadline_ms_)});
    server_->OnDrain([this] {
      std::lock_guard lock(held_mutex_);
      for (auto& respond : held_) respond(HttpResponse::WithJson(200, {{"drained", true}}));
      held_.clear();
    });
    server_->AddReadinessCheck("always", [] {});
    server_->Start();
    port_ = server_->Port();
  }
  void TearDown() override {
    if (!released_) release_promise_.set_value();
    if (server_) server_->Stop();
  }
  void Release() {
    released_ = true;
    release_promise_.set_value();
  }
  nlohmann::json Body(const daiban::testing::RawResponse& response) {
    return nlohmann::json::parse(response.body);
  }

  SystemClock clock_;
  SeededIdGenerator ids_{7};
  Logger logger_{"test", LogLevel::kError, clock_};
  Metrics metrics_{"test"};
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
  bool released_ = false;
  std::mutex held_mutex_;
  std::vector<Responder> held_;
  int deferred_deadline_ms_ = 60000;

  // Waits (without a time limit: the test's own timeout bounds it) until n requests are held.
  void AwaitHeld(std::size_t n) {
    for (;;) {
      {
        std::lock_guard lock(held_mutex_);
        if (held_.size() >= n) return;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  void AnswerHeld(int status) {
    std::lock_guard lock(held_mutex_);
    for (auto& respond : held_) {
      respond(HttpResponse::WithJson(status, {{"answered", true}}));
      respond(HttpResponse::WithJson(500, {{"answered", "twice"}}));  // ignored
    }
    held_.clear();
  }
};

TEST_F(HttpServerTest, HealthAndRequestId) {
  StartServer();
  auto response = Request("127.0.0.1", port_, "GET", "/healthz", "", {{"X-Request-Id", "abc-1"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-request-id"), "abc-1");
  auto generated = Request("127.0.0.1", port_, "GET", "/healthz");
  EXPECT_EQ(generated.Header("x-request-id")->size(), 16u);
  auto forged = Request("127.0.0.1", port_, "GET", "/healthz", "", {{"X-Request-Id", "a b\"c"}});
  EXPECT_NE(forged.Header("x-request-id"), "a b\"c");
}

TEST_F(HttpServerTest, ReadyzRunsChecks) {
  StartServer();
  auto response = Request("127.0.0.1", port_, "GET", "/readyz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response)["checks"]["always"], "ok");
}

TEST_F(HttpServerTest, UnknownRouteAndWrongMethod) {
  StartServer();
  auto missing = Request("127.0.0.1", port_, "GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Body(missing)["error"]["code"], "not_found");
  EXPECT_EQ(Body(missing)["request_id"], *missing.Header("x-request-id"));
  auto wrong = Request("127.0.0.1", port_, "DELETE", "/echo");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("allow"), "GET");
  EXPECT_EQ(Body(wrong)["error"]["code"], "method_not_allowed");
}

TEST_F(HttpServerTest, QueryStringsAreDecoded) {
  StartServer();
  auto response = Request("127.0.0.1", port_, "GET", "/echo?q=%E8%90%A5%E4%B8%9A");
  EXPECT_EQ(Body(response)["q"], "营业");
  auto bad = Request("127.0.0.1", port_, "GET", "/echo?q=%zz");
  EXPECT_EQ(bad.status, 400);
  auto not_utf8 = Request("127.0.0.1", port_, "GET", "/echo?q=%ff");
  EXPECT_EQ(not_utf8.status, 400);
}

TEST_F(HttpServerTest, ErrorsMapToTheErrorJson) {
  StartServer();
  auto conflict = Request("127.0.0.1", port_, "GET", "/conflict");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Body(conflict)["error"]["code"], "illegal_transition");
  auto bug = Request("127.0.0.1", port_, "GET", "/bug");
  EXPECT_EQ(bug.status, 500);
  EXPECT_EQ(bug.body.find("SELECT"), std::string::npos);
  EXPECT_EQ(Body(bug)["error"]["code"], "internal");
  auto down = Request("127.0.0.1", port_, "GET", "/down");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.body.find("refused"), std::string::npos);
}

TEST_F(HttpServerTest, JsonBodies) {
  StartServer();
  EXPECT_EQ(Request("127.0.0.1", port_, "POST", "/json", R"({"name":"张三"})").status, 201);
  EXPECT_EQ(Request("127.0.0.1", port_, "POST", "/json", "{bad").status, 400);
  auto wrong_type = Request("127.0.0.1", port_, "POST", "/json", R"({"name":3})");
  EXPECT_EQ(wrong_type.status, 422);
  EXPECT_EQ(Body(wrong_type)["error"]["field"], "name");
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(Request("127.0.0.1", port_, "POST", "/json", deep).status, 400);
  EXPECT_EQ(Request("127.0.0.1", port_, "POST", "/json", "{\"name\":\"\xff\"}").status, 400);
}

TEST_F(HttpServerTest, PerRouteBodyLimitIs413) {
  StartServer();
  std::string big = "{\"name\":\"" + std::string(2000, 'x') + "\"}";
  auto response = Request("127.0.0.1", port_, "POST", "/json", big);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(Body(response)["error"]["code"], "payload_too_large");
}

TEST_F(HttpServerTest, DeadlinePassedIs503AndTheServerKeepsServing) {
  HttpServerOptions options;
  options.request_deadline = milliseconds(300);
  StartServer(options);
  auto response = Request("127.0.0.1", port_, "GET", "/slow");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response)["error"]["code"], "deadline_exceeded");
  EXPECT_EQ(response.Header("retry-after"), "1");
  Release();
  EXPECT_EQ(Request("127.0.0.1", port_, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerTest, FullPoolIs503) {
  HttpServerOptions options;
  options.work_threads = 1;
  options.work_queue = 1;
  StartServer(options);
  // One request occupies the only thread, one waits in the queue; the third is refused.
  auto first =
      std::async(std::launch::async, [&] { return Request("127.0.0.1", port_, "GET", "/slow"); });
  std::this_thread::sleep_for(milliseconds(200));
  auto second =
      std::async(std::launch::async, [&] { return Request("127.0.0.1", port_, "GET", "/slow"); });
  std::this_thread::sleep_for(milliseconds(200));
  auto third = Request("127.0.0.1", port_, "GET", "/echo");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(Body(third)["error"]["code"], "overloaded");
  EXPECT_EQ(third.Header("retry-after"), "1") << "back-pressure says when to come back";
  Release();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
}

TEST_F(HttpServerTest, DrainFinishesInFlightAndRefusesNew) {
  StartServer();
  auto inflight =
      std::async(std::launch::async, [&] { return Request("127.0.0.1", port_, "GET", "/slow"); });
  std::this_thread::sleep_for(milliseconds(200));
  auto drained = std::async(std::launch::async, [&] { server_->Drain(); });
  std::this_thread::sleep_for(milliseconds(100));
  auto refused = Request("127.0.0.1", port_, "GET", "/echo");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(Body(refused)["error"]["code"], "shutting_down");
  Release();
  EXPECT_EQ(inflight.get().status, 200);
  drained.get();
}

TEST_F(HttpServerTest, ADeferredRouteIsAnsweredLaterFromAnotherThreadOnce) {
  HttpServerOptions options;
  options.work_threads = 1;  // a held request holds no thread
  StartServer(options);
  auto first =
      std::async(std::launch::async, [&] { return Request("127.0.0.1", port_, "GET", "/later"); });
  auto second =
      std::async(std::launch::async, [&] { return Request("127.0.0.1", port_, "GET", "/later"); });
  AwaitHeld(2);
  EXPECT_EQ(Request("127.0.0.1", port_, "GET", "/echo?q=free").status, 200);
  AnswerHeld(202);
  for (auto* call : {&first, &second}) {
    auto response = call->get();
    EXPECT_EQ(response.status, 202);
    EXPECT_EQ(Body(response)["answered"], true);
  }
}

TEST_F(HttpServerTest, ADeferredHandlersExceptionIsTheErrorJson) {
  StartServer();
  auto response = Request("127.0.0.1", port_, "GET", "/later?fail=1");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(Body(response)["error"]["code"], "not_now");
}

TEST_F(HttpServerTest, ADeferredRouteHasItsOwnDeadline) {
  HttpServerOptions options;
  options.request_deadline = milliseconds(60000);
  deferred_deadline_ms_ = 300;
  StartServer(options);
  auto response = Request("127.0.0.1", port_, "GET", "/later");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response)["error"]["code"], "deadline_exceeded");
  AnswerHeld(200);  // too late: dropped
  EXPECT_EQ(Request("127.0.0.1", port_, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerTest, DrainAnswersHeldRequestsThroughItsHook) {
  StartServer();
  auto held =
      std::async(std::launch::async, [&] { return Request("127.0.0.1", port_, "GET", "/later"); });
  AwaitHeld(1);
  server_->Drain();  // returns: the hook answered the held request, nothing is in flight
  auto response = held.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response)["drained"], true);
}

TEST_F(HttpServerTest, MetricsCountRequestsByRoutePattern) {
  StartServer();
  Request("127.0.0.1", port_, "GET", "/echo?q=1");
  auto metrics = Request("127.0.0.1", port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("route=\"/echo\",method=\"GET\",status=\"200\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("daiban_work_pool_threads"), std::string::npos);
}

TEST_F(HttpServerTest, BindFailureIsAClearConfigError) {
  StartServer();
  HttpServerOptions taken;
  taken.port = port_;
  HttpServer second(taken, logger_, metrics_, clock_, ids_);
  // Start() sets port from options only through StartServer's override; bind the same port.
  EXPECT_THROW(second.Start(), ConfigError);
}

}  // namespace
}  // namespace daiban::kernel
