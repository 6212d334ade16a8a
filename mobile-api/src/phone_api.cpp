#include "daiban/mobile/phone_api.hpp"

#include <algorithm>
#include <limits>

#include "daiban/cases/case_wiring.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/cases/custody.hpp"
#include "daiban/cases/pg_case_store.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/mask.hpp"
#include "daiban/mobile/phone_request.hpp"

namespace daiban::mobile {

namespace {

using cases::ActorRole;
using cases::CaseAction;
using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

constexpr kernel::RouteOptions kSmall{.max_body_bytes = 16 * 1024, .blocking = true};
constexpr kernel::RouteOptions kSyncBody{.max_body_bytes = 512 * 1024, .blocking = true};
constexpr std::size_t kMaxSyncItems = 200;

const std::vector<std::string> kProgressKinds = {"materials_collected",
                                                 "submitted_to_window",
                                                 "supplement_requested",
                                                 "suspended",
                                                 "resumed",
                                                 "result_obtained",
                                                 "handed_to_courier",
                                                 "handed_to_applicant",
                                                 "left_at_window",
                                                 "note"};

Json Time(std::chrono::sys_seconds at) { return cases::FormatRfc3339China(at); }

cases::Actor Phone(PhoneDeps& deps, const HttpRequest& request) {
  auto actor = cases::ActorOf(deps.auth.Authenticate(request));
  if (actor.role != ActorRole::kAgent && actor.role != ActorRole::kCourier) {
    throw kernel::Forbidden("the phone API is for agents and couriers");
  }
  return actor;
}

Json LoginJson(const accounts::DeviceLogin& login) {
  return {{"access_token", login.access.token},
          {"access_expires_at",
           Time(std::chrono::floor<std::chrono::seconds>(login.access.expires_at))},
          {"refresh_token", login.refresh_token},
          {"refresh_expires_at",
           Time(std::chrono::floor<std::chrono::seconds>(login.refresh_expires_at))},
          {"user", accounts::PrincipalJson(login.access.principal)}};
}

Json OfferJson(const dispatch::OfferRecord& o) {
  return {{"id", o.id},
          {"tracking_number", o.tracking_number},
          {"region_code", o.region_code},
          {"needs_handoff", o.needs_handoff},
          {"offered_at", Time(o.offered_at)},
          {"expires_at", Time(o.expires_at)}};
}

// The task view: what an agent needs on the road. The applicant's phone and address only
// once the case is the agent's (never on an offer).
Json TaskJson(PhoneDeps& deps, const cases::Case& c, cases::Moment now) {
  Json task = {
      {"tracking_number", c.tracking_number},
      {"state", ToWord(c.state)},
      {"subject", c.subject_name},
      {"mode", c.mode},
      {"version", c.version},
      {"deadline", c.clock ? Time(c.clock->deadline) : Json(nullptr)},
      {"at_risk", c.clock && (cases::UrgencyAt(*c.clock, now) != cases::Urgency::kOnTrack)},
      {"appointment_at", c.appointment_at ? Time(*c.appointment_at) : Json(nullptr)},
      {"applicant",
       {{"name", c.applicant.name},
        {"phone", c.applicant.phone},
        {"address", c.applicant.address},
        {"location", {{"lat", c.applicant.location.lat}, {"lng", c.applicant.location.lng}}}}},
      {"delivery_method", ToWord(c.delivery.method)}};
  Json materials = Json::array();
  for (const auto& m : c.materials) {
    materials.push_back({{"seq", m.seq},
                         {"name", m.name},
                         {"essential", m.essential},
                         {"status", ToWord(m.status)}});
  }
  task["materials"] = std::move(materials);
  if (!c.item_code.empty()) {
    try {
      auto guide = deps.catalogue.GetGuide(c.item_code);
      task["guide"] = {{"conditions", guide.item.conditions},
                       {"how_to_apply", guide.item.how_to_apply},
                       {"where_to_apply", guide.item.where_to_apply}};
      task["hall"] = {
          {"name", guide.department.hall_name},
          {"address", guide.department.hall_address},
          {"location", {{"lat", guide.department.hall.lat}, {"lng", guide.department.hall.lng}}},
          {"office_hours", guide.department.office_hours}};
    } catch (const kernel::ApiError&) {
      // A retired item's guide stays readable; anything else leaves the task without it.
    }
  }
  return task;
}

struct ProgressRequest {
  std::string tracking;
  std::string kind;
  Json body;
  std::optional<cases::Moment> device_time;
  std::string key;
  std::string hash;
};

// The hand-over a progress report records for the chain of custody, if it is one: the agent
// takes the originals from the applicant and the result from the window; it gives the
// originals to the window, and the result to a courier, to the applicant, or back to the window
// for collection. Where each link starts is the cases library's rule (custody.hpp).
std::optional<Json> CustodyOf(const ProgressRequest& p, const cases::Case& c,
                              const cases::CaseChange& change, const cases::Actor& agent,
                              const Json& data) {
  std::optional<cases::GeoPoint> at;
  if (data.contains("position")) {
    at = cases::GeoPoint{data["position"]["lat"].get<double>(),
                         data["position"]["lng"].get<double>()};
  }
  const cases::Actor applicant{ActorRole::kApplicant, 0, c.applicant.name, "", ""};
  std::string department = data.value("department_code", std::string());
  const cases::Actor window{ActorRole::kWindow, 0,
                            department.empty() ? c.department_code : department, "", ""};
  if (p.kind == "materials_collected") {
    return cases::TakeLink(change.CustodySoFar(), c, agent, {ActorRole::kApplicant}, at);
  }
  if (p.kind == "result_obtained") {
    return cases::TakeLink(change.CustodySoFar(), c, agent, {ActorRole::kWindow}, at);
  }
  if (p.kind == "submitted_to_window" || p.kind == "left_at_window") {
    return cases::GiveLink(change.CustodySoFar(), c, agent, window, at);
  }
  if (p.kind == "handed_to_applicant") {
    return cases::GiveLink(change.CustodySoFar(), c, agent, applicant, at);
  }
  if (p.kind == "handed_to_courier") {
    auto name = p.body.find("courier_name");
    std::string courier = name != p.body.end() && name->is_string() ? name->get<std::string>() : "";
    return cases::GiveLink(change.CustodySoFar(), c, agent,
                           {ActorRole::kCourier, 0, courier, "", ""}, at);
  }
  return std::nullopt;
}

// Applies one progress report exactly once per (user, key): the answer is kept in the same
// transaction as the change; a retry gets it back; another body under the key is 409.
HttpResponse ApplyProgress(PhoneDeps& deps, const cases::Actor& agent, const ProgressRequest& p) {
  const std::string scope = "user:" + std::to_string(agent.user_id);
  auto body_hash = accounts::TokenHash(p.tracking + "\n" + p.kind + "\n" + p.body.dump());
  if (auto replay = deps.cases.Replay(scope, p.key, body_hash)) {
    return HttpResponse::Text(replay->status, replay->body, "application/json; charset=utf-8");
  }
  auto kind = ParseProgressKind(p.kind);
  if (!kind) throw kernel::Invalid("kind", "unknown progress kind '" + p.kind + "'");
  const auto now = std::chrono::floor<std::chrono::seconds>(deps.clock.Now());
  const cases::CaseScope mine{.agent_id = agent.user_id};
  auto text = [&](const std::string& field, bool required) {
    auto value = kernel::ReadText(p.body, field, field, false);
    if (!value && required) throw kernel::Invalid(field, field + " is required for " + p.kind);
    return value.value_or("");
  };
  Json data = {{"kind", p.kind}};
  if (p.body.contains("position")) {
    const auto at = kernel::ParsePositionJson(p.body["position"], "position");
    data["position"] = {{"lat", at.lat}, {"lng", at.lng}};
  }
  std::string reason;
  CaseAction action = CaseAction::kRecordProgress;
  std::string result_reference;
  if (p.kind == "submitted_to_window" || p.kind == "left_at_window") {
    data["department_code"] = text("department_code", false);
  }
  std::optional<int> supplement_seq;
  std::string id_last4;
  if (p.kind == "supplement_requested") {
    reason = text("what", true);
    action = CaseAction::kRequestSupplement;
    if (p.body.contains("material_seq") && !p.body["material_seq"].is_null()) {
      if (!p.body["material_seq"].is_number_integer()) {
        throw kernel::Invalid("material_seq", "material_seq must be a material's number");
      }
      supplement_seq = p.body["material_seq"].get<int>();
      data["material_seq"] = *supplement_seq;
    }
  } else if (p.kind == "suspended") {
    reason = text("why", true);
    action = CaseAction::kSuspend;
  } else if (p.kind == "resumed") {
    reason = text("why", false);
    action = CaseAction::kResume;
  } else if (p.kind == "result_obtained") {
    result_reference = text("result_reference", true);
    action = CaseAction::kResultObtained;
  } else if (p.kind == "handed_to_applicant") {
    action = CaseAction::kHandOver;
    id_last4 = text("id_last4", true);
  } else if (p.kind == "note" || p.kind == "handed_to_courier" || p.kind == "left_at_window") {
    reason = text("text", p.kind == "note");
  }
  cases::StoredAnswer answer{scope, p.key, body_hash, 200, ""};
  // The agent hands the result over under the same identity rule (and guess limit) as the
  // window: a wrong ID is refused and counted before anything else is written.
  const std::string subject = cases::CaseService::CaseHandoverSubject();
  if (action == CaseAction::kHandOver) {
    auto current = deps.cases.ReadAsStaff(p.tracking, agent);
    data = deps.cases.CheckHandoverIdentity(current, agent, subject, id_last4, "handover_refused",
                                            data, p.device_time);
  }
  auto effect = [&](cases::Case& c, cases::CaseChange& change) {
    if (action == CaseAction::kHandOver) cases::CaseService::RequireHandoverOpen(change, subject);
    if (!result_reference.empty()) c.result_reference = result_reference;
    if (supplement_seq) cases::CaseService::NeedSupplement(c, *supplement_seq);
    auto flag = cases::DeviceTimeFlag(p.device_time, now, c.assigned_at);
    if (!flag.empty()) change.event_data["device_time_flag"] = flag;
    if (auto custody = CustodyOf(p, c, change, agent, data))
      change.event_data["custody"] = *custody;
    answer.body =
        kernel::DumpJson({{"tracking_number", c.tracking_number},
                          {"kind", p.kind},
                          {"state", ToWord(c.state)},
                          {"device_time_flag", flag.empty() ? Json(nullptr) : Json(flag)}});
    change.also_in_transaction.push_back([&answer](db::Tx& tx) { cases::KeepAnswer(tx, answer); });
  };
  try {
    if (!kind->transition) {
      deps.cases.Note(p.tracking, mine, agent, p.kind, reason, data, p.device_time, effect);
    } else {
      if (action == CaseAction::kRecordProgress) {
        // The first progress report starts the work.
        auto current = deps.cases.ReadAsStaff(p.tracking, agent);
        if (current.state == cases::CaseState::kAssigned) action = CaseAction::kStartProgress;
      }
      deps.cases.Transition(p.tracking, mine, agent, action, reason, data, p.device_time, effect);
    }
  } catch (const cases::DuplicateRequest&) {
    if (auto replay = deps.cases.Replay(scope, p.key, body_hash)) {
      return HttpResponse::Text(replay->status, replay->body, "application/json; charset=utf-8");
    }
    throw;
  }
  return HttpResponse::Text(200, answer.body, "application/json; charset=utf-8");
}

// Changes for the user since an event id: the tasks that changed, the cases taken away.
Json SyncChanges(PhoneDeps& deps, const cases::Actor& user, std::int64_t since) {
  Json tasks = Json::array();
  Json removed = Json::array();
  const auto [touched, cursor] = deps.cases.ChangesSince(user, since);
  const auto now = std::chrono::floor<std::chrono::seconds>(deps.clock.Now());
  for (const auto& [tracking, mine] : touched) {
    if (!mine) {
      removed.push_back({{"tracking_number", tracking}, {"reason", "reassigned"}});
      continue;
    }
    auto c = deps.cases.ReadAsStaff(tracking, user);
    if (c.state == cases::CaseState::kCancelled) {
      removed.push_back({{"tracking_number", tracking}, {"reason", "cancelled"}});
    } else {
      tasks.push_back(TaskJson(deps, c, now));
    }
  }
  Json offers = Json::array();
  if (user.role == ActorRole::kAgent) {
    for (const auto& offer : deps.dispatch.OffersOf(user)) offers.push_back(OfferJson(offer));
  }
  std::string next = "e";
  next += std::to_string(cursor);
  return {{"offers", offers}, {"tasks", tasks}, {"removed", removed}, {"cursor", next}};
}

std::int64_t ParseCursor(const std::string& cursor) {
  if (cursor.empty()) return 0;
  // "e<last event id>", the form phones already hold; the number goes through the one cursor
  // number parser (no sign, no overflow).
  if (cursor[0] != 'e') throw kernel::BadRequest("malformed cursor", "cursor");
  return kernel::CursorNumber(std::string_view(cursor).substr(1), 0,
                              std::numeric_limits<std::int64_t>::max());
}

std::int64_t PathId(const HttpRequest& request) {
  return kernel::ParsePathId(request.Param("id"), "no such offer");
}

}  // namespace

std::vector<std::size_t> SyncApplyOrder(const nlohmann::json& items) {
  std::vector<std::pair<std::string, std::size_t>> keyed;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    std::string at =
        item.is_object() && item.contains("device_time") && item["device_time"].is_string()
            ? item["device_time"].get<std::string>()
            : "";
    auto parsed = cases::ParseRfc3339(at);
    // One offset for all, so the text sorts as the time does; unreadable times go first and
    // are refused one by one.
    keyed.emplace_back(parsed ? cases::FormatRfc3339China(*parsed) : "", i);
  }
  std::stable_sort(keyed.begin(), keyed.end());
  std::vector<std::size_t> order;
  for (const auto& [at, index] : keyed) order.push_back(index);
  return order;
}

std::optional<ProgressKind> ParseProgressKind(const std::string& name) {
  if (std::find(kProgressKinds.begin(), kProgressKinds.end(), name) == kProgressKinds.end()) {
    return std::nullopt;
  }
  // A hand-over that is not a state change: only the chain of custody moves.
  return ProgressKind{name,
                      name != "note" && name != "handed_to_courier" && name != "left_at_window"};
}

void AddPhoneRoutes(kernel::Router& router, PhoneDeps deps) {
  auto d = std::make_shared<PhoneDeps>(deps);
  router.Add("POST", "/mobile/v1/auth/login",
             [d](const HttpRequest& request) {
               auto body = request.JsonBody();
               auto login = d->devices.Login(
                   kernel::RequireString(body, "phone"), kernel::RequireString(body, "password"),
                   request.client_ip, kernel::RequireString(body, "device_id"));
               return HttpResponse::WithJson(200, LoginJson(login));
             },
             {.max_body_bytes = 4096, .blocking = true});
  router.Add("POST", "/mobile/v1/auth/refresh",
             [d](const HttpRequest& request) {
               auto body = request.JsonBody();
               return HttpResponse::WithJson(
                   200, LoginJson(d->devices.Refresh(kernel::RequireString(body, "refresh_token"),
                                                     kernel::RequireString(body, "device_id"))));
             },
             {.max_body_bytes = 4096, .blocking = true});
  router.Add(
      "POST", "/mobile/v1/auth/logout",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto body = request.JsonBody();
        d->devices.RevokeDevice(user.user_id, kernel::RequireString(body, "device_id"));
        return HttpResponse::WithJson(200, {{"signed_out", true}});
      },
      kSmall);
  router.Add("GET", "/mobile/v1/me", [d](const HttpRequest& request) {
    auto principal = d->auth.Authenticate(request);
    auto user = Phone(*d, request);
    Json me = {{"user", accounts::PrincipalJson(principal)}};
    if (user.role == ActorRole::kAgent) {
      auto agents = d->dispatch.Agents({ActorRole::kAdmin, 0, "", "", ""}, "");
      for (const auto& a : agents) {
        if (a.profile.id != user.user_id) continue;
        me["agent"] = {{"on_duty", a.profile.on_duty},
                       {"capacity", a.profile.capacity},
                       {"open_cases", a.open_cases},
                       {"pending_offers", a.pending_offers},
                       {"regions", a.listed_regions}};
      }
    }
    if (user.role == ActorRole::kCourier) {
      if (auto c = d->couriers.deliveries.Courier(user.user_id)) {
        me["courier"] = {{"on_duty", c->profile.on_duty}, {"capacity", c->profile.capacity},
                         {"load", c->profile.load},       {"company", c->company},
                         {"vehicle", c->vehicle},         {"regions", c->listed_regions}};
      }
    }
    return HttpResponse::WithJson(200, me);
  });
  router.Add(
      "PUT", "/mobile/v1/me/duty",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        if (!body.contains("on_duty") || !body["on_duty"].is_boolean()) {
          throw kernel::Invalid("on_duty", "on_duty must be true or false");
        }
        if (user.role == ActorRole::kCourier) {
          d->couriers.deliveries.SetDuty(user.user_id, body["on_duty"].get<bool>());
        } else {
          d->dispatch.SetDuty(user.user_id, body["on_duty"].get<bool>());
        }
        return HttpResponse::WithJson(200, {{"on_duty", body["on_duty"]}});
      },
      kSmall);
  router.Add("GET", "/mobile/v1/offers", [d](const HttpRequest& request) {
    auto user = Phone(*d, request);
    Json list = Json::array();
    for (const auto& offer : d->dispatch.OffersOf(user)) list.push_back(OfferJson(offer));
    return HttpResponse::WithJson(200, {{"offers", std::move(list)}});
  });
  router.Add(
      "POST", "/mobile/v1/offers/:id/accept",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto c = d->dispatch.AcceptOffer(PathId(request), user);
        auto now = std::chrono::floor<std::chrono::seconds>(d->clock.Now());
        return HttpResponse::WithJson(200, TaskJson(*d, c, now));
      },
      kSmall);
  router.Add(
      "POST", "/mobile/v1/offers/:id/decline",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto body = request.JsonBody();
        d->dispatch.DeclineOffer(PathId(request), user, kernel::RequireString(body, "reason"));
        return HttpResponse::WithJson(200, {{"declined", true}});
      },
      kSmall);
  router.Add("GET", "/mobile/v1/tasks", [d](const HttpRequest& request) {
    auto user = Phone(*d, request);
    cases::CaseFilter filter;
    filter.states = {cases::CaseState::kAssigned, cases::CaseState::kInProgress,
                     cases::CaseState::kSuspended, cases::CaseState::kResultReady};
    filter.limit = 100;
    auto now = std::chrono::floor<std::chrono::seconds>(d->clock.Now());
    Json tasks = Json::array();
    for (const auto& summary : d->cases.List(filter, user).cases) {
      tasks.push_back(TaskJson(*d, d->cases.ReadAsStaff(summary.tracking_number, user), now));
    }
    return HttpResponse::WithJson(200, {{"tasks", std::move(tasks)}});
  });
  router.Add(
      "POST", "/mobile/v1/cases/:tracking/progress",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        ProgressRequest p{request.Param("tracking"), kernel::RequireString(body, "kind"), body,
                          DeviceTime(request),       RequireIdempotencyKey(request),      ""};
        return ApplyProgress(*d, user, p);
      },
      kSmall);
  router.Add("GET", "/mobile/v1/sync", [d](const HttpRequest& request) {
    auto user = Phone(*d, request);
    return HttpResponse::WithJson(
        200, SyncChanges(*d, user, ParseCursor(request.Query("cursor").value_or(""))));
  });
  router.Add(
      "POST", "/mobile/v1/sync",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        auto items = body.find("items");
        if (items == body.end() || !items->is_array()) {
          throw kernel::Invalid("items", "items must be an array");
        }
        if (items->size() > kMaxSyncItems) {
          throw kernel::PayloadTooLarge("at most " + std::to_string(kMaxSyncItems) +
                                        " items per sync");
        }
        // Applied in device-time order: what happened first on the phone goes first.
        Json outcomes = Json::array();
        auto order = SyncApplyOrder(*items);
        std::vector<Json> results(items->size());
        for (std::size_t index : order) {
          const auto& item = (*items)[index];
          Json outcome = {{"index", index}};
          try {
            if (!item.is_object()) throw kernel::Invalid("items", "an item must be an object");
            std::string key = kernel::RequireString(item, "idempotency_key");
            outcome["idempotency_key"] = key;
            const std::optional<cases::Moment> device_time = kernel::ParseTimeField(
                kernel::RequireString(item, "device_time"), "device_time", 422);
            std::string kind = kernel::RequireString(item, "kind");
            Json item_body = item.value("body", Json::object());
            if (!item_body.is_object()) throw kernel::Invalid("body", "body must be an object");
            if (kind == "progress") {
              ProgressRequest p{kernel::RequireString(item, "tracking_number"),
                                kernel::RequireString(item_body, "kind"),
                                item_body,
                                *device_time,
                                key,
                                ""};
              auto answer = ApplyProgress(*d, user, p);
              outcome["status"] = "applied";
              outcome["result"] = Json::parse(answer.body);
            } else if (kind == "offer_accept" || kind == "offer_decline") {
              auto offer = kernel::RequireInt(item, "offer_id");
              if (kind == "offer_accept") {
                d->dispatch.AcceptOffer(offer, user);
              } else {
                d->dispatch.DeclineOffer(offer, user, kernel::RequireString(item_body, "reason"));
              }
              outcome["status"] = "applied";
            } else if (kind == "delivery") {
              auto answer = ApplyCourierAction(
                  d->couriers, user, kernel::RequireInt(item, "delivery_id"),
                  kernel::RequireString(item_body, "action"), item_body, *device_time, key);
              outcome["status"] = "applied";
              outcome["result"] = Json::parse(answer.body);
            } else {
              throw kernel::Invalid(
                  "kind", "kind must be progress, offer_accept, offer_decline or delivery");
            }
          } catch (const kernel::ApiError& error) {
            outcome["status"] = "refused";
            // A case no longer assigned to this agent looks unknown to it: say why.
            outcome["code"] = error.Status() == 404 ? "not_assigned_to_you" : error.Code();
            outcome["message"] = error.Status() == 404
                                     ? "the case is not (or no longer) assigned to you"
                                     : error.Message();
            if (!error.Field().empty()) outcome["field"] = error.Field();
          }
          results[index] = std::move(outcome);
        }
        for (auto& result : results) outcomes.push_back(std::move(result));
        return HttpResponse::WithJson(200, {{"outcomes", std::move(outcomes)}});
      },
      kSyncBody);
}

}  // namespace daiban::mobile
