// api/openapi.json and the routes the services register must describe the same API: every
// public route is documented, and every documented operation exists. The document's schemas
// stay within what the response check (tests/support/schema_check.hpp) understands, and the
// views we promise completely refuse an undocumented field.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "daiban/dispatch/server/dispatch_server.hpp"
#include "daiban/intake/intake_server.hpp"
#include "daiban/mobile/mobile_gateway.hpp"
#include "daiban/tracking/server/tracking_server.hpp"
#include "schema_check.hpp"

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

// The API's routes; /api/docs/ serves the rendered document itself, a page like /console/.
bool IsPublic(const std::string& pattern) {
  if (pattern.rfind("/api/docs/", 0) == 0) return false;
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

TEST(OpenApiContractTest, SchemasUseOnlyWhatTheResponseCheckUnderstandsAndEveryRefResolves) {
  auto doc = Document();
  testing::SchemaCheck check(doc);
  for (const auto& [name, schema] : doc["components"]["schemas"].items()) {
    EXPECT_EQ(check.UnsupportedKeywords(schema), std::set<std::string>()) << name;
  }
  // Resolving every $ref of the document throws on a dangling one.
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
    if (node.is_object()) {
      if (node.contains("$ref") && node["$ref"].is_string()) {
        std::string ref = node["$ref"];
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
        EXPECT_TRUE(doc.contains(nlohmann::json::json_pointer(ref.substr(1)))) << ref;
      }
      for (const auto& [key, child] : node.items()) walk(child);
    } else if (node.is_array()) {
      for (const auto& child : node) walk(child);
    }
  };
  walk(doc);
}

// The views every role receives are promised completely: required fields and no others.
TEST(OpenApiContractTest, TheMainViewsAreClosed) {
  auto doc = Document();
  for (const std::string name :
       {"CaseStaffView", "CaseApplicantView", "CustodyLink", "CaseSummary", "PublicTrackView",
        "Task", "Delivery", "DeliveryWithAttempts", "CourierStop", "Error", "User", "Login",
        "PhoneLogin", "Courier", "Offer"}) {
    ASSERT_TRUE(doc["components"]["schemas"].contains(name)) << name;
    const auto& schema = doc["components"]["schemas"][name];
    EXPECT_EQ(schema.value("additionalProperties", nlohmann::json(true)), false) << name;
    EXPECT_TRUE(schema.contains("required")) << name;
  }
  // The staff view documents what staff see, the chain of custody among it.
  const auto& staff = doc["components"]["schemas"]["CaseStaffView"]["properties"];
  for (const std::string field : {"custody", "custody_holder", "applicant", "delivery", "version",
                                  "agent_id", "result_reference"}) {
    EXPECT_TRUE(staff.contains(field)) << field;
  }
}

TEST(SchemaCheckTest, FindsWrongTypesMissingAndUndocumentedFields) {
  nlohmann::json doc = {
      {"components",
       {{"schemas",
         {{"Point",
           {{"type", "object"},
            {"required", {"lat", "lng"}},
            {"additionalProperties", false},
            {"properties", {{"lat", {{"type", "number"}}}, {"lng", {{"type", "number"}}}}}}},
          {"Link",
           {{"type", "object"},
            {"required", {"role", "position"}},
            {"additionalProperties", false},
            {"properties",
             {{"role", {{"type", "string"}, {"enum", {"agent", "window"}}}},
              {"position", {{"$ref", "#/components/schemas/Point"}, {"nullable", true}}},
              {"tags", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
              {"note", {{"oneOf", {{{"type", "string"}}, {{"type", "integer"}}}}}}}}}}}}}}};
  testing::SchemaCheck check(doc);
  auto link = check.Named("Link");
  EXPECT_TRUE(check.Problems({{"role", "agent"}, {"position", nullptr}}, link).empty());
  EXPECT_TRUE(check
                  .Problems({{"role", "window"},
                             {"position", {{"lat", 1.5}, {"lng", 2}}},
                             {"tags", {1, 2}},
                             {"note", 3}},
                            link)
                  .empty());
  auto problems = [&](const nlohmann::json& value) { return check.Problems(value, link); };
  EXPECT_EQ(problems({{"role", "agent"}, {"position", nullptr}, {"secret", 1}}),
            std::vector<std::string>{"$: the field secret is not in the document"});
  EXPECT_EQ(problems({{"role", "courier"}, {"position", nullptr}}),
            std::vector<std::string>{"$.role: \"courier\" is not in the enum"});
  EXPECT_EQ(problems({{"role", "agent"}}),
            std::vector<std::string>{"$: the required field position is missing"});
  EXPECT_EQ(problems({{"role", "agent"}, {"position", {{"lat", "x"}, {"lng", 1}}}}),
            std::vector<std::string>{"$.position.lat: expected number, got \"x\""});
  EXPECT_EQ(problems({{"role", "agent"}, {"position", nullptr}, {"tags", {1, 1.5}}}),
            std::vector<std::string>{"$.tags[1]: expected integer, got 1.5"});
  EXPECT_FALSE(problems({{"role", "agent"}, {"position", nullptr}, {"note", true}}).empty());
  EXPECT_EQ(check.UnsupportedKeywords({{"type", "string"}, {"const", "x"}}),
            std::set<std::string>{"const"});
}

TEST(OpenApiContractTest, PathConversion) {
  EXPECT_EQ(OpenApiPath("/api/v1/items/:code"), "/api/v1/items/{code}");
  EXPECT_EQ(OpenApiPath("/api/v1/items"), "/api/v1/items");
}

// Every JSON answer is promised completely, down to its nested objects: an object schema lists
// its required fields and admits no others (the end-to-end tests check every answer they get
// against it), so a field a service adds or drops cannot go undocumented.
TEST(OpenApiContractTest, EveryJsonAnswerIsClosed) {
  auto doc = Document();
  std::set<std::string> seen;
  std::function<void(const nlohmann::json&, const std::string&)> walk =
      [&](const nlohmann::json& schema, const std::string& where) {
        if (!schema.is_object()) return;
        if (schema.contains("$ref")) {
          const std::string ref = schema["$ref"];
          if (!seen.insert(ref).second) return;
          walk(doc.at(nlohmann::json::json_pointer(ref.substr(1))), ref);
          return;
        }
        if (schema.value("type", "") == "object" && schema.contains("properties")) {
          EXPECT_EQ(schema.value("additionalProperties", nlohmann::json(true)), false) << where;
          EXPECT_TRUE(schema.contains("required")) << where;
          for (const auto& [name, property] : schema["properties"].items()) {
            walk(property, where + "." + name);
          }
        }
        if (schema.contains("items")) walk(schema["items"], where + "[]");
        for (const char* keyword : {"oneOf", "anyOf", "allOf"}) {
          if (!schema.contains(keyword)) continue;
          for (const auto& option : schema[keyword]) walk(option, where + "|" + keyword);
        }
      };
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      for (const auto& [status, response] : operation["responses"].items()) {
        if (status.empty() || status[0] != '2' || !response.contains("content")) continue;
        const auto& content = response["content"];
        if (!content.contains("application/json")) continue;
        walk(content["application/json"]["schema"], method + " " + path + " " + status);
      }
    }
  }
}

}  // namespace
}  // namespace daiban
