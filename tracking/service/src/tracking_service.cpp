#include "daiban/tracking_service/tracking_service.hpp"

#include <map>

#include "daiban/cases/china_time.hpp"
#include "daiban/intake/case_wiring.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::tracking {

// The page at /track/, compiled in (tracking/web/index.html) so the service needs no folder.
extern const char* const kTrackPage;

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

// What the public may see of a case's history: the steps, never who or why.
std::string StepLabel(const std::string& type) {
  static const std::map<std::string, std::string> kLabels = {
      {"created", "已提交"},           {"accept", "窗口已受理"},       {"reject", "不予受理"},
      {"assign", "已派代办员"},        {"unassign", "重新派单"},       {"start_progress", "代办员开始办理"},
      {"record_progress", "办理中"},   {"request_supplement", "需补正材料"}, {"suspend", "办理中止"},
      {"resume", "恢复办理"},          {"result_obtained", "已出结果"}, {"pick_up", "寄递员已取件"},
      {"deliver", "结果已送达"},       {"hand_over", "结果已当面交付"}, {"close", "已办结"},
      {"cancel", "申请人已撤销"},      {"material_supplied", "已补交材料"}, {"rated", "已评价"}};
  auto it = kLabels.find(type);
  return it == kLabels.end() ? std::string() : it->second;
}

void AddTrackingRoutes(kernel::Router& router, cases::CaseService& cases,
                       const kernel::Clock& clock) {
  // GET /api/v1/track/{tracking}?code=: the case as the public page shows it.
  router.Add("GET", "/api/v1/track/:tracking", [&cases, &clock](const HttpRequest& request) {
    auto code = request.Query("code");
    if (!code || code->empty()) throw kernel::BadRequest("the access code is required", "code");
    auto c = cases.ReadAsApplicant(request.Param("tracking"), *code, request.client_ip);
    const auto now = std::chrono::floor<std::chrono::seconds>(clock.Now());
    Json steps = Json::array();
    for (const auto& e : cases.Timeline(c)) {
      std::string label = StepLabel(e.type);
      if (label.empty()) continue;  // notes and internal events stay internal
      steps.push_back({{"type", e.type}, {"label", label}, {"at", cases::FormatRfc3339China(e.at)}});
    }
    bool running = c.clock && (c.state == cases::CaseState::kAccepted ||
                               c.state == cases::CaseState::kAssigned ||
                               c.state == cases::CaseState::kInProgress);
    return HttpResponse::WithJson(
        200, {{"tracking_number", c.tracking_number},
              {"state", ToWord(c.state)},
              {"subject", c.subject_name},
              {"deadline", c.clock ? Json(cases::FormatRfc3339China(c.clock->deadline)) : Json(nullptr)},
              {"urgency", running ? Json(ToWord(cases::UrgencyAt(*c.clock, now))) : Json(nullptr)},
              {"delivery_method", ToWord(c.delivery.method)},
              // Courier legs come with the deliveries (tracking's own tables, to come).
              {"delivery", nullptr},
              {"timeline", std::move(steps)}});
  });
  auto page = [](const HttpRequest& request) {
    const std::string& rest = request.Param("*");
    if (!rest.empty() && rest != "index.html") throw kernel::NotFound("no such page");
    auto response = HttpResponse::Text(200, kTrackPage, "text/html; charset=utf-8");
    response.headers.emplace_back("Cache-Control", "no-cache");
    return response;
  };
  router.Add("GET", "/track/*", page, {.max_body_bytes = 0, .blocking = false});
}

}  // namespace

void WireTracking(host::ServiceHost& host) {
  kernel::Env env;
  auto parts = intake::WireCaseParts(host, env);
  AddTrackingRoutes(host.Server().Routes(), parts.cases, host.Clock());
}

}  // namespace daiban::tracking
