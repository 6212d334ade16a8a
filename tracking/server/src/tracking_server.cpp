#include "daiban/tracking/server/tracking_server.hpp"

#include <atomic>
#include <map>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/staff_scope.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/mask.hpp"
#include "daiban/kernel/static_site.hpp"
#include "daiban/runtime/case_event_reader.hpp"
#include "daiban/runtime/elected_worker.hpp"
#include "daiban/tracking/wiring/delivery_wiring.hpp"

namespace daiban::tracking {

// The page at /track/, compiled in from tracking/web/ so the service needs no folder.
const std::vector<kernel::WebFile>& TrackPage();

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;
using kernel::Role;

// Advisory-lock key electing the courier assigner (unique per worker across the system).
constexpr std::int64_t kAssignerLock = 0x6461'6962'616e'0301;
constexpr kernel::RouteOptions kSmall{.max_body_bytes = 16 * 1024, .blocking = true};

using json::Point;
using json::Time;

// What the public may see of a case's history: the steps, never who or why.
std::string StepLabel(const std::string& type) {
  static const std::map<std::string, std::string> kLabels = {
      {"created", "已提交"},
      {"accept", "窗口已受理"},
      {"reject", "不予受理"},
      {"assign", "已派代办员"},
      {"unassign", "重新派单"},
      {"start_progress", "代办员开始办理"},
      {"record_progress", "办理中"},
      {"request_supplement", "需补正材料"},
      {"suspend", "办理中止"},
      {"resume", "恢复办理"},
      {"result_obtained", "已出结果"},
      {"courier_assigned", "已安排寄递员"},
      {"pick_up", "寄递员已取件"},
      {"courier_arrived", "寄递员已到达"},
      {"delivery_failed", "投递未成功，将再次投递"},
      {"collection_requested", "已预约寄递员上门取材料"},
      {"collection_picked_up", "寄递员已上门取走材料"},
      {"collection_delivered", "材料原件已送达代办员"},
      {"collection_failed", "上门取件未成功，将再次上门"},
      {"delivery_refused", "投递未成功（身份核验不符）"},
      {"deliver", "结果已送达"},
      {"hand_over", "结果已当面交付"},
      {"close", "已办结"},
      {"cancel", "申请人已撤销"},
      {"material_supplied", "已补交材料"},
      {"rated", "已评价"}};
  auto it = kLabels.find(type);
  return it == kLabels.end() ? std::string() : it->second;
}

Json PublicDeliveryJson(const PublicDelivery& view) {
  const auto& d = view.delivery;
  Json json = {{"state", ToWord(d.state)},
               {"window", {{"from", Time(d.window.from)}, {"to", Time(d.window.to)}}},
               {"courier", d.courier_id == 0 ? Json(nullptr)
                                             : Json{{"name", kernel::MaskName(d.courier_name)}}},
               {"failed_attempts", view.failed_attempts},
               {"picked_up_at", Time(d.picked_up_at)},
               {"delivered_at", Time(d.delivered_at)},
               {"courier_position", Point(view.courier_position)},
               {"courier_seen_at", Time(view.courier_seen_at)},
               {"destination", Point(view.destination)}};
  json["eta"] = view.eta ? Json{{"at", Time(view.eta->at)},
                                {"road_km", std::round(view.eta->road_km * 10) / 10},
                                {"speed_kmh", std::round(view.eta->speed_kmh)},
                                {"stops_before", view.eta->stops_before}}
                         : Json(nullptr);
  return json;
}

Json CourierJson(const CourierRecord& c) {
  return {{"id", c.profile.id},
          {"name", c.profile.name},
          {"phone", c.phone},
          {"company", c.company},
          {"vehicle", c.vehicle},
          {"capacity", c.profile.capacity},
          {"load", c.profile.load},
          {"on_duty", c.profile.on_duty},
          {"regions", c.listed_regions},
          {"base", Point(c.profile.base)},
          {"position", Point(c.profile.position)},
          {"last_seen", Time(c.last_seen)}};
}

Json AttemptJson(const AttemptRecord& a) {
  return {{"outcome", a.outcome},
          {"reason", a.reason},
          {"recipient_name", a.recipient_name},
          {"id_last4_matched", a.id_last4_match ? Json(*a.id_last4_match) : Json(nullptr)},
          {"proof_kind", a.proof_kind.empty() ? Json(nullptr) : Json(a.proof_kind)},
          {"position", Point(a.position)},
          {"at", Time(a.at)},
          {"device_time", Time(a.device_time)}};
}

cases::Actor Staff(accounts::AuthService& auth, const HttpRequest& request,
                   std::initializer_list<Role> roles) {
  auto actor = cases::ActorOf(auth.Authenticate(request));
  for (auto role : roles) {
    if (actor.role == role) return actor;
  }
  throw kernel::Forbidden("this role may not do that");
}

std::int64_t IdParam(const HttpRequest& request) {
  return kernel::ParsePathId(request.Param("id"), "no such courier");
}

CourierSettings ParseCourier(std::int64_t id, const Json& body) {
  kernel::RequireObject(body);
  CourierSettings s;
  s.user_id = id;
  s.company = kernel::RequireString(body, "company");
  s.vehicle = kernel::RequireString(body, "vehicle");
  s.capacity = static_cast<int>(kernel::RequireInt(body, "capacity"));
  if (!body.contains("on_duty") || !body["on_duty"].is_boolean()) {
    throw kernel::Invalid("on_duty", "on_duty must be true or false");
  }
  s.on_duty = body["on_duty"].get<bool>();
  auto base = body.find("base");
  if (base == body.end()) throw kernel::Invalid("base", "base needs lat and lng (WGS-84)");
  s.base = kernel::ParsePositionJson(*base, "base");
  auto regions = body.find("regions");
  if (regions == body.end() || !regions->is_array() || regions->empty()) {
    throw kernel::Invalid("regions", "regions must be a non-empty array of region codes");
  }
  for (const auto& r : *regions) {
    if (!r.is_string()) throw kernel::Invalid("regions", "regions must be region codes");
    kernel::CheckText(r.get_ref<const std::string&>(), "regions");
    s.regions.push_back(r.get<std::string>());
  }
  return s;
}

void AddTrackingRoutes(kernel::Router& router, cases::CaseService& cases,
                       DeliveryService& deliveries, accounts::AuthService& auth,
                       const kernel::Clock& clock) {
  // GET /api/v1/track/{tracking}?code=: the case as the public page shows it.
  router.Add(
      "GET", "/api/v1/track/:tracking", [&cases, &deliveries, &clock](const HttpRequest& request) {
        auto code = request.Query("code");
        if (!code || code->empty()) throw kernel::BadRequest("the access code is required", "code");
        auto c = cases.ReadAsApplicant(request.Param("tracking"), *code, request.client_ip);
        const auto now = kernel::ToMoment(clock.Now());
        Json steps = Json::array();
        for (const auto& e : cases.Timeline(c)) {
          std::string label = StepLabel(e.type);
          if (label.empty()) continue;  // notes and internal events stay internal
          steps.push_back(
              {{"type", e.type}, {"label", label}, {"at", cases::FormatRfc3339China(e.at)}});
        }
        const auto urgency = c.RunningUrgency(now);
        auto delivery = deliveries.PublicView(c);
        return HttpResponse::WithJson(
            200, {{"tracking_number", c.tracking_number},
                  {"state", ToWord(c.state)},
                  {"subject", c.subject_name},
                  {"deadline",
                   c.clock ? Json(cases::FormatRfc3339China(c.clock->deadline)) : Json(nullptr)},
                  {"urgency", urgency ? Json(ToWord(*urgency)) : Json(nullptr)},
                  {"delivery_method", ToWord(c.delivery.method)},
                  {"delivery", delivery ? PublicDeliveryJson(*delivery) : Json(nullptr)},
                  {"timeline", std::move(steps)}});
      });
  kernel::AddStaticRoutes(router, "/track/", TrackPage());

  // Staff: a case's courier legs with every attempt (the case must be in the caller's scope).
  router.Add("GET", "/api/v1/deliveries", [&](const HttpRequest& request) {
    auto actor =
        Staff(auth, request, {Role::kSupervisor, Role::kAdmin, Role::kWindow, Role::kAgent});
    auto tracking = request.Query("case");
    if (!tracking || tracking->empty()) {
      throw kernel::BadRequest("give the case: ?case=<tracking number>", "case");
    }
    auto c = cases.ReadAsStaff(*tracking, actor);
    Json list = Json::array();
    for (const auto& leg : deliveries.ForCase(c)) {
      Json json = DeliveryJson(leg.delivery);
      Json attempts = Json::array();
      for (const auto& a : leg.attempts) attempts.push_back(AttemptJson(a));
      json["attempts"] = std::move(attempts);
      list.push_back(std::move(json));
    }
    return HttpResponse::WithJson(200, {{"deliveries", std::move(list)}});
  });

  // Couriers: supervisors and administrators read, administrators set.
  router.Add("GET", "/api/v1/couriers", [&](const HttpRequest& request) {
    auto scope = cases::SupervisorScopeOf(Staff(auth, request, {Role::kSupervisor, Role::kAdmin}));
    Json list = Json::array();
    for (const auto& c : deliveries.Couriers(scope)) list.push_back(CourierJson(c));
    return HttpResponse::WithJson(200, {{"couriers", std::move(list)}});
  });
  router.Add("GET", "/api/v1/couriers/:id", [&](const HttpRequest& request) {
    auto scope = cases::SupervisorScopeOf(Staff(auth, request, {Role::kSupervisor, Role::kAdmin}));
    auto courier = deliveries.Courier(IdParam(request), scope);
    if (!courier) throw kernel::NotFound("no such courier");
    return HttpResponse::WithJson(200, CourierJson(*courier));
  });
  router.Add(
      "PUT", "/api/v1/couriers/:id",
      [&](const HttpRequest& request) {
        Staff(auth, request, {Role::kAdmin});
        const auto id = IdParam(request);
        deliveries.SaveCourier(ParseCourier(id, request.JsonBody()));
        return HttpResponse::WithJson(200, CourierJson(*deliveries.Courier(id)));
      },
      kSmall);
}

}  // namespace

void WireTracking(runtime::ServiceHost& host) {
  kernel::Env env;
  auto parts = cases::WireCaseParts(host, env);
  auto& deliveries = WireDeliveryCore(host, env, parts);
  AddTrackingRoutes(host.Server().Routes(), parts.cases, deliveries, parts.auth, host.Clock());

  // One instance at a time gives deliveries to couriers at their cheapest insertion, and
  // improves those couriers' plans in a run that found nothing to assign, one courier at a time
  // until a new leg arrives (a burst is assigned first; couriers ride the inserted plans
  // meanwhile) ...
  auto& owed = host.Make<DeliveryService::OwedImprovements>();
  auto& leg_arrived = host.Make<std::atomic<bool>>(false);
  auto& assigner = host.Make<runtime::ElectedWorker>(
      "courier-assigner", kAssignerLock, host.Settings().pg.url,
      env.Millis("DAIBAN_COURIER_ASSIGN_INTERVAL_MS", 1000, 100, 600000),
      [&deliveries, &owed, &leg_arrived] {
        leg_arrived = false;
        if (deliveries.AssignPending(&owed) == 0) {
          deliveries.ImprovePlans(owed, [&leg_arrived] { return !leg_arrived.load(); });
        }
      },
      host.Logger());
  // ... while every instance reads case events (the consumer group shares them out). A new
  // result leg wakes the assigner at once; its interval is the safety net (and the retry for
  // legs no courier could take yet): a leg read by an instance that is not the leader waits
  // for the leader's next run.
  auto& events = host.Make<runtime::CaseEventReader>(
      host, env, "tracking",
      [&deliveries, &assigner, &leg_arrived](const runtime::CaseStateEvent& event) {
        deliveries.OnCaseEvent(event.tracking_number, event.to_state);
        if (event.to_state == "result_ready") {
          leg_arrived = true;
          assigner.Wake();
        }
      });
  host.OnStart([&] {
    events.Start();
    assigner.Start();
  });
}

}  // namespace daiban::tracking
