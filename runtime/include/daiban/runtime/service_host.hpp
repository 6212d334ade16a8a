#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daiban/db/pg_pool.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/config.hpp"
#include "daiban/kernel/http_server.hpp"
#include "daiban/kernel/log.hpp"
#include "daiban/kernel/metrics.hpp"
#include "daiban/kernel/sim_clock.hpp"

namespace daiban::runtime {

// Everything a service process is configured with, read from the environment (see the
// configuration table in README.md). Throws kernel::ConfigError on a bad value.
struct ServiceSettings {
  std::string service;
  kernel::LogLevel log_level = kernel::LogLevel::kInfo;
  kernel::HttpServerOptions http;
  db::PgOptions pg;
  db::RedisOptions redis;
  // The system clock, or a simulation stack's shared simulated clock (kernel/sim_clock.hpp).
  kernel::ClockSettings clock;
};
ServiceSettings LoadServiceSettings(const kernel::Env& env, const std::string& service,
                                    std::uint16_t default_port);
// `default_pool_size` applies when DAIBAN_PG_POOL_SIZE is unset.
db::PgOptions LoadPgOptions(const kernel::Env& env, std::size_t default_pool_size = 8);
db::RedisOptions LoadRedisOptions(const kernel::Env& env);

// The parts one service process is wired from: clock, ids, logger, metrics, the PostgreSQL
// and Redis pools, and the HTTP server with /readyz checking both pools.
class ServiceHost {
 public:
  explicit ServiceHost(ServiceSettings settings);
  ~ServiceHost();

  kernel::HttpServer& Server() { return *server_; }
  db::PgPool& Pg() { return *pg_; }
  db::RedisPool& Redis() { return *redis_; }
  const kernel::Logger& Logger() const { return *logger_; }
  kernel::Metrics& Metrics() { return *metrics_; }
  const kernel::Clock& Clock() const { return *clock_; }
  kernel::IdGenerator& Ids() { return *ids_; }
  const ServiceSettings& Settings() const { return settings_; }

  // Runs `hook` when the service starts serving (background workers start there, so merely
  // wiring a service, as the API contract test does, starts nothing).
  void OnStart(std::function<void()> hook) { start_hooks_.push_back(std::move(hook)); }
  void RunStartHooks() {
    for (const auto& hook : start_hooks_) hook();
  }

  // Keeps a part the service is wired from (a store, a use case) alive as long as the
  // host; parts are destroyed after the server stopped, newest first.
  template <typename T, typename... Args>
  T& Make(Args&&... args) {
    auto part = std::make_shared<T>(std::forward<Args>(args)...);
    T& reference = *part;
    parts_.push_back(std::move(part));
    return reference;
  }

 private:
  ServiceSettings settings_;
  std::unique_ptr<kernel::Clock> clock_;
  std::unique_ptr<kernel::IdGenerator> ids_;
  std::unique_ptr<kernel::Logger> logger_;
  std::unique_ptr<kernel::Metrics> metrics_;
  std::unique_ptr<db::PgPool> pg_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<kernel::HttpServer> server_;
  std::vector<std::shared_ptr<void>> parts_;
  std::vector<std::function<void()>> start_hooks_;
};

// The whole life of a service process, for its main(): blocks SIGTERM/SIGINT before any
// thread starts, reads the settings, lets `wire` add the service's routes and workers,
// serves until a signal, drains in-flight requests and stops. A configuration error is
// printed to stderr and exits 2.
int RunService(const std::string& service, std::uint16_t default_port,
               const std::function<void(ServiceHost&)>& wire);

}  // namespace daiban::runtime
