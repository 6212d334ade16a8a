// Published simulation reports through the gateway: an administrator publishes (once per
// Idempotency-Key), supervisors list and read them, the page comes sandboxed, and every other
// role and every malformed publication is refused with the error JSON.
#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

// A summary as sim/daiban_sim.py writes it, cut down to what is required plus a district.
nlohmann::json Summary(const std::string& scenario) {
  return {{"scenario", scenario},
          {"seed", 42},
          {"day", "2026-03-03"},
          {"line", "simulated day: 3 cases, on-time 100.0%"},
          {"city",
           {{"cases", 3},
            {"on_time_rate", 100.0},
            {"offer_latency_ms", {{"p50", 80.0}, {"p99", 120.5}}}}},
          {"districts", {{"370102", {{"cases", 3}}}}},
          {"problems", {{"lost", 0}, {"duplicated", 0}, {"unclosed", 0}}},
          {"run", {{"wall_s", 12.5}}},
          {"changes", {{"agents_factor", 0.7}}}};
}

nlohmann::json Publication(const std::string& scenario) {
  return {
      {"title", "端到端 " + scenario},
      {"summary", Summary(scenario)},
      {"html", "<!doctype html><title>r</title><p id=\"last-line\">模拟日报 " + scenario + "</p>"}};
}

std::map<std::string, std::string> Keyed(const std::string& token, const std::string& key) {
  auto headers = Bearer(token);
  headers["Idempotency-Key"] = key;
  return headers;
}

TEST(SimulationReportsE2eTest, PublishedByAnAdministratorReadBySupervisors) {
  const std::string admin = StaffLogin("13800000000");
  const std::string supervisor = StaffLogin("13800000001");
  const std::string scenario = Unique("e2e");
  const std::string key = Unique("publish");

  auto published = Gateway("POST", "/api/v1/simulations/reports", Publication(scenario).dump(),
                           Keyed(admin, key));
  ASSERT_EQ(published.status, 201) << published.body;
  auto report = Body(published);
  const auto id = report["id"].get<std::int64_t>();
  EXPECT_EQ(report["title"], "端到端 " + scenario);
  EXPECT_EQ(report["scenario"], scenario);
  EXPECT_EQ(report["cases"], 3);
  EXPECT_EQ(report["offer_p99_ms"], 120.5);
  EXPECT_EQ(report["changes"], nlohmann::json({{"agents_factor", 0.7}}));
  EXPECT_EQ(report["summary"]["districts"]["370102"]["cases"], 3);

  // The same key and body: the first answer again, nothing published twice; another body: 409.
  auto again = Gateway("POST", "/api/v1/simulations/reports", Publication(scenario).dump(),
                       Keyed(admin, key));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, published.body);
  ExpectErrorJson(Gateway("POST", "/api/v1/simulations/reports", Publication(scenario + "x").dump(),
                          Keyed(admin, key)),
                  409, "idempotency_key_reused");

  // The supervisor finds it in the list (newest first, paged) and reads it.
  auto all = EveryPage("/api/v1/simulations/reports", Bearer(supervisor), "reports", 2);
  auto listed =
      std::find_if(all.begin(), all.end(), [&](const nlohmann::json& r) { return r["id"] == id; });
  ASSERT_NE(listed, all.end());
  EXPECT_EQ((*listed)["on_time_rate"], 100.0);
  EXPECT_EQ(std::count_if(all.begin(), all.end(),
                          [&](const nlohmann::json& r) { return r["scenario"] == scenario; }),
            1);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i - 1]["id"], all[i]["id"]);

  auto one =
      Gateway("GET", "/api/v1/simulations/reports/" + std::to_string(id), "", Bearer(supervisor));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Body(one)["summary"], Summary(scenario));
  EXPECT_EQ(Body(one)["html_url"], "/api/v1/simulations/reports/" + std::to_string(id) + "/html");

  auto page = Gateway("GET", "/api/v1/simulations/reports/" + std::to_string(id) + "/html", "",
                      Bearer(supervisor));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.body, Publication(scenario)["html"].get<std::string>());
  EXPECT_EQ(page.Header("content-type").value_or("").rfind("text/html", 0), 0u);
  const auto policy = page.Header("content-security-policy").value_or("");
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("sandbox"), std::string::npos) << policy;
  EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");

  ExpectErrorJson(Gateway("GET", "/api/v1/simulations/reports/999999999", "", Bearer(supervisor)),
                  404, "not_found");
  ExpectErrorJson(Gateway("GET", "/api/v1/simulations/reports/x/html", "", Bearer(supervisor)), 404,
                  "not_found");
}

TEST(SimulationReportsE2eTest, OtherRolesAndBadPublicationsAreRefused) {
  const std::string admin = StaffLogin("13800000000");
  const std::string supervisor = StaffLogin("13800000001");
  const std::string window = StaffLogin("13800000003");
  const std::string agent = StaffLogin("13800000004");
  const auto body = Publication(Unique("refused")).dump();

  // Only administrators publish; supervisors and administrators read; applicants have no token.
  ExpectErrorJson(Gateway("POST", "/api/v1/simulations/reports", body, Bearer(supervisor)), 403,
                  "forbidden");
  ExpectErrorJson(Gateway("POST", "/api/v1/simulations/reports", body, Bearer(agent)), 403,
                  "forbidden");
  ExpectErrorJson(Gateway("POST", "/api/v1/simulations/reports", body), 401, "");
  for (const auto& token : {window, agent}) {
    ExpectErrorJson(Gateway("GET", "/api/v1/simulations/reports", "", Bearer(token)), 403,
                    "forbidden");
    ExpectErrorJson(Gateway("GET", "/api/v1/simulations/reports/1/html", "", Bearer(token)), 403,
                    "forbidden");
  }
  ExpectErrorJson(Gateway("GET", "/api/v1/simulations/reports"), 401, "");

  // Malformed: not JSON (400), members missing or mistyped (422 naming them), bad paging (400).
  ExpectErrorJson(Gateway("POST", "/api/v1/simulations/reports", "{", Bearer(admin)), 400, "");
  auto refused = [&](const std::function<void(nlohmann::json&)>& change, const std::string& field) {
    auto publication = Publication("bad");
    change(publication);
    auto response =
        Gateway("POST", "/api/v1/simulations/reports", publication.dump(), Bearer(admin));
    ExpectErrorJson(response, 422, "");
    EXPECT_EQ(Body(response)["error"]["field"], field) << response.body;
  };
  refused([](nlohmann::json& p) { p.erase("title"); }, "title");
  refused([](nlohmann::json& p) { p["html"] = 1; }, "html");
  refused([](nlohmann::json& p) { p["summary"].erase("city"); }, "summary.city");
  refused([](nlohmann::json& p) { p["summary"]["city"]["offer_latency_ms"].erase("p99"); },
          "summary.city.offer_latency_ms.p99");
  refused([](nlohmann::json& p) { p["summary"]["seed"] = "42"; }, "summary.seed");
  auto large = Publication("large");
  large["html"] = std::string(2 * 1024 * 1024 + 1, 'a');
  ExpectErrorJson(Gateway("POST", "/api/v1/simulations/reports", large.dump(), Bearer(admin)), 413,
                  "");
  ExpectErrorJson(Gateway("GET", "/api/v1/simulations/reports?limit=0", "", Bearer(supervisor)),
                  400, "");
  ExpectErrorJson(
      Gateway("GET", "/api/v1/simulations/reports?cursor=nonsense", "", Bearer(supervisor)), 400,
      "");
}

}  // namespace
}  // namespace daiban::e2e
