#include "daiban/kernel/http_server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/http_header.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/text.hpp"
#include "daiban/kernel/work_pool.hpp"

namespace daiban::kernel {

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
namespace Http = Pistache::Http;

// Back-pressure: a 503 for a full work pool, a passed deadline or a dependency that is down
// tells the client when to come back, so well-behaved clients spread their retries.
HttpResponse Busy(HttpResponse response) {
  if (response.status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

// Pistache silently drops headers added with addRaw(); a Header subclass with a name of its
// own is written out.
class NamedHeader : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& stream) const override { stream << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return 0; }
#endif

 private:
  std::string name_;
  std::string value_;
};

bool IsAcceptableRequestId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field, std::string_view request_id) {
  HttpResponse response;
  response.status = status;
  response.body = ErrorBody(code, message, field, request_id);
  return response;
}

std::string Lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Pistache parses every header it has a class for while it reads the request, and answers a
// value it cannot parse itself, in plain text, before any handler runs (`Date: not a date` or
// `Cache-Control: max-age=abc` gave 500, `Accept: */*;q=2.5` or `Content-Type: ;;;` gave 415).
// The services read headers as raw text, so only the framing headers Pistache needs itself stay
// registered; every other header arrives raw, is ignored unless a route reads it, and a route
// that reads one (Content-Type) refuses a bad value with the error JSON.
// The registry offers no way to unregister, so its map is reached through the explicit
// instantiation rule, which lets a template argument name a private member.
using HeaderRegistry = Http::Header::Registry;
auto& RegisteredHeaders(HeaderRegistry& registry);
template <auto Member>
struct RegistryMember {
  friend auto& RegisteredHeaders(HeaderRegistry& registry) { return registry.*Member; }
};
template struct RegistryMember<&HeaderRegistry::registry>;

void KeepOnlyFramingHeadersParsed() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& headers = RegisteredHeaders(HeaderRegistry::instance());
    for (auto it = headers.begin(); it != headers.end();) {
      const std::string name = Lowercase(it->first);
      bool framing =
          name == "content-length" || name == "transfer-encoding" || name == "connection";
      it = framing ? std::next(it) : headers.erase(it);
    }
  });
}

// One request on its way to an answer. Exactly one of the handler and the deadline watchdog
// answers it; `answered` decides which.
struct Exchange {
  explicit Exchange(Http::ResponseWriter w) : writer(std::move(w)) {}
  Http::ResponseWriter writer;
  std::atomic<bool> answered{false};
  std::string request_id;
  std::string method;
  std::string route;
  std::string path;
  SteadyTime started;
  SteadyTime deadline;
  // A deferred request stays in flight until it is answered, not until its handler returns.
  std::uint64_t track_id = 0;
  bool untrack_on_answer = false;
};

}  // namespace

struct HttpServer::Core {
  Core(HttpServerOptions opts, const Logger& log, Metrics& m, const Clock& c, IdGenerator& i)
      : options(std::move(opts)),
        logger(log),
        metrics(m),
        clock(c),
        ids(i),
        pool(options.work_threads, options.work_queue) {}

  HttpServerOptions options;
  const Logger& logger;
  Metrics& metrics;
  const Clock& clock;
  IdGenerator& ids;
  Router router;
  WorkPool pool;
  std::vector<std::pair<std::string, ReadinessCheck>> readiness;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};

  std::mutex inflight_mutex;
  std::condition_variable inflight_changed;
  std::unordered_map<std::uint64_t, std::shared_ptr<Exchange>> inflight;
  std::uint64_t next_exchange = 0;
  std::thread watchdog;
  std::atomic<bool> watchdog_running{false};
  std::atomic<std::uint64_t> deadline_exceeded{0};
  std::vector<std::function<void()>> drain_hooks;
  std::once_flag drain_hooks_run;

  void RunDrainHooks() {
    std::call_once(drain_hooks_run, [this] {
      for (const auto& hook : drain_hooks) hook();
    });
  }

  void Handle(const Http::Request& request, Http::ResponseWriter writer);
  void Answer(const std::shared_ptr<Exchange>& exchange, const HttpResponse& response);
  void RunHandler(const std::shared_ptr<Exchange>& exchange, const Route& route,
                  const HttpRequest& request);
  HttpResponse Readiness(const HttpRequest& request);
  void WatchDeadlines();
  void Track(const std::shared_ptr<Exchange>& exchange, std::uint64_t* id);
  void Untrack(std::uint64_t id);
};

namespace {

class PistacheAdapter : public Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheAdapter)
  explicit PistacheAdapter(HttpServer::Core* core) : core_(core) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter writer) override {
    core_->Handle(request, std::move(writer));
  }

  // Header or body timeout: the client is too slow.
  void onTimeout(const Http::Request& /*request*/, Http::ResponseWriter writer) override {
    std::string id = core_->ids.HexId(8);
    writer.headers().add(std::make_shared<NamedHeader>("X-Request-Id", id));
    writer.headers().add(std::make_shared<NamedHeader>("Connection", "close"));
    writer.setMime(Http::Mime::MediaType::fromString("application/json; charset=utf-8"));
    writer.send(Http::Code::Request_Timeout,
                ErrorBody("request_timeout", "the request was not received in time", "", id));
    core_->metrics.ObserveRequest("timeout", "-", 408, 0);
  }

 private:
  HttpServer::Core* core_;
};

}  // namespace

void HttpServer::Core::Track(const std::shared_ptr<Exchange>& exchange, std::uint64_t* id) {
  std::lock_guard lock(inflight_mutex);
  *id = next_exchange++;
  inflight.emplace(*id, exchange);
}

void HttpServer::Core::Untrack(std::uint64_t id) {
  {
    std::lock_guard lock(inflight_mutex);
    inflight.erase(id);
  }
  inflight_changed.notify_all();
}

void HttpServer::Core::Answer(const std::shared_ptr<Exchange>& exchange,
                              const HttpResponse& response) {
  if (exchange->answered.exchange(true)) return;  // the other side answered first
  auto& writer = exchange->writer;
  writer.headers().add(std::make_shared<NamedHeader>("X-Request-Id", exchange->request_id));
  for (const auto& [name, value] : response.headers) {
    writer.headers().add(std::make_shared<NamedHeader>(name, value));
  }
  writer.setMime(Http::Mime::MediaType::fromString(response.content_type));
  // Counted before the answer leaves: a client that has its answer finds it in /metrics.
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange->started).count();
  metrics.ObserveRequest(exchange->route, exchange->method, response.status, seconds);
  writer.send(static_cast<Http::Code>(response.status), response.body);

  Json fields = {{"method", exchange->method},
                 {"route", exchange->route},
                 {"status", response.status},
                 {"duration_ms", static_cast<std::int64_t>(seconds * 1000)}};
  logger.Log(response.status >= 500 ? LogLevel::kWarn : LogLevel::kInfo, "request", fields,
             exchange->request_id);
  if (exchange->untrack_on_answer) Untrack(exchange->track_id);
}

void HttpServer::Core::RunHandler(const std::shared_ptr<Exchange>& exchange, const Route& route,
                                  const HttpRequest& request) {
  HttpResponse response;
  try {
    if (route.deferred) {
      route.deferred(request, [this, exchange](HttpResponse answer) { Answer(exchange, answer); });
      return;
    }
    response = route.handler(request);
  } catch (const DependencyUnavailable& error) {
    logger.Warn("dependency unavailable",
                {{"dependency", error.Dependency()}, {"detail", error.Detail()}},
                request.request_id);
    response = Busy(ErrorResponse(error.Status(), error.Code(), error.Message(), error.Field(),
                                  request.request_id));
  } catch (const ApiError& error) {
    response = ErrorResponse(error.Status(), error.Code(), error.Message(), error.Field(),
                             request.request_id);
  } catch (const std::exception& error) {
    // A bug or an unforeseen library failure: logged in full, answered without detail.
    logger.Error("unhandled exception", {{"route", route.pattern}, {"what", error.what()}},
                 request.request_id);
    response = ErrorResponse(500, "internal", "internal error", "", request.request_id);
  } catch (...) {
    logger.Error("unhandled non-standard exception", {{"route", route.pattern}},
                 request.request_id);
    response = ErrorResponse(500, "internal", "internal error", "", request.request_id);
  }
  Answer(exchange, response);
}

void HttpServer::Core::Handle(const Http::Request& request, Http::ResponseWriter writer) {
  auto exchange = std::make_shared<Exchange>(std::move(writer));
  exchange->started = std::chrono::steady_clock::now();
  exchange->deadline = exchange->started + options.request_deadline;
  exchange->method = Http::methodString(request.method());
  exchange->route = "unmatched";

  HttpRequest incoming;
  incoming.method = exchange->method;
  incoming.max_json_depth = options.max_json_depth;
  for (const auto& [name, raw] : request.headers().rawList()) {
    incoming.headers[Lowercase(name)] = raw.value();
  }
  for (const auto& header : request.headers().list()) {
    std::ostringstream value;
    header->write(value);
    incoming.headers[Lowercase(header->name())] = value.str();
  }
  auto offered_id = incoming.Header("x-request-id");
  exchange->request_id =
      offered_id && IsAcceptableRequestId(*offered_id) ? *offered_id : ids.HexId(8);
  incoming.request_id = exchange->request_id;

  // Services listen on loopback behind the gateway, which tells the client's address.
  incoming.client_ip = request.address().host();
  if (auto real_ip = incoming.Header("x-real-ip")) incoming.client_ip = *real_ip;

  const std::string& resource = request.resource();
  incoming.path = resource.substr(0, resource.find('?'));
  exchange->path = incoming.path;

  if (draining) {
    Answer(exchange, ErrorResponse(503, "shutting_down", "the service is shutting down", "",
                                   exchange->request_id));
    return;
  }

  auto match = router.Find(incoming.method, incoming.path);
  if (match.outcome == Router::Outcome::kNotFound) {
    Answer(exchange, ErrorResponse(404, "not_found", "no such route", "", exchange->request_id));
    return;
  }
  if (match.outcome == Router::Outcome::kMethodNotAllowed) {
    HttpResponse response = ErrorResponse(
        405, "method_not_allowed", "method not allowed on this route", "", exchange->request_id);
    std::string allow;
    for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
    response.headers.emplace_back("Allow", allow);
    Answer(exchange, response);
    return;
  }
  const Route& route = *match.route;
  exchange->route = route.pattern;
  if (route.options.deadline.count() > 0) {
    exchange->deadline = exchange->started + route.options.deadline;
  }
  incoming.params = std::move(match.params);
  // Ids in paths reach SQL and logs: bytes that are not UTF-8 (or control characters) can name
  // nothing, so they are "not found" here, before any handler or database sees them.
  for (const auto& [name, value] : incoming.params) {
    if (!IsAcceptablePathParam(value)) {
      Answer(exchange,
             ErrorResponse(404, "not_found", "no such " + name, name, exchange->request_id));
      return;
    }
  }

  if (request.body().size() > route.options.max_body_bytes) {
    Answer(exchange, ErrorResponse(413, "payload_too_large",
                                   "request body larger than " +
                                       std::to_string(route.options.max_body_bytes) + " bytes",
                                   "", exchange->request_id));
    return;
  }
  // Pistache splits the query but does not decode it (pistacheio/pistache#1179).
  const auto& query = request.query();
  for (auto it = query.parameters_begin(); it != query.parameters_end(); ++it) {
    auto name = PercentDecode(it->first, true);
    auto value = PercentDecode(it->second, true);
    // NUL is refused too: PostgreSQL cannot hold it in text.
    if (!name || !value || !IsValidUtf8(*name) || !IsValidUtf8(*value) ||
        name->find('\0') != std::string::npos || value->find('\0') != std::string::npos) {
      Answer(exchange, ErrorResponse(400, "bad_request", "malformed query string", it->first,
                                     exchange->request_id));
      return;
    }
    incoming.query[*name] = *value;
  }
  incoming.body = request.body();

  if (!route.options.blocking) {
    RunHandler(exchange, route, incoming);
    return;
  }
  std::uint64_t id = 0;
  const bool deferred = static_cast<bool>(route.deferred);
  exchange->untrack_on_answer = deferred;
  Track(exchange, &id);
  exchange->track_id = id;
  bool queued =
      pool.TrySubmit([this, exchange, &route, id, deferred, incoming = std::move(incoming)] {
        if (std::chrono::steady_clock::now() < exchange->deadline) {
          RunHandler(exchange, route, incoming);
        }
        if (!deferred) Untrack(id);
      });
  if (!queued) {
    Untrack(id);
    Answer(exchange, Busy(ErrorResponse(503, "overloaded", "the service is busy, retry later", "",
                                        exchange->request_id)));
  }
}

void HttpServer::Core::WatchDeadlines() {
  while (watchdog_running) {
    std::vector<std::shared_ptr<Exchange>> late;
    {
      std::unique_lock lock(inflight_mutex);
      inflight_changed.wait_for(lock, std::chrono::milliseconds(50));
      auto now = std::chrono::steady_clock::now();
      for (const auto& [id, exchange] : inflight) {
        if (now >= exchange->deadline && !exchange->answered) late.push_back(exchange);
      }
    }
    for (const auto& exchange : late) {
      ++deadline_exceeded;
      Answer(exchange,
             Busy(ErrorResponse(503, "deadline_exceeded", "the request took too long, retry later",
                                "", exchange->request_id)));
    }
  }
}

HttpResponse HttpServer::Core::Readiness(const HttpRequest& request) {
  Json checks = Json::object();
  std::string failed;
  for (const auto& [name, check] : readiness) {
    try {
      check();
      checks[name] = "ok";
    } catch (const std::exception& error) {
      checks[name] = "unavailable";
      failed += (failed.empty() ? "" : ", ") + name;
      logger.Warn("readiness check failed", {{"check", name}, {"what", error.what()}},
                  request.request_id);
    }
  }
  if (draining) failed += (failed.empty() ? "" : ", ") + std::string("shutting down");
  if (!failed.empty()) {
    return ErrorResponse(503, "not_ready", "not ready: " + failed, "", request.request_id);
  }
  return HttpResponse::WithJson(200, {{"status", "ready"}, {"checks", checks}});
}

HttpServer::HttpServer(HttpServerOptions options, const Logger& logger, Metrics& metrics,
                       const Clock& clock, IdGenerator& ids)
    : core_(std::make_unique<Core>(std::move(options), logger, metrics, clock, ids)) {
  Core* core = core_.get();
  RouteOptions inline_route{.max_body_bytes = 0, .blocking = false};
  core->router.Add(
      "GET", "/healthz",
      [](const HttpRequest&) {
        return HttpResponse::WithJson(200, {{"status", "ok"}});
      },
      inline_route);
  core->router.Add(
      "GET", "/metrics",
      [core](const HttpRequest&) {
        return HttpResponse::Text(200, core->metrics.Render(),
                                  "text/plain; version=0.0.4; charset=utf-8");
      },
      inline_route);
  core->router.Add(
      "GET", "/readyz", [core](const HttpRequest& request) { return core->Readiness(request); },
      RouteOptions{.max_body_bytes = 0, .blocking = true});
  core->metrics.AddCollector([core](Metrics::Writer& writer) {
    core->pool.ReportTo(writer, "http");
    std::size_t inflight = 0;
    {
      std::lock_guard lock(core->inflight_mutex);
      inflight = core->inflight.size();
    }
    writer.Gauge("daiban_http_inflight", "Blocking requests not yet answered",
                 static_cast<double>(inflight));
    writer.Counter("daiban_http_deadline_exceeded_total", "Requests answered 503 at the deadline",
                   static_cast<double>(core->deadline_exceeded.load()));
  });
}

HttpServer::~HttpServer() { Stop(); }

Router& HttpServer::Routes() { return core_->router; }

void HttpServer::AddReadinessCheck(std::string name, ReadinessCheck check) {
  core_->readiness.emplace_back(std::move(name), std::move(check));
}

void HttpServer::Start() {
  Core& core = *core_;
  Pistache::Address address(core.options.bind_address, Pistache::Port(core.options.port));
  KeepOnlyFramingHeadersParsed();
  core.endpoint = std::make_unique<Pistache::Http::Endpoint>(address);
  // Pistache's one size limit covers request line, headers and body: the largest route body
  // plus room for headers. Tighter per-route limits are checked in Handle().
  std::size_t max_request = core.router.LargestBodyLimit() + 64 * 1024;
  auto opts = Pistache::Http::Endpoint::options()
                  .threads(core.options.io_threads)
                  .flags(Pistache::Tcp::Options::ReuseAddr)
                  .maxRequestSize(max_request)
                  .maxResponseSize(64 * 1024 * 1024)
                  .headerTimeout(core.options.header_timeout)
                  .bodyTimeout(core.options.body_timeout)
                  .keepaliveTimeout(core.options.keepalive_timeout);
  core.endpoint->init(opts);
  core.endpoint->setHandler(Pistache::Http::make_handler<PistacheAdapter>(&core));
  core.watchdog_running = true;
  core.watchdog = std::thread([&core] { core.WatchDeadlines(); });
  try {
    // serveThreaded() binds by itself (a bind() before it would bind twice).
    core.endpoint->serveThreaded();
  } catch (const std::exception& error) {
    Stop();
    throw ConfigError("cannot listen on " + core.options.bind_address + ":" +
                      std::to_string(core.options.port) + ": " + error.what());
  }
  core.logger.Info("listening", {{"address", core.options.bind_address}, {"port", Port()}});
}

std::uint16_t HttpServer::Port() const {
  return core_->endpoint ? static_cast<std::uint16_t>(core_->endpoint->getPort()) : 0;
}

void HttpServer::OnDrain(std::function<void()> hook) {
  core_->drain_hooks.push_back(std::move(hook));
}

void HttpServer::Drain() {
  Core& core = *core_;
  core.draining = true;
  core.RunDrainHooks();
  std::unique_lock lock(core.inflight_mutex);
  core.inflight_changed.wait_for(lock, core.options.drain_timeout,
                                 [&core] { return core.inflight.empty(); });
  if (!core.inflight.empty()) {
    core.logger.Warn("drain timed out", {{"inflight", core.inflight.size()}});
  }
}

void HttpServer::Stop() {
  Core& core = *core_;
  if (core.stopped.exchange(true)) return;
  core.draining = true;
  core.RunDrainHooks();
  if (core.endpoint) core.endpoint->shutdown();
  core.pool.Stop();
  core.watchdog_running = false;
  core.inflight_changed.notify_all();
  if (core.watchdog.joinable()) core.watchdog.join();
}

}  // namespace daiban::kernel
