// api/openapi.json and the routes the services register must describe the same API: every
// public route is documented, and every documented operation exists.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "daiban/dispatch/server/dispatch_server.hpp"
#include "daiban/intake/intake_service.hpp"
#include "daiban/mobile/mobile_gateway.hpp"
#include "daiban/tracking/server/tracking_server.hpp"

namespace daiban {
namespace {

using Operation = std::pair<std::string, std::string>;  // lowercase method, OpenAPI path

// "/api/v1/items/:code" -> "/api/v1/items/{code}"
std::string OpenApiPath(const std::string& pattern) {
  std::string out;
  std::size_t start = 0;
  while (start < pattern.size()) {
    std::size_t slash = pattern.find('/', start + 1);
    if (slash == std::string::npos) slash = pattern.size();
    std::string segment = pattern.substr(start, slash - start);  // with its leading '/'
    if (segment.size() > 1 && segment[1] == ':') segment = "/{" + segment.substr(2) + "}";
    out += segment;
    start = slash;
  }
  return out;
}

bool IsPublic(const std::string& pattern) {
  return pattern.rfind("/api/", 0) == 0 || pattern.rfind("/mobile/", 0) == 0 ||
         pattern.rfind("/open311/", 0) == 0;
}

std::set<Operation> RegisteredOperations() {
  std::set<Operation> operations;
  // Wiring builds the routes without touching PostgreSQL or Redis (pools connect lazily).
  kernel::Env no_environment([](const std::string&) { return std::nullopt; });
  // The one setting a service refuses to start without (the services read the process
  // environment while wiring).
  const std::string photos = ::testing::TempDir() + "daiban-contract-photos";
  setenv("DAIBAN_ATTACHMENT_DIR", photos.c_str(), 0);
  const std::vector<std::pair<std::string, void (*)(runtime::ServiceHost&)>> services = {
      {"intake", intake::WireIntake},
      {"dispatch", dispatch::WireDispatch},
      {"tracking", tracking::WireTracking},
      {"mobile", mobile::WireMobile}};
  for (const auto& [name, wire] : services) {
    runtime::ServiceHost host(runtime::LoadServiceSettings(no_environment, name, 0));
    wire(host);
    for (const auto& route : host.Server().Routes().All()) {
      if (!IsPublic(route.pattern)) continue;
      std::string method = route.method;
      for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      operations.insert({method, OpenApiPath(route.pattern)});
    }
  }
  return operations;
}

nlohmann::json Document() {
  std::ifstream in(std::string(DAIBAN_SOURCE_DIR) + "/api/openapi.json");
  EXPECT_TRUE(in.good()) << "api/openapi.json is missing";
  return nlohmann::json::parse(in);
}

TEST(OpenApiContractTest, DocumentIsOpenApi3WithResponsesEverywhere) {
  auto doc = Document();
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
      EXPECT_TRUE(operation.contains("summary")) << method << " " << path;
    }
  }
}

TEST(OpenApiContractTest, EveryRouteIsDocumented) {
  auto doc = Document();
  for (const auto& [method, path] : RegisteredOperations()) {
    EXPECT_TRUE(doc["paths"].contains(path) && doc["paths"][path].contains(method))
        << method << " " << path << " is served but not in api/openapi.json";
  }
}

TEST(OpenApiContractTest, EveryDocumentedOperationIsServed) {
  auto doc = Document();
  auto served = RegisteredOperations();
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      EXPECT_TRUE(served.count({method, path}))
          << method << " " << path << " is documented but no service serves it";
    }
  }
}

TEST(OpenApiContractTest, PathConversion) {
  EXPECT_EQ(OpenApiPath("/api/v1/items/:code"), "/api/v1/items/{code}");
  EXPECT_EQ(OpenApiPath("/api/v1/items"), "/api/v1/items");
}

}  // namespace
}  // namespace daiban
