// Request paths against a router shaped like the services' (literal segments, ':name' segments
// percent-decoded, a final '*'): the first byte picks the method, the rest is the path.
#include <algorithm>
#include <array>
#include <string>

#include "daiban/kernel/http.hpp"
#include "fuzz_target.hpp"

using daiban::kernel::Router;

namespace {

const Router& Routes() {
  static const Router router = [] {
    Router r;
    auto none = [](const daiban::kernel::HttpRequest&) { return daiban::kernel::HttpResponse{}; };
    r.Add("GET", "/api/v1/cases/:tracking_number", none);
    r.Add("POST", "/api/v1/cases/:tracking_number/events", none);
    r.Add("GET", "/api/v1/cases/search", none);
    r.Add("GET", "/api/v1/items/:code/materials/:seq", none);
    r.Add("PUT", "/api/v1/items/:code", none);
    r.Add("GET", "/open311/v2/requests/:id", none);
    r.Add("GET", "/console/*", none);
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::array<std::string, 4> kMethods = {"GET", "POST", "PUT", "DELETE"};
  const std::string& method = kMethods[data[0] % kMethods.size()];
  const std::string path(daiban::fuzz::Text(data + 1, size - 1));
  auto match = Routes().Find(method, path);
  switch (match.outcome) {
    case Router::Outcome::kFound:
      FUZZ_CHECK(match.route != nullptr && match.route->method == method);
      for (const auto& [name, value] : match.params) FUZZ_CHECK(name == "*" || !value.empty());
      break;
    case Router::Outcome::kMethodNotAllowed:
      FUZZ_CHECK(match.route == nullptr && !match.allowed_methods.empty());
      FUZZ_CHECK(std::find(match.allowed_methods.begin(), match.allowed_methods.end(), method) ==
                 match.allowed_methods.end());
      break;
    case Router::Outcome::kNotFound:
      FUZZ_CHECK(match.route == nullptr && match.allowed_methods.empty());
      break;
  }
  return 0;
}
