#include "daiban/kernel/http.hpp"

#include <algorithm>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::kernel {

namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

// Binds `route` to `segments`; returns the number of literal segments matched, or -1.
int MatchSegments(const Route& route, const std::vector<std::string>& segments,
                  std::map<std::string, std::string>* params) {
  const auto& pattern = route.segments;
  bool wildcard = !pattern.empty() && pattern.back() == "*";
  std::size_t fixed = wildcard ? pattern.size() - 1 : pattern.size();
  if (wildcard ? segments.size() < fixed : segments.size() != fixed) return -1;
  int literals = 0;
  std::map<std::string, std::string> bound;
  for (std::size_t i = 0; i < fixed; ++i) {
    if (pattern[i].front() == ':') {
      auto decoded = PercentDecode(segments[i], false);
      if (!decoded || decoded->empty()) return -1;
      bound[pattern[i].substr(1)] = *decoded;
    } else if (pattern[i] == segments[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  if (wildcard) {
    std::string rest;
    for (std::size_t i = fixed; i < segments.size(); ++i) {
      rest += (rest.empty() ? "" : "/") + segments[i];
    }
    bound["*"] = rest;
  }
  if (params != nullptr) *params = std::move(bound);
  return literals;
}

}  // namespace

std::optional<std::string> HttpRequest::Header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

const std::string& HttpRequest::Param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

Json HttpRequest::JsonBody() const { return ParseJsonBody(body, max_json_depth); }

HttpResponse HttpResponse::Answer(const KeyedAnswer& answer) {
  HttpResponse response;
  response.status = answer.status;
  response.body = answer.body;
  return response;
}

HttpResponse HttpResponse::WithJson(int status, const Json& value) {
  HttpResponse response;
  response.status = status;
  response.body = DumpJson(value);
  return response;
}

HttpResponse HttpResponse::Text(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}

void Router::Add(std::string method, std::string pattern, HttpHandler handler,
                 RouteOptions options) {
  Route route;
  route.segments = SplitPath(pattern);
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    if (route.segments[i] == "*" && i + 1 != route.segments.size()) {
      throw std::logic_error("'*' must be the last segment of " + pattern);
    }
  }
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
}

void Router::AddDeferred(std::string method, std::string pattern, DeferredHandler handler,
                         RouteOptions options) {
  options.blocking = true;
  Add(std::move(method), std::move(pattern), nullptr, options);
  routes_.back().deferred = std::move(handler);
}

Router::Match Router::Find(const std::string& method, const std::string& path) const {
  Match match;
  auto segments = SplitPath(path);
  int best = -1;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    int literals = MatchSegments(route, segments, &params);
    if (literals < 0) continue;
    if (route.method != method) {
      if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), route.method) ==
          match.allowed_methods.end()) {
        match.allowed_methods.push_back(route.method);
      }
      continue;
    }
    if (literals > best) {
      best = literals;
      match.route = &route;
      match.params = std::move(params);
    }
  }
  if (match.route != nullptr) {
    match.outcome = Outcome::kFound;
  } else if (!match.allowed_methods.empty()) {
    match.outcome = Outcome::kMethodNotAllowed;
  }
  return match;
}

std::size_t Router::LargestBodyLimit() const {
  std::size_t largest = 0;
  for (const auto& route : routes_) largest = std::max(largest, route.options.max_body_bytes);
  return largest;
}

}  // namespace daiban::kernel
