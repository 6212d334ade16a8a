// The catalogue, calendar and sign-in APIs through the gateway, on the demo data that
// deploy/local/test.sh loads, plus the JSON bad-input suite on a real JSON endpoint.
#include <gtest/gtest.h>

#include <map>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using nlohmann::json;

TEST(CatalogueE2eTest, RegionTreeHasTheCityAndItsDistricts) {
  auto response = Gateway("GET", "/api/v1/regions");
  ASSERT_EQ(response.status, 200);
  auto regions = Body(response)["regions"];
  ASSERT_EQ(regions.size(), 1u);
  EXPECT_EQ(regions[0]["code"], "370100");
  EXPECT_EQ(regions[0]["name"], "济南市");
  EXPECT_GE(regions[0]["children"].size(), 14u);
  for (const auto& district : regions[0]["children"]) {
    EXPECT_GE(district["children"].size(), 2u) << district["name"];
  }
}

// The maps' outlines: the twelve districts the demo data imported, as GeoJSON, named as the
// catalogue names them, every ring closed.
TEST(CatalogueE2eTest, DistrictBoundariesAreServedAsGeoJson) {
  auto response = Gateway("GET", "/api/v1/regions/boundaries");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("cache-control"), "public, max-age=300");
  auto collection = Body(response);
  EXPECT_EQ(collection["type"], "FeatureCollection");
  ASSERT_EQ(collection["features"].size(), 12u);
  std::map<std::string, nlohmann::json> by_code;
  for (const auto& feature : collection["features"]) {
    by_code[feature["properties"]["code"]] = feature;
    EXPECT_EQ(feature["geometry"]["type"], "MultiPolygon");
    for (const auto& polygon : feature["geometry"]["coordinates"]) {
      for (const auto& ring : polygon) {
        ASSERT_GE(ring.size(), 4u);
        EXPECT_EQ(ring.front(), ring.back());
      }
    }
  }
  ASSERT_TRUE(by_code.count("370102"));
  EXPECT_EQ(by_code["370102"]["properties"]["name"], "历下区");
  EXPECT_FALSE(by_code.count("JNGX")) << "a functional zone has no outline of its own";
  const auto& first = by_code["370102"]["geometry"]["coordinates"][0][0][0];
  EXPECT_GT(first[0].get<double>(), 116.9);  // [lng, lat]
  EXPECT_LT(first[1].get<double>(), 36.8);
}

TEST(CatalogueE2eTest, ItemsFilterByChineseTextAndPage) {
  // 登记 percent-encoded, as a browser sends it.
  auto response = Gateway("GET", "/api/v1/items?q=%E7%99%BB%E8%AE%B0&limit=3");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = Body(response);
  ASSERT_EQ(body["items"].size(), 3u);
  for (const auto& item : body["items"]) {
    EXPECT_NE(item["name"].get<std::string>().find("登记"), std::string::npos);
  }
  ASSERT_TRUE(body["next_cursor"].is_string());
  auto next = Gateway("GET", "/api/v1/items?q=%E7%99%BB%E8%AE%B0&limit=3&cursor=" +
                                 body["next_cursor"].get<std::string>());
  ASSERT_EQ(next.status, 200);
  EXPECT_NE(Body(next)["items"][0]["code"], body["items"][0]["code"]);
}

TEST(CatalogueE2eTest, ItemFiltersCombine) {
  auto response = Gateway("GET", "/api/v1/items?class=we_run&mode=proxy&region=370102&limit=100");
  ASSERT_EQ(response.status, 200);
  const json body = Body(response);
  for (const auto& item : body["items"]) {
    EXPECT_EQ(item["service_class"]["code"], "we_run");
    EXPECT_EQ(item["service_class"]["label"], "你不用跑我来跑");
  }
}

TEST(CatalogueE2eTest, BadFiltersAndCursorsAre400) {
  ExpectErrorJson(Gateway("GET", "/api/v1/items?class=walk"), 400, "bad_request");
  ExpectErrorJson(Gateway("GET", "/api/v1/items?limit=0"), 400, "bad_request");
  ExpectErrorJson(Gateway("GET", "/api/v1/items?limit=ten"), 400, "bad_request");
  ExpectErrorJson(Gateway("GET", "/api/v1/items?cursor=garbage"), 400, "bad_request");
  auto region = Gateway("GET", "/api/v1/items?region=999999");
  ExpectErrorJson(region, 400, "bad_request");
  EXPECT_EQ(Body(region)["error"]["field"], "region");
  ExpectErrorJson(Gateway("GET", "/api/v1/items?department=NOPE"), 400, "bad_request");
  ExpectErrorJson(Gateway("GET", "/api/v1/items?q=%ZZ"), 400, "bad_request");
}

TEST(CatalogueE2eTest, ServiceGuideAndUnknownCodes) {
  auto list = Body(Gateway("GET", "/api/v1/items?limit=1"));
  std::string code = list["items"][0]["code"];
  auto guide = Gateway("GET", "/api/v1/items/" + code);
  ASSERT_EQ(guide.status, 200);
  auto body = Body(guide);
  EXPECT_FALSE(body["materials"].empty());
  EXPECT_TRUE(body["department"]["hall"]["address"].is_string());
  EXPECT_TRUE(body["conditions"].is_string());
  ExpectErrorJson(Gateway("GET", "/api/v1/items/NO-SUCH-ITEM"), 404, "not_found");
  ExpectErrorJson(Gateway("GET", "/api/v1/bundles/NO-SUCH-BUNDLE"), 404, "not_found");
}

TEST(CatalogueE2eTest, BundlesWithSteps) {
  auto bundles = Body(Gateway("GET", "/api/v1/bundles"))["bundles"];
  ASSERT_GE(bundles.size(), 3u);
  std::string code = bundles[0]["code"];
  auto one = Gateway("GET", "/api/v1/bundles/" + code);
  ASSERT_EQ(one.status, 200);
  EXPECT_GE(Body(one)["steps"].size(), 2u);
  EXPECT_TRUE(Body(one)["steps"][0]["department_code"].is_string());
}

TEST(CatalogueE2eTest, DepartmentsHaveHalls) {
  auto departments = Body(Gateway("GET", "/api/v1/departments"))["departments"];
  ASSERT_GE(departments.size(), 8u);
  for (const auto& d : departments) EXPECT_TRUE(d["hall"]["location"]["lat"].is_number());
}

TEST(CalendarE2eTest, NationalDayDeadline) {
  auto response =
      Gateway("GET", "/api/v1/calendar/deadline?from=2026-09-30T10:00:00%2B08:00&working_days=3");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Body(response)["deadline"], "2026-10-10T17:00:00+08:00");
  EXPECT_EQ(Body(response)["provisional"], false);
  auto next_year =
      Gateway("GET", "/api/v1/calendar/deadline?from=2027-03-01T10:00:00%2B08:00&working_days=5");
  EXPECT_EQ(Body(next_year)["provisional"], true);
  ExpectErrorJson(Gateway("GET", "/api/v1/calendar/deadline?from=yesterday&working_days=3"), 400,
                  "bad_request");
  ExpectErrorJson(Gateway("GET", "/api/v1/calendar/deadline?from=2026-09-30T10:00:00Z"), 400,
                  "bad_request");
  auto days = Body(Gateway("GET", "/api/v1/calendar/days?year=2026"));
  EXPECT_EQ(days["loaded"], true);
  EXPECT_EQ(days["days"].size(), 39u);
}

TEST(AuthE2eTest, DemoSupervisorSignsInAndOut) {
  auto login =
      Gateway("POST", "/api/v1/auth/login", R"({"phone":"13800000001","password":"daiban-demo"})");
  ASSERT_EQ(login.status, 200) << login.body;
  std::string token = Body(login)["token"];
  EXPECT_EQ(Body(login)["user"]["role"], "supervisor");
  EXPECT_EQ(Body(login)["user"]["phone"], "138****0001");  // masked
  auto me = Gateway("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(Body(me)["user"]["region_code"], "370102");
  EXPECT_EQ(Gateway("POST", "/api/v1/auth/logout", "", Bearer(token)).status, 200);
  ExpectErrorJson(Gateway("GET", "/api/v1/auth/me", "", Bearer(token)), 401, "unauthorized");
  ExpectErrorJson(Gateway("GET", "/api/v1/auth/me"), 401, "unauthorized");
}

TEST(AuthE2eTest, WrongPasswordAndUnknownPhoneAnswerTheSame) {
  auto wrong = Gateway("POST", "/api/v1/auth/login",
                       R"({"phone":"13800000003","password":"not-the-password"})");
  auto unknown = Gateway("POST", "/api/v1/auth/login",
                         R"({"phone":"13811112222","password":"not-the-password"})");
  ExpectErrorJson(wrong, 401, "unauthorized");
  ExpectErrorJson(unknown, 401, "unauthorized");
  EXPECT_EQ(Body(wrong)["error"], Body(unknown)["error"]);
}

// The bad-input suite of the Foundation, on a real JSON endpoint through the gateway.
TEST(BadInputE2eTest, MalformedJsonIs400) {
  ExpectErrorJson(Gateway("POST", "/api/v1/auth/login", R"({"phone":)"), 400, "bad_request");
}

TEST(BadInputE2eTest, WrongTypesAre422NamingTheField) {
  auto response = Gateway("POST", "/api/v1/auth/login", R"({"phone":13800000001,"password":"x"})");
  ExpectErrorJson(response, 422, "validation_failed");
  EXPECT_EQ(Body(response)["error"]["field"], "phone");
  ExpectErrorJson(Gateway("POST", "/api/v1/auth/login", "[1,2]"), 400, "bad_request");
}

TEST(BadInputE2eTest, JsonNestedTooDeepIs400) {
  std::string deep = std::string(1500, '[') + std::string(1500, ']');  // under 4 KiB
  ExpectErrorJson(Gateway("POST", "/api/v1/auth/login", deep), 400, "bad_request");
}

TEST(BadInputE2eTest, InvalidUtf8Is400) {
  ExpectErrorJson(Gateway("POST", "/api/v1/auth/login", "{\"phone\":\"\xc3\x28\"}"), 400,
                  "bad_request");
}

TEST(BadInputE2eTest, BodyOverTheRouteLimitIs413) {
  std::string big = "{\"phone\":\"" + std::string(10000, '1') + "\"}";
  ExpectErrorJson(Gateway("POST", "/api/v1/auth/login", big), 413, "payload_too_large");
}

TEST(BadInputE2eTest, WrongMethodIs405WithAllow) {
  auto response = Gateway("GET", "/api/v1/auth/login");
  ExpectErrorJson(response, 405, "method_not_allowed");
  EXPECT_EQ(response.Header("allow"), "POST");
}

TEST(BadInputE2eTest, PostgresDownMakesRequests503NotHangs) {
  Stack::Control("pg-stop");
  auto response = Gateway("GET", "/api/v1/items?limit=1");
  EXPECT_FALSE(response.timed_out);
  ExpectErrorJson(response, 503, "unavailable");
  EXPECT_EQ(response.body.find("connect"), std::string::npos) << "library text leaked";
  Stack::Control("pg-start");
  EXPECT_TRUE(Eventually([] { return Gateway("GET", "/api/v1/items?limit=1").status == 200; }, 30));
}

}  // namespace
}  // namespace daiban::e2e
