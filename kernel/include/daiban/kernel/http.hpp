#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daiban/kernel/idempotency.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::kernel {

// A request as handlers see it: no Pistache type leaks past the server wrapper. Query values
// and route parameters are already percent-decoded; header names are lowercase.
struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string request_id;
  std::string client_ip;
  int max_json_depth = 32;

  std::optional<std::string> Header(const std::string& lowercase_name) const;
  std::optional<std::string> Query(const std::string& name) const;
  const std::string& Param(const std::string& name) const;
  // The body parsed as JSON under the server's limits (400 on malformed, too deep, bad UTF-8).
  Json JsonBody() const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse WithJson(int status, const Json& value);
  static HttpResponse Text(int status, std::string body, std::string content_type);
  // A keyed write's answer: its JSON body exactly as first sent (a replay gets the same bytes).
  static HttpResponse Answer(const KeyedAnswer& answer);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Answers one deferred request; callable from any thread; only its first call counts.
using Responder = std::function<void(HttpResponse)>;
// A handler that may answer later (a long-poll): it runs in the work pool like a blocking one
// and either calls the responder before it returns or keeps it and calls it from another
// thread. An exception it throws is answered like a blocking handler's.
using DeferredHandler = std::function<void(const HttpRequest&, Responder)>;

struct RouteOptions {
  // Bodies above this are refused with 413 before the handler runs. The server-wide limit
  // is the largest of these (Pistache has one value per server).
  std::size_t max_body_bytes = 64 * 1024;
  // Blocking handlers (PostgreSQL, Redis, files) run in the bounded work pool under the
  // request deadline; non-blocking ones run on the I/O thread.
  bool blocking = true;
  // Replaces the server's request deadline for this route (zero: the server's). A deferred
  // route that holds requests open sets it above the longest wait it allows.
  std::chrono::milliseconds deadline{0};
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;
  HttpHandler handler;
  DeferredHandler deferred;  // set instead of `handler` for a deferred route
  RouteOptions options;
};

// Maps method + path to a route. Patterns are '/'-separated: a segment `:name` matches one
// non-empty path segment and binds it; a final `*` matches the rest (possibly empty) and binds
// it as "*". When several patterns match, the one with more literal segments wins.
class Router {
 public:
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;  // for 405
  };

  void Add(std::string method, std::string pattern, HttpHandler handler, RouteOptions options = {});
  // A route whose handler may answer later; it always runs in the work pool.
  void AddDeferred(std::string method, std::string pattern, DeferredHandler handler,
                   RouteOptions options = {});
  Match Find(const std::string& method, const std::string& path) const;
  std::size_t LargestBodyLimit() const;
  const std::vector<Route>& All() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace daiban::kernel
