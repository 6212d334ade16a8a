#include "daiban/intake/supervision_api.hpp"

#include <limits>

#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/supervision/stats_xlsx.hpp"

namespace daiban::intake {

// This file maps HTTP onto the supervision context and nothing else.
using namespace supervision;

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

constexpr kernel::RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .blocking = true};

Json Number(const std::optional<Decimal>& value) {
  return value ? Json(value->Value()) : Json(nullptr);
}

Json MetricsJson(const StatsMetrics& m) {
  return {{"received", m.received},
          {"accepted", m.accepted},
          {"finished", m.finished},
          {"on_time", m.on_time},
          {"on_time_rate", Number(m.on_time_rate)},
          {"mean_working_days", Number(m.mean_working_days)},
          {"p90_working_days", Number(m.p90_working_days)},
          {"overdue", m.overdue},
          {"reassigned", m.reassigned},
          {"rating_average", Number(m.rating_average)},
          {"ratings", m.ratings},
          {"followups_open", m.followups_open},
          {"followups_closed", m.followups_closed}};
}

Json ReportJson(const StatsReport& report) {
  Json rows = Json::array();
  for (const auto& row : report.rows) {
    Json json = MetricsJson(row.metrics);
    json["key"] = row.key;
    json["name"] = row.name;
    rows.push_back(std::move(json));
  }
  Json by_class = Json::object();
  for (const auto& [word, count] : report.by_class) by_class[word] = count;
  Json by_mode = Json::object();
  for (const auto& [word, count] : report.by_mode) by_mode[word] = count;
  return {{"group", ToWord(report.group)},
          {"from", cases::FormatIsoDate(report.period.from)},
          {"to", cases::FormatIsoDate(report.period.to)},
          {"rows", std::move(rows)},
          {"totals", MetricsJson(report.totals)},
          {"by_class", std::move(by_class)},
          {"by_mode", std::move(by_mode)}};
}

HttpResponse Attachment(std::string body, std::string content_type, const std::string& name) {
  auto response = HttpResponse::Text(200, std::move(body), std::move(content_type));
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Json Time(const std::optional<Moment>& moment) {
  return moment ? Json(cases::FormatRfc3339China(*moment)) : Json(nullptr);
}

Json FollowupJson(const Followup& f, Moment now) {
  const bool open = f.IsOpen();
  return {{"id", f.id},
          {"tracking_number", f.tracking_number},
          {"subject", f.subject},
          {"region_code", f.region_code},
          {"score", f.score},
          {"comment", f.comment},
          {"rated_at", cases::FormatRfc3339China(f.rated_at)},
          {"opened_at", cases::FormatRfc3339China(f.opened_at)},
          {"due_at", cases::FormatRfc3339China(f.due_at)},
          {"overdue", f.IsOverdue(now)},
          {"state", open ? "open" : "closed"},
          {"call_notes", f.call_notes},
          {"outcome", open ? Json(nullptr) : Json(f.outcome)},
          {"closed_at", Time(f.closed_at)},
          {"closed_by",
           open ? Json(nullptr) : Json{{"id", f.closed_by_id}, {"name", f.closed_by_name}}}};
}

// A follow-up id from the path; anything but a positive number is an unknown follow-up.
std::int64_t FollowupId(const HttpRequest& request) {
  return kernel::ParsePathId(request.Param("id"), "no such follow-up");
}

// The answer of a follow-up write: the follow-up as it was written.
FollowupService::Render FollowupRender(FollowupService& followups) {
  return [&followups](const Followup& f) {
    return kernel::DumpJson(FollowupJson(f, followups.Now()));
  };
}

}  // namespace

SupervisionScope SupervisionScopeOf(const accounts::Principal& principal) {
  switch (principal.role) {
    case accounts::Role::kAdmin:
      return SupervisionScope::Everything();
    case accounts::Role::kSupervisor:
      return {.region_code = principal.region_code, .department_code = principal.department_code};
    default:
      throw kernel::Forbidden("supervisors and administrators only");
  }
}

void AddStatsRoutes(kernel::Router& router, StatsService& stats, accounts::AuthService& auth) {
  for (StatsGroup group : {StatsGroup::kDepartments, StatsGroup::kRegions, StatsGroup::kAgents}) {
    router.Add(
        "GET", "/api/v1/stats/" + ToWord(group),
        [&stats, &auth, group](const HttpRequest& request) {
          auto scope = SupervisionScopeOf(auth.Authenticate(request));
          const std::string format = request.Query("format").value_or("json");
          if (format != "json" && format != "csv" && format != "xlsx") {
            throw kernel::Invalid("format", "format must be json, csv or xlsx");
          }
          auto report = stats.Report(group, scope, request.Query("from"), request.Query("to"));
          if (format == "csv") {
            return Attachment(RenderStatsCsv(report), "text/csv; charset=utf-8",
                              StatsFileName(report, "csv"));
          }
          if (format == "xlsx") {
            return Attachment(RenderStatsXlsx(report),
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              StatsFileName(report, "xlsx"));
          }
          return HttpResponse::WithJson(200, ReportJson(report));
        });
  }
}

void AddFollowupRoutes(kernel::Router& router, FollowupService& followups,
                       accounts::AuthService& auth) {
  router.Add("GET", "/api/v1/followups", [&followups, &auth](const HttpRequest& request) {
    auto scope = SupervisionScopeOf(auth.Authenticate(request));
    FollowupQuery query;
    if (auto state = request.Query("state")) {
      auto filter = ParseFollowupFilter(*state);
      if (!filter) throw kernel::Invalid("state", "state must be open, closed or all");
      query.filter = *filter;
    }
    if (auto limit = request.Query("limit")) {
      query.limit = static_cast<int>(kernel::ParseIntField(
          *limit, "limit", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    }
    if (auto cursor = request.Query("cursor")) query.after = ParseFollowupCursor(*cursor);
    auto page = followups.List(scope, query);
    const Moment now = followups.Now();
    Json list = Json::array();
    for (const auto& f : page.followups) list.push_back(FollowupJson(f, now));
    return HttpResponse::WithJson(
        200, {{"followups", std::move(list)},
              {"next_cursor", page.next ? Json(FollowupCursorText(*page.next)) : Json(nullptr)}});
  });

  router.Add(
      "POST", "/api/v1/followups/:id/calls",
      [&followups, &auth](const HttpRequest& request) {
        auto principal = auth.Authenticate(request);
        auto scope = SupervisionScopeOf(principal);
        const std::int64_t id = FollowupId(request);
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        auto note = kernel::ReadText(body, "note", "note", true);
        auto answer = followups.RecordCall(id, scope, principal.user_id, *note,
                                           kernel::StaffKeyOf(principal.user_id, request),
                                           FollowupRender(followups));
        return HttpResponse::Answer(answer);
      },
      kSmallBody);

  router.Add(
      "POST", "/api/v1/followups/:id/close",
      [&followups, &auth](const HttpRequest& request) {
        auto principal = auth.Authenticate(request);
        auto scope = SupervisionScopeOf(principal);
        const std::int64_t id = FollowupId(request);
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        auto outcome = kernel::ReadText(body, "outcome", "outcome", true);
        auto note = kernel::ReadText(body, "note", "note", false);
        auto answer = followups.Close(id, scope, principal.user_id, *outcome, note,
                                      kernel::StaffKeyOf(principal.user_id, request),
                                      FollowupRender(followups));
        return HttpResponse::Answer(answer);
      },
      kSmallBody);
}

}  // namespace daiban::intake
