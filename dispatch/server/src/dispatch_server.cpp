#include "daiban/dispatch/server/dispatch_server.hpp"

#include <limits>

#include "daiban/accounts/auth.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/dispatch/app/dispatch_service.hpp"
#include "daiban/dispatch/pg/pg_dispatch_store.hpp"
#include "daiban/dispatch/wiring/dispatch_wiring.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/runtime/case_event_reader.hpp"
#include "daiban/runtime/elected_worker.hpp"

namespace daiban::dispatch {

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

// Advisory-lock keys electing dispatch's workers (unique per worker across the system).
constexpr std::int64_t kBatchLock = 0x6461'6962'616e'0201;
constexpr std::int64_t kExpiryLock = 0x6461'6962'616e'0202;
constexpr std::int64_t kSlaLock = 0x6461'6962'616e'0203;

Json Time(std::chrono::sys_seconds at) { return cases::FormatRfc3339China(at); }

Json AgentJson(const AgentRecord& a) {
  Json json = {{"id", a.profile.id},
               {"name", a.profile.name},
               {"phone", a.phone},
               {"on_duty", a.profile.on_duty},
               {"capacity", a.profile.capacity},
               {"open_cases", a.open_cases},
               {"pending_offers", a.pending_offers},
               {"load", a.profile.load},
               {"regions", a.listed_regions},
               {"departments", a.profile.departments}};
  json["position"] = a.profile.position
                         ? Json{{"lat", a.profile.position->lat}, {"lng", a.profile.position->lng}}
                         : Json(nullptr);
  json["last_seen"] = a.last_seen ? Time(*a.last_seen) : Json(nullptr);
  Json hours = Json::array();
  for (const auto& shift : a.profile.hours.by_weekday) {
    if (!shift) {
      hours.push_back(nullptr);
      continue;
    }
    char text[16];
    std::snprintf(
        text, sizeof text, "%02d:%02d-%02d:%02d", static_cast<int>(shift->start.count() / 60),
        static_cast<int>(shift->start.count() % 60), static_cast<int>(shift->end.count() / 60),
        static_cast<int>(shift->end.count() % 60));
    hours.push_back(text);
  }
  json["hours"] = std::move(hours);
  return json;
}

Json OfferJson(const OfferRecord& o) {
  return {{"id", o.id},
          {"tracking_number", o.tracking_number},
          {"region_code", o.region_code},
          {"agent_id", o.agent_id},
          {"state", ToWord(o.state)},
          {"needs_handoff", o.needs_handoff},
          {"offered_at", Time(o.offered_at)},
          {"expires_at", Time(o.expires_at)}};
}

std::int64_t IdParam(const HttpRequest& request, const std::string& name) {
  return kernel::ParsePathId(request.Param(name), "no such " + name);
}

std::vector<std::string> Strings(const Json& body, const std::string& key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end()) return out;
  if (!it->is_array()) throw kernel::Invalid(key, key + " must be an array of strings");
  for (const auto& value : *it) {
    if (!value.is_string()) throw kernel::Invalid(key, key + " must be an array of strings");
    kernel::CheckText(value.get_ref<const std::string&>(), key);
    out.push_back(value.get<std::string>());
  }
  return out;
}

cases::Actor RequireRole(accounts::AuthService& auth, const HttpRequest& request,
                         std::initializer_list<kernel::Role> roles) {
  auto actor = cases::ActorOf(auth.Authenticate(request));
  for (auto role : roles) {
    if (actor.role == role) return actor;
  }
  throw kernel::Forbidden("this role may not do that");
}

// The answer of a supervisor's assignment, from the case as it was left and its timeline (the
// assign event records the rules the supervisor overrode): rendered inside the write's
// transaction when the request carries an Idempotency-Key, so a retry gets the same answer.
std::string AssignmentAnswer(const cases::Case& c, const std::vector<cases::CaseEvent>& events) {
  Json overrides = Json::array();
  if (c.agent_id != 0) {
    for (auto e = events.rbegin(); e != events.rend(); ++e) {
      if (e->type != "assign") continue;
      if (e->data.is_object() && e->data.contains("overrides")) overrides = e->data["overrides"];
      break;
    }
  }
  return kernel::DumpJson({{"tracking_number", c.tracking_number},
                           {"state", ToWord(c.state)},
                           {"agent_id", c.agent_id == 0 ? Json(nullptr) : Json(c.agent_id)},
                           {"overrides", std::move(overrides)}});
}

HttpResponse KeyedAssignment(cases::CaseService& cases, const cases::Actor& supervisor,
                             const HttpRequest& request,
                             const std::function<cases::Case(cases::KeyedWrite*)>& write) {
  auto key = kernel::StaffKeyOf(supervisor.user_id, request);
  auto answer = cases.Once(key, AssignmentAnswer, write);
  return HttpResponse::Answer(answer);
}

void AddRoutes(kernel::Router& router, DispatchService& dispatch, cases::CaseService& cases,
               accounts::AuthService& auth) {
  using kernel::Role;
  constexpr kernel::RouteOptions kSmall{.max_body_bytes = 16 * 1024, .blocking = true};
  // The board, a page at a time (the city's 571 agents were 279 kB in one answer, 40 ms of
  // the service's and PostgreSQL's time): `limit` 1..500 (100), `cursor` the last page's.
  router.Add("GET", "/api/v1/dispatch/agents", [&](const HttpRequest& request) {
    auto viewer = RequireRole(auth, request, {Role::kSupervisor, Role::kAdmin});
    AgentPage page{0, 100};
    if (auto limit = request.Query("limit")) {
      page.limit = static_cast<int>(kernel::ParseIntField(*limit, "limit", 1, 500));
    }
    if (auto cursor = request.Query("cursor")) {
      page.after_id = kernel::CursorNumber(kernel::DecodeCursor(*cursor, "a1", 1)[0], 1,
                                           std::numeric_limits<std::int64_t>::max());
    }
    const auto board = dispatch.Agents(viewer, request.Query("region").value_or(""), page);
    Json list = Json::array();
    for (const auto& agent : board.agents) list.push_back(AgentJson(agent));
    Json next = nullptr;
    if (board.more) {
      next = kernel::EncodeCursor("a1", {std::to_string(board.agents.back().profile.id)});
    }
    return HttpResponse::WithJson(200, {{"agents", std::move(list)}, {"next_cursor", next}});
  });
  router.Add("GET", "/api/v1/dispatch/agents/:id", [&](const HttpRequest& request) {
    auto viewer = RequireRole(auth, request, {Role::kSupervisor, Role::kAdmin});
    return HttpResponse::WithJson(200, AgentJson(dispatch.Agent(viewer, IdParam(request, "id"))));
  });
  router.Add(
      "PUT", "/api/v1/dispatch/agents/:id",
      [&](const HttpRequest& request) {
        RequireRole(auth, request, {Role::kAdmin});
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        AgentSettingsRequest asked;
        asked.user_id = IdParam(request, "id");
        if (body.contains("capacity")) asked.capacity = kernel::RequireInt(body, "capacity");
        if (body.contains("on_duty")) {
          if (!body["on_duty"].is_boolean())
            throw kernel::Invalid("on_duty", "on_duty must be true or false");
          asked.on_duty = body["on_duty"].get<bool>();
        }
        asked.hours = Strings(body, "hours");
        asked.regions = Strings(body, "regions");
        asked.departments = Strings(body, "departments");
        return HttpResponse::WithJson(200, {{"saved", dispatch.UpdateAgent(asked).user_id}});
      },
      kSmall);
  router.Add(
      "POST", "/api/v1/dispatch/agents/:id/duty",
      [&](const HttpRequest& request) {
        auto viewer = RequireRole(auth, request, {Role::kSupervisor, Role::kAdmin});
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        if (!body.contains("on_duty") || !body["on_duty"].is_boolean()) {
          throw kernel::Invalid("on_duty", "on_duty must be true or false");
        }
        dispatch.SetDuty(viewer, IdParam(request, "id"), body["on_duty"].get<bool>());
        return HttpResponse::WithJson(200, {{"on_duty", body["on_duty"]}});
      },
      kSmall);
  router.Add("GET", "/api/v1/dispatch/queue", [&](const HttpRequest& request) {
    auto viewer = RequireRole(auth, request, {Role::kSupervisor, Role::kAdmin});
    Json list = Json::array();
    for (const auto& q : dispatch.Queue(viewer, request.Query("region").value_or(""))) {
      list.push_back({{"tracking_number", q.tracking_number},
                      {"subject", q.subject},
                      {"region_code", q.region_code},
                      {"accepted_at", Time(q.accepted_at)},
                      {"deadline", Time(q.deadline)},
                      {"priority", q.priority},
                      {"offers_made", q.offers_made}});
    }
    return HttpResponse::WithJson(200, {{"queue", std::move(list)}});
  });
  router.Add("GET", "/api/v1/dispatch/alerts", [&](const HttpRequest& request) {
    auto viewer = RequireRole(auth, request, {Role::kSupervisor, Role::kAdmin});
    Json list = Json::array();
    for (const auto& a : dispatch.Alerts(viewer, 200)) {
      list.push_back({{"id", a.id},
                      {"tracking_number", a.tracking_number},
                      {"region_code", a.region_code},
                      {"kind", a.kind},
                      {"message", a.message},
                      {"at", Time(a.at)}});
    }
    return HttpResponse::WithJson(200, {{"alerts", std::move(list)}});
  });
  router.Add(
      "POST", "/api/v1/dispatch/cases/:tracking/assign",
      [&](const HttpRequest& request) {
        auto supervisor = RequireRole(auth, request, {Role::kSupervisor, Role::kAdmin});
        auto body = request.JsonBody();
        auto agent = kernel::RequireInt(body, "agent_id");
        const auto reason = kernel::OptionalString(body, "reason");
        return KeyedAssignment(cases, supervisor, request, [&](cases::KeyedWrite* keyed) {
          return dispatch.Assign(request.Param("tracking"), agent, supervisor, reason, keyed)
              .assigned;
        });
      },
      kSmall);
  router.Add(
      "POST", "/api/v1/dispatch/cases/:tracking/reassign",
      [&](const HttpRequest& request) {
        auto supervisor = RequireRole(auth, request, {Role::kSupervisor, Role::kAdmin});
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        std::optional<std::int64_t> agent;
        if (body.contains("agent_id") && !body["agent_id"].is_null()) {
          agent = kernel::RequireInt(body, "agent_id");
        }
        const auto reason = kernel::OptionalString(body, "reason");
        return KeyedAssignment(cases, supervisor, request, [&](cases::KeyedWrite* keyed) {
          return dispatch.Reassign(request.Param("tracking"), agent, supervisor, reason, keyed)
              .assigned;
        });
      },
      kSmall);
  // The agent's side, for staff tools; phones use the mobile gateway's equivalents.
  router.Add("GET", "/api/v1/dispatch/offers", [&](const HttpRequest& request) {
    auto agent = RequireRole(auth, request, {Role::kAgent});
    Json list = Json::array();
    for (const auto& offer : dispatch.OffersOf(agent)) list.push_back(OfferJson(offer));
    return HttpResponse::WithJson(200, {{"offers", std::move(list)}});
  });
  router.Add(
      "POST", "/api/v1/dispatch/offers/:id/accept",
      [&](const HttpRequest& request) {
        auto agent = RequireRole(auth, request, {Role::kAgent});
        auto c = dispatch.AcceptOffer(IdParam(request, "id"), agent);
        return HttpResponse::WithJson(
            200, {{"tracking_number", c.tracking_number}, {"state", ToWord(c.state)}});
      },
      kSmall);
  router.Add(
      "POST", "/api/v1/dispatch/offers/:id/decline",
      [&](const HttpRequest& request) {
        auto agent = RequireRole(auth, request, {Role::kAgent});
        auto body = request.JsonBody();
        dispatch.DeclineOffer(IdParam(request, "id"), agent, kernel::RequireString(body, "reason"));
        return HttpResponse::WithJson(200, {{"declined", true}});
      },
      kSmall);
}

}  // namespace

void WireDispatch(runtime::ServiceHost& host) {
  kernel::Env env;
  auto parts = cases::WireCaseParts(host, env);
  auto& auth = parts.auth;
  auto& case_service = parts.cases;

  auto& dispatch = WireDispatchCore(host, env, case_service);
  AddRoutes(host.Server().Routes(), dispatch, case_service, auth);

  // One instance at a time runs the batch assigner, offer expiry and the SLA watch ...
  const std::string conninfo = host.Settings().pg.url;
  auto& batch = host.Make<runtime::ElectedWorker>(
      "batch-assigner", kBatchLock, conninfo,
      env.Millis("DAIBAN_BATCH_INTERVAL_MS", 1000, 100, 600000),
      [&dispatch, &redis = host.Redis(), failovers = host.Redis().PrimaryChanges()]() mutable {
        // A Redis failover: the promoted replica may lack the last writes before it (Redis
        // replicates asynchronously), so the live state is rebuilt from PostgreSQL.
        if (std::uint64_t now = redis.PrimaryChanges(); now != failovers) {
          dispatch.Rebuild();
          failovers = now;
        }
        dispatch.RebuildIfStale();  // Redis lost its state: rebuild before deciding anything
        dispatch.RunBatch();
      },
      host.Logger());
  // A burst: the batch is solved as soon as a region's queue outgrows the greedy policy (in
  // the instance leading the batch; the others' kick is an election try).
  dispatch.OnLongQueue([&batch] { batch.Wake(); });
  auto& expiry = host.Make<runtime::ElectedWorker>(
      "offer-expiry", kExpiryLock, conninfo,
      env.Millis("DAIBAN_EXPIRY_INTERVAL_MS", 1000, 100, 600000),
      [&dispatch] { dispatch.ExpireOffers(); }, host.Logger());
  auto& sla = host.Make<runtime::ElectedWorker>(
      "sla-watch", kSlaLock, conninfo, env.Millis("DAIBAN_SLA_INTERVAL_MS", 30000, 100, 3600000),
      [&dispatch] { dispatch.WatchSla(); }, host.Logger());
  // ... while every instance reads case events (the consumer group shares them out); made
  // after the workers it wakes, so it is destroyed (and stopped) before them.
  auto& events = host.Make<runtime::CaseEventReader>(
      host, env, "dispatch", [&dispatch](const runtime::CaseStateEvent& event) {
        if (event.from_state) {
          dispatch.OnCaseEvent(event.tracking_number, *event.from_state, event.to_state,
                               event.region_code);
        } else {
          dispatch.OnCaseEvent(event.tracking_number, event.to_state, event.region_code);
        }
      });
  host.OnStart([&] {
    events.Start();
    try {
      dispatch.RebuildIfStale();
    } catch (const std::exception& error) {
      host.Logger().Warn("dispatch start: live state not ready yet", {{"what", error.what()}});
    }
    batch.Start();
    expiry.Start();
    sla.Start();
  });
}

}  // namespace daiban::dispatch
