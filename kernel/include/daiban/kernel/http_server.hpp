#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/kernel/log.hpp"
#include "daiban/kernel/metrics.hpp"

namespace daiban::kernel {

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (tests)
  int io_threads = 2;
  std::size_t work_threads = 8;
  std::size_t work_queue = 256;
  // A request not answered by then gets 503; its late result is dropped.
  std::chrono::milliseconds request_deadline{10000};
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds body_timeout{5000};
  // Kept longer than the gateway's upstream keep-alive so the gateway closes first.
  std::chrono::milliseconds keepalive_timeout{75000};
  std::chrono::milliseconds drain_timeout{10000};
  int max_json_depth = 32;
};

// The HTTP edge every service is built on (Pistache underneath, hidden from callers):
// routes with per-route body limits; blocking handlers run in a bounded work pool under a
// deadline (503 when the pool is full or the deadline passes); every failure becomes the
// error JSON of DESIGN.md with the right status and never exception text; decoded query
// strings; X-Request-Id on every answer; /healthz, /readyz and /metrics built in; a drain
// that lets in-flight requests finish on shutdown.
class HttpServer {
 public:
  // A readiness check throws (anything) when its dependency is unreachable.
  using ReadinessCheck = std::function<void()>;

  HttpServer(HttpServerOptions options, const Logger& logger, Metrics& metrics, const Clock& clock,
             IdGenerator& ids);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Router& Routes();
  void AddReadinessCheck(std::string name, ReadinessCheck check);

  // Binds and serves on background threads. Throws ConfigError when the address cannot be
  // bound (port taken), with a clear message.
  void Start();
  std::uint16_t Port() const;
  // Called once when the server starts draining (or stops), before it waits for in-flight
  // requests: whoever holds deferred requests open answers them here.
  void OnDrain(std::function<void()> hook);
  // Refuses new requests (503) and waits up to drain_timeout for in-flight ones.
  void Drain();
  // Closes everything; safe to call twice.
  void Stop();

  struct Core;  // implementation, defined in http_server.cpp

 private:
  std::unique_ptr<Core> core_;
};

}  // namespace daiban::kernel
