#include "daiban/runtime/service_host.hpp"

#include <csignal>
#include <iostream>
#include <stdexcept>

#include "daiban/kernel/errors.hpp"

namespace daiban::runtime {

namespace {

constexpr std::size_t kBackgroundConnections = 4;

std::string Uppercase(std::string text) {
  for (auto& c : text) {
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

db::PgOptions LoadPgOptions(const kernel::Env& env, std::size_t default_pool_size) {
  db::PgOptions pg;
  pg.url = env.String("DAIBAN_PG_URL", "postgresql://daiban@127.0.0.1:15432/daiban");
  pg.pool_size = static_cast<std::size_t>(
      env.Int("DAIBAN_PG_POOL_SIZE", static_cast<int>(default_pool_size), 1, 256));
  pg.statement_timeout = env.Millis("DAIBAN_PG_STATEMENT_TIMEOUT_MS", 5000, 100, 600000);
  pg.acquire_timeout = env.Millis("DAIBAN_PG_ACQUIRE_TIMEOUT_MS", 2000, 10, 60000);
  return pg;
}

db::RedisOptions LoadRedisOptions(const kernel::Env& env) {
  db::RedisOptions redis;
  redis.host = env.String("DAIBAN_REDIS_HOST", "127.0.0.1");
  redis.port = env.Port("DAIBAN_REDIS_PORT", 16379);
  redis.pool_size = static_cast<std::size_t>(env.Int("DAIBAN_REDIS_POOL_SIZE", 8, 1, 256));
  redis.timeout = env.Millis("DAIBAN_REDIS_TIMEOUT_MS", 1000, 10, 60000);
  // With Sentinels (the high-availability stack) they name the primary; HOST/PORT are unused.
  std::string sentinels = env.String("DAIBAN_REDIS_SENTINELS", "");
  try {
    redis.sentinels = db::ParseSentinels(sentinels);
  } catch (const std::invalid_argument& error) {
    throw kernel::ConfigError(std::string("DAIBAN_REDIS_SENTINELS: ") + error.what());
  }
  redis.master_name = env.String("DAIBAN_REDIS_MASTER_NAME", "daiban");
  if (redis.master_name.empty()) throw kernel::ConfigError("DAIBAN_REDIS_MASTER_NAME is empty");
  return redis;
}

ServiceSettings LoadServiceSettings(const kernel::Env& env, const std::string& service,
                                    std::uint16_t default_port) {
  ServiceSettings settings;
  settings.service = service;
  settings.log_level = kernel::ParseLogLevel(env.String("DAIBAN_LOG_LEVEL", "info"));
  auto& http = settings.http;
  http.bind_address = env.String("DAIBAN_BIND_ADDRESS", "127.0.0.1");
  http.port = env.Port("DAIBAN_" + Uppercase(service) + "_PORT", default_port);
  http.io_threads = static_cast<int>(env.Int("DAIBAN_HTTP_THREADS", 2, 1, 64));
  http.work_threads = static_cast<std::size_t>(env.Int("DAIBAN_WORK_THREADS", 8, 1, 256));
  // The queue absorbs a burst; the request deadline, not the queue, sheds sustained overload
  // (a queued request past its deadline is answered 503 and never run). The phones arrive in
  // bursts the other services never see: at a shift's start every phone of the city opens its
  // long-poll and reads its offers and tasks at once, and with 256 places the simulated Jinan
  // day's 600 phones had 255 requests refused `overloaded` in their first ten seconds.
  const int queue_default = service == "mobile" ? 4096 : 256;
  http.work_queue =
      static_cast<std::size_t>(env.Int("DAIBAN_WORK_QUEUE", queue_default, 1, 100000));
  http.request_deadline = env.Millis("DAIBAN_REQUEST_DEADLINE_MS", 10000, 100, 600000);
  // Pistache's header timer runs until the answer is sent, not until the headers are in, so it
  // also bounds a request the service holds on purpose: the phones' long-poll
  // (GET /mobile/v1/me/wait, held up to 25 s) was cut after 5 s with a 408, the gateway dropped
  // the connection and every phone reconnected four times as often as it asked (the simulated
  // Jinan day: 38,273 such 408s in its first 8 minutes). The gateway's own
  // client_header_timeout (10 s) still cuts a client slow to send its headers.
  const int header_default_ms = service == "mobile" ? 30000 : 5000;
  http.header_timeout = env.Millis("DAIBAN_HEADER_TIMEOUT_MS", header_default_ms, 100, 600000);
  // The gateway streams bodies, so this bounds a whole upload. Phones send photos of up to
  // 8 MB over poor mobile links (1 Mbit/s takes about 70 s); every other body is small.
  const int body_default_ms = service == "mobile" ? 120000 : 5000;
  http.body_timeout = env.Millis("DAIBAN_BODY_TIMEOUT_MS", body_default_ms, 100, 600000);
  http.drain_timeout = env.Millis("DAIBAN_DRAIN_TIMEOUT_MS", 10000, 0, 600000);
  http.max_json_depth = static_cast<int>(env.Int("DAIBAN_MAX_JSON_DEPTH", 32, 1, 512));
  // Every work thread gets a connection and the elected workers (outbox relay, roll-up,
  // notification sender, SLA watch: at most three a service, and one to spare) have theirs on
  // top, so a request never waits for a background job. When intake's 8 work threads and 3
  // workers shared 8 connections, one acceptance of the simulated Jinan day's first-morning
  // burst waited the whole acquire timeout and was answered 503.
  settings.pg = LoadPgOptions(env, http.work_threads + kBackgroundConnections);
  settings.redis = LoadRedisOptions(env);
  settings.clock = kernel::LoadClockSettings(env);
  return settings;
}

ServiceHost::ServiceHost(ServiceSettings settings)
    : settings_(std::move(settings)),
      clock_(kernel::MakeClock(settings_.clock)),
      ids_(std::make_unique<kernel::RandomIdGenerator>()),
      logger_(std::make_unique<kernel::Logger>(settings_.service, settings_.log_level, *clock_)),
      metrics_(std::make_unique<kernel::Metrics>(settings_.service)),
      pg_(std::make_unique<db::PgPool>(settings_.pg)),
      redis_(std::make_unique<db::RedisPool>(settings_.redis)),
      server_(std::make_unique<kernel::HttpServer>(settings_.http, *logger_, *metrics_, *clock_,
                                                   *ids_)) {
  server_->AddReadinessCheck("postgres", [this] { pg_->Ping(); });
  server_->AddReadinessCheck("redis", [this] { redis_->Ping(); });
  metrics_->AddCollector([this](kernel::Metrics::Writer& writer) {
    pg_->ReportTo(writer);
    redis_->ReportTo(writer);
  });
}

// The server goes first: its threads use the parts and the pools.
ServiceHost::~ServiceHost() {
  server_->Stop();
  while (!parts_.empty()) parts_.pop_back();
}

int RunService(const std::string& service, std::uint16_t default_port,
               const std::function<void(ServiceHost&)>& wire) {
  // Blocked here, before any thread exists, so every thread inherits the mask and the
  // signals wait for sigwait below instead of killing the process mid-request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<ServiceHost> host;
  try {
    host = std::make_unique<ServiceHost>(LoadServiceSettings(kernel::Env(), service, default_port));
    wire(*host);
    host->Server().Start();
    host->RunStartHooks();
  } catch (const kernel::ConfigError& error) {
    std::cerr << service << ": configuration error: " << error.what() << std::endl;
    return 2;
  }
  int received = 0;
  sigwait(&signals, &received);
  host->Logger().Info("shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  host->Server().Drain();
  host->Server().Stop();
  host->Logger().Info("stopped");
  return 0;
}

}  // namespace daiban::runtime
