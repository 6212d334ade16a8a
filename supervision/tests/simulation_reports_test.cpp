// Published simulation reports without servers: what a publication must carry, the figures
// copied out of the summary, paging newest first, and one publication per Idempotency-Key.
#include "daiban/supervision/simulation_reports.hpp"

#include <gtest/gtest.h>

#include "daiban/kernel/errors.hpp"
#include "daiban/supervision/testing/memory_simulation_reports.hpp"
#include "refusal.hpp"

namespace daiban::supervision {
namespace {

using daiban::testing::Refusal;
using kernel::Json;

// A summary as sim/daiban_sim.py writes it (the members report.py reads).
Json Summary() {
  return Json::parse(R"({
    "scenario": "small", "seed": 7, "day": "2026-03-03",
    "line": "simulated day: 240 cases, on-time 99.6%",
    "city": {"cases": 240, "on_time_rate": 99.58,
             "offer_latency_ms": {"p50": 120.5, "p99": 995.0}},
    "districts": {}, "hours": {},
    "problems": {"lost": 0, "duplicated": 0, "unclosed": 0},
    "run": {"wall_s": 249.1},
    "changes": {"agents_factor": 0.7}})");
}

Json Body() {
  return {{"title", "  小规模一日 30% fewer agents "},
          {"summary", Summary()},
          {"html", "<!doctype html><p>report</p>"}};
}

class SimulationReportServiceTest : public ::testing::Test {
 protected:
  kernel::ManualClock clock{std::chrono::sys_seconds(std::chrono::seconds(1790000000))};
  testing::MemorySimulationReportStore store;
  SimulationReportService service{store, clock};
  SimulationReportService::Render render = [](const SimulationReport& r) {
    return std::to_string(r.id) + ":" + r.title;
  };
};

TEST(ValidateReportTest, CopiesTheListsFiguresOutOfTheSummary) {
  auto report = ValidateReport(Body());
  EXPECT_EQ(report.title, "小规模一日 30% fewer agents");
  EXPECT_EQ(report.scenario, "small");
  EXPECT_EQ(report.seed, 7);
  EXPECT_EQ(report.cases, 240);
  EXPECT_DOUBLE_EQ(report.on_time_rate, 99.58);
  EXPECT_DOUBLE_EQ(report.offer_p99_ms, 995.0);
  EXPECT_EQ(Json::parse(report.changes), Json::parse(R"({"agents_factor": 0.7})"));
  EXPECT_EQ(Json::parse(report.summary), Summary());
}

TEST(ValidateReportTest, WithoutChangesTheScenarioAsWritten) {
  auto body = Body();
  body["summary"].erase("changes");
  EXPECT_EQ(ValidateReport(body).changes, "{}");
}

TEST(ValidateReportTest, RefusesWhatIsMissingOrMistyped) {
  auto without = [](const std::string& path) {
    auto body = Body();
    Json* at = &body;
    std::string rest = path;
    for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
      at = &(*at)[rest.substr(0, dot)];
      rest = rest.substr(dot + 1);
    }
    at->erase(rest);
    return Refusal([&] { ValidateReport(body); });
  };
  for (const char* path :
       {"title", "html", "summary", "summary.scenario", "summary.seed", "summary.day",
        "summary.line", "summary.city", "summary.city.cases", "summary.city.on_time_rate",
        "summary.city.offer_latency_ms", "summary.city.offer_latency_ms.p99", "summary.problems",
        "summary.problems.lost", "summary.problems.duplicated", "summary.run",
        "summary.run.wall_s"}) {
    EXPECT_EQ(without(path), std::make_pair(422, std::string(path))) << path;
  }
  auto typed = [](const std::function<void(Json&)>& change) {
    auto body = Body();
    change(body);
    return Refusal([&] { ValidateReport(body); });
  };
  EXPECT_EQ(typed([](Json& b) { b["title"] = 5; }), std::make_pair(422, std::string("title")));
  EXPECT_EQ(typed([](Json& b) { b["title"] = " \n "; }), std::make_pair(422, std::string("title")));
  EXPECT_EQ(typed([](Json& b) { b["title"] = std::string(201, 'a'); }),
            std::make_pair(422, std::string("title")));
  EXPECT_EQ(typed([](Json& b) { b["html"] = ""; }), std::make_pair(422, std::string("html")));
  EXPECT_EQ(typed([](Json& b) { b["html"] = Json::array(); }),
            std::make_pair(422, std::string("html")));
  EXPECT_EQ(typed([](Json& b) { b["summary"] = "{}"; }),
            std::make_pair(422, std::string("summary")));
  EXPECT_EQ(typed([](Json& b) { b["summary"]["seed"] = 7.5; }),
            std::make_pair(422, std::string("summary.seed")));
  EXPECT_EQ(typed([](Json& b) { b["summary"]["city"]["cases"] = -1; }),
            std::make_pair(422, std::string("summary.city.cases")));
  EXPECT_EQ(typed([](Json& b) { b["summary"]["city"]["on_time_rate"] = 101; }),
            std::make_pair(422, std::string("summary.city.on_time_rate")));
  EXPECT_EQ(typed([](Json& b) { b["summary"]["changes"] = "x"; }),
            std::make_pair(422, std::string("summary.changes")));
  // Sizes: the page up to 2 MB, the summary up to 512 KB.
  EXPECT_EQ(typed([](Json& b) { b["html"] = std::string(kMaxReportHtmlBytes, 'a'); }).first, 0);
  EXPECT_EQ(typed([](Json& b) { b["html"] = std::string(kMaxReportHtmlBytes + 1, 'a'); }).first,
            413);
  EXPECT_EQ(
      typed([](Json& b) { b["summary"]["pad"] = std::string(kMaxReportSummaryBytes, 'a'); }).first,
      413);
  EXPECT_EQ(Refusal([] { ValidateReport(Json::array()); }).first, 400);
}

TEST_F(SimulationReportServiceTest, PublishesWithTheClocksTimeAndThePublisher) {
  store.Name(3, "系统管理员");
  auto answer = service.Publish(3, Body(), std::nullopt, render);
  EXPECT_EQ(answer.status, 201);
  EXPECT_EQ(answer.body, "1:小规模一日 30% fewer agents");
  auto report = service.Get(1, true);
  EXPECT_EQ(report.published_by_id, 3);
  EXPECT_EQ(report.published_by_name, "系统管理员");
  EXPECT_EQ(report.published_at, clock.Now());
  EXPECT_EQ(report.html, "<!doctype html><p>report</p>");
  EXPECT_TRUE(service.Get(1, false).html.empty());
  EXPECT_EQ(Refusal([&] { service.Get(2, false); }).first, 404);
}

TEST_F(SimulationReportServiceTest, PagesNewestFirst) {
  for (int i = 0; i < 5; ++i) service.Publish(1, Body(), std::nullopt, render);
  auto first = service.List(2, std::nullopt);
  ASSERT_EQ(first.reports.size(), 2u);
  EXPECT_EQ(first.reports[0].id, 5);
  EXPECT_EQ(first.reports[1].id, 4);
  EXPECT_TRUE(first.reports[0].summary.empty());
  ASSERT_TRUE(first.next);
  auto second = service.List(2, ParseReportCursor(ReportCursorText(*first.next)));
  EXPECT_EQ(second.reports[0].id, 3);
  auto last = service.List(2, second.next);
  ASSERT_EQ(last.reports.size(), 1u);
  EXPECT_FALSE(last.next);
  EXPECT_EQ(Refusal([&] { service.List(0, std::nullopt); }),
            std::make_pair(400, std::string("limit")));
  EXPECT_EQ(Refusal([&] { service.List(101, std::nullopt); }).first, 400);
  EXPECT_EQ(Refusal([] { ParseReportCursor("x1.3"); }).first, 400);
}

TEST_F(SimulationReportServiceTest, OnePublicationPerIdempotencyKey) {
  kernel::IdempotentAnswer key{"user:1", "k-1", "hash-a", 201, ""};
  auto first = service.Publish(1, Body(), key, render);
  auto again = service.Publish(1, Body(), key, render);
  EXPECT_FALSE(first.replayed);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(store.Size(), 1u);
  key.request_hash = "hash-b";
  EXPECT_EQ(Refusal([&] { service.Publish(1, Body(), key, render); }).first, 409);
  EXPECT_EQ(store.Size(), 1u);
}

}  // namespace
}  // namespace daiban::supervision
