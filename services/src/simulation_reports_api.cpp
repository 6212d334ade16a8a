#include "daiban/intake/simulation_reports_api.hpp"

#include <limits>

#include "daiban/cases/china_time.hpp"
#include "daiban/intake/supervision_api.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::intake {

// This file maps HTTP onto the supervision context's simulation reports and nothing else.
using namespace supervision;

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

// The page (2 MB) and the summary (512 KB) as JSON strings, escaped: room for both twice over.
constexpr kernel::RouteOptions kPublishBody{.max_body_bytes = 6 * 1024 * 1024, .blocking = true};

// The report page is HTML an administrator uploaded: it may show itself and its inline styles
// and data: images, nothing else — no script, no request anywhere, no form — and runs in a
// sandbox (a unique origin) even when opened directly, so it can reach neither the console's
// session nor the API. Only the console may frame it.
constexpr const char* kReportPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'; sandbox";

Json Time(Moment moment) { return cases::FormatRfc3339China(moment); }

Json ParsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  return Json::parse(text, nullptr, false);
}

// The list's row and the head of the one-report view.
Json ReportJson(const SimulationReport& r) {
  return {{"id", r.id},
          {"title", r.title},
          {"scenario", r.scenario},
          {"seed", r.seed},
          {"changes", ParsedOrNull(r.changes)},
          {"cases", r.cases},
          {"on_time_rate", r.on_time_rate},
          {"offer_p99_ms", r.offer_p99_ms},
          {"html_bytes", r.html_bytes},
          {"published_by", {{"id", r.published_by_id}, {"name", r.published_by_name}}},
          {"published_at", Time(r.published_at)}};
}

Json ReportWithSummaryJson(const SimulationReport& r) {
  Json json = ReportJson(r);
  json["summary"] = ParsedOrNull(r.summary);
  json["html_url"] = "/api/v1/simulations/reports/" + std::to_string(r.id) + "/html";
  return json;
}

std::int64_t ReportId(const HttpRequest& request) {
  return kernel::ParsePathId(request.Param("id"), "no such simulation report");
}

// Reading needs a supervisor or an administrator (any scope: a simulation plays the city).
void RequireReader(accounts::AuthService& auth, const HttpRequest& request) {
  SupervisionScopeOf(auth.Authenticate(request));
}

}  // namespace

void AddSimulationReportRoutes(kernel::Router& router, SimulationReportService& reports,
                               accounts::AuthService& auth) {
  router.Add(
      "POST", "/api/v1/simulations/reports",
      [&reports, &auth](const HttpRequest& request) {
        auto principal = auth.Authenticate(request);
        if (principal.role != accounts::Role::kAdmin) {
          throw kernel::Forbidden("administrators only publish simulation reports");
        }
        auto answer = reports.Publish(
            principal.user_id, request.JsonBody(), kernel::StaffKeyOf(principal.user_id, request),
            [](const SimulationReport& r) { return kernel::DumpJson(ReportWithSummaryJson(r)); });
        return HttpResponse::Answer(answer);
      },
      kPublishBody);

  router.Add("GET", "/api/v1/simulations/reports", [&reports, &auth](const HttpRequest& request) {
    RequireReader(auth, request);
    int limit = 20;
    if (auto text = request.Query("limit")) {
      limit = static_cast<int>(kernel::ParseIntField(
          *text, "limit", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    }
    std::optional<std::int64_t> before;
    if (auto cursor = request.Query("cursor")) before = ParseReportCursor(*cursor);
    auto page = reports.List(limit, before);
    Json list = Json::array();
    for (const auto& r : page.reports) list.push_back(ReportJson(r));
    return HttpResponse::WithJson(
        200, {{"reports", std::move(list)},
              {"next_cursor", page.next ? Json(ReportCursorText(*page.next)) : Json(nullptr)}});
  });

  router.Add("GET", "/api/v1/simulations/reports/:id",
             [&reports, &auth](const HttpRequest& request) {
               RequireReader(auth, request);
               return HttpResponse::WithJson(
                   200, ReportWithSummaryJson(reports.Get(ReportId(request), false)));
             });

  router.Add(
      "GET", "/api/v1/simulations/reports/:id/html", [&reports, &auth](const HttpRequest& request) {
        RequireReader(auth, request);
        auto report = reports.Get(ReportId(request), true);
        auto response = HttpResponse::Text(200, std::move(report.html), "text/html; charset=utf-8");
        response.headers.emplace_back("Content-Security-Policy", kReportPagePolicy);
        response.headers.emplace_back("X-Content-Type-Options", "nosniff");
        response.headers.emplace_back("Cache-Control", "private, no-store");
        return response;
      });
}

}  // namespace daiban::intake
