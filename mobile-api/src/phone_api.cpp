#include "daiban/mobile/phone_api.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/list_cursor.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/mobile/phone_request.hpp"
#include "daiban/mobile/sync/sync_cursor.hpp"

namespace daiban::mobile {

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;
using kernel::Role;

constexpr kernel::RouteOptions kSmall{.max_body_bytes = 16 * 1024, .blocking = true};
constexpr kernel::RouteOptions kSyncBody{.max_body_bytes = 512 * 1024, .blocking = true};
// A wait is held at most this long, below the gateway's 30 s upstream read timeout.
constexpr std::int64_t kMaxWaitSeconds = 25;
constexpr std::int64_t kDefaultWaitSeconds = 20;

Json Time(std::chrono::sys_seconds at) { return cases::FormatRfc3339China(at); }

// The caller, once authenticated: who it is to the accounts context and as the cases name it.
struct PhoneUser {
  accounts::Principal principal;
  cases::Actor actor;
};

PhoneUser PhoneCaller(PhoneDeps& deps, const HttpRequest& request) {
  auto principal = deps.auth.Authenticate(request);
  auto actor = cases::ActorOf(principal);
  if (actor.role != Role::kAgent && actor.role != Role::kCourier) {
    throw kernel::Forbidden("the phone API is for agents and couriers");
  }
  return {std::move(principal), std::move(actor)};
}

cases::Actor Phone(PhoneDeps& deps, const HttpRequest& request) {
  return PhoneCaller(deps, request).actor;
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

// The guide and hall of each item a list shows, read once per answer: a task list of 100 cases
// asks for a handful of items, and reading each task's guide again made the list 100 catalogue
// reads (seconds at an agent's full load). An item missing from the memo has no guide (unknown
// code): the task goes without it.
using GuideMemo = std::map<std::string, Json>;

Json GuideParts(const catalogue::CatalogueService::Guide& guide) {
  Json parts = Json::object();
  parts["guide"] = {{"conditions", guide.item.conditions},
                    {"how_to_apply", guide.item.how_to_apply},
                    {"where_to_apply", guide.item.where_to_apply}};
  parts["hall"] = {
      {"name", guide.department.hall_name},
      {"address", guide.department.hall_address},
      {"location", {{"lat", guide.department.hall.lat}, {"lng", guide.department.hall.lng}}},
      {"office_hours", guide.department.office_hours}};
  return parts;
}

// The guides of every item of a page in one catalogue statement: reading them item by item
// was two round trips per distinct item (24 for a page of 20 tasks at 100,000 cases).
GuideMemo GuidesOf(PhoneDeps& deps, const std::vector<cases::Case>& page) {
  std::vector<std::string> codes;
  for (const auto& c : page) {
    if (!c.item_code.empty()) codes.push_back(c.item_code);
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  GuideMemo memo;
  for (const auto& [code, guide] : deps.catalogue.GuidesFor(codes)) {
    memo.emplace(code, GuideParts(guide));
  }
  return memo;
}

// The task view with the guide and hall of its item.
Json TaskJson(PhoneDeps& deps, const cases::Case& c, cases::Moment now, GuideMemo& guides) {
  Json task = TaskView(c, now);
  if (!c.item_code.empty()) {
    auto known = guides.find(c.item_code);
    if (known == guides.end()) {
      // A case outside the page's memo (an accepted offer): its guide alone.
      known = guides.emplace(c.item_code, GuidesOf(deps, {c})[c.item_code]).first;
    }
    if (known->second.is_object()) {
      for (const auto& [name, value] : known->second.items()) task[name] = value;
    }
  }
  return task;
}

// A sync answer as the phone reads it.
Json ChangesJson(PhoneDeps& deps, const SyncChanges& changes) {
  const auto now = kernel::ToMoment(deps.clock.Now());
  Json tasks = Json::array();
  GuideMemo guides = GuidesOf(deps, changes.tasks);
  for (const auto& c : changes.tasks) tasks.push_back(TaskJson(deps, c, now, guides));
  Json removed = Json::array();
  for (const auto& [tracking, reason] : changes.removed) {
    removed.push_back({{"tracking_number", tracking}, {"reason", reason}});
  }
  Json offers = Json::array();
  for (const auto& offer : changes.offers) offers.push_back(OfferJson(offer));
  return {{"offers", offers},
          {"tasks", tasks},
          {"removed", removed},
          {"cursor", SyncCursorText(changes.cursor)},
          {"more", changes.more}};
}

std::int64_t PathId(const HttpRequest& request) {
  return kernel::ParsePathId(request.Param("id"), "no such offer");
}

}  // namespace

Json TaskView(const cases::Case& c, cases::Moment now) {
  Json task = {
      {"tracking_number", c.tracking_number},
      {"state", ToWord(c.state)},
      {"subject", c.subject_name},
      {"mode", c.mode},
      {"version", c.version},
      {"deadline", c.clock ? Time(c.clock->deadline) : Json(nullptr)},
      // The cases' one rule of when a clock runs (the supervisors' board and the public page
      // use it too): a suspended task, or one whose result is ready, is not at risk.
      {"at_risk",
       c.RunningUrgency(now).value_or(cases::Urgency::kOnTrack) != cases::Urgency::kOnTrack},
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
  return task;
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
    auto [principal, user] = PhoneCaller(*d, request);
    Json me = {{"user", accounts::PrincipalJson(principal)}};
    const auto own = d->workers.Own(user);
    if (const auto& a = own.agent) {
      me["agent"] = {{"on_duty", a->profile.on_duty},
                     {"capacity", a->profile.capacity},
                     {"open_cases", a->open_cases},
                     {"pending_offers", a->pending_offers},
                     {"regions", a->listed_regions}};
    }
    if (const auto& c = own.courier) {
      me["courier"] = {{"on_duty", c->profile.on_duty}, {"capacity", c->profile.capacity},
                       {"load", c->profile.load},       {"company", c->company},
                       {"vehicle", c->vehicle},         {"regions", c->listed_regions}};
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
        d->workers.SetDuty(user, body["on_duty"].get<bool>());
        return HttpResponse::WithJson(200, {{"on_duty", body["on_duty"]}});
      },
      kSmall);
  // The phone's long-poll: held open, in no thread, until an offer, task or stop of the caller
  // changes or timeout_s passes. The phone then reads what `changes` names (its offers, its
  // tasks or sync, its stops) and waits again with the `since` of this answer, so nothing
  // committed in between is missed.
  router.AddDeferred(
      "GET", "/mobile/v1/me/wait",
      [d](const HttpRequest& request, kernel::Responder respond) {
        auto user = Phone(*d, request);
        std::optional<std::int64_t> since;
        if (auto text = request.Query("since")) {
          since =
              kernel::ParseIntField(*text, "since", 0, std::numeric_limits<std::int64_t>::max());
        }
        auto timeout = std::chrono::seconds(kernel::ParseIntField(
            request.Query("timeout_s").value_or(std::to_string(kDefaultWaitSeconds)), "timeout_s",
            1, kMaxWaitSeconds));
        d->wakeups.Wait(
            user.user_id, since, timeout,
            [respond = std::move(respond)](PhoneWakeups::Outcome outcome) {
              respond(HttpResponse::WithJson(200, {{"changed", outcome.changed},
                                                   {"since", std::to_string(outcome.since)},
                                                   {"changes", outcome.changes}}));
            });
      },
      {.max_body_bytes = 0,
       .blocking = true,
       .deadline = std::chrono::seconds(kMaxWaitSeconds + 5)});
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
        auto now = kernel::ToMoment(d->clock.Now());
        GuideMemo guides;
        return HttpResponse::WithJson(200, TaskJson(*d, c, now, guides));
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
    cases::CaseFilter filter = cases::TaskListFilter();
    // Pages in the staff list's order (deadline, then id) with its cursor; an agent holding
    // hundreds of cases reads them a page at a time instead of one answer of every task.
    if (auto limit = request.Query("limit")) {
      // The use case checks the page size (1..100); this only keeps the number an int.
      filter.limit = static_cast<int>(kernel::ParseIntField(
          *limit, "limit", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    }
    if (auto cursor = request.Query("cursor")) cases::ApplyListCursor(*cursor, filter);
    auto now = kernel::ToMoment(d->clock.Now());
    Json tasks = Json::array();
    // Whole cases in the list's one transaction: listing, then reading the page's cases again
    // for their materials, planned the case statement twice (half the database's time).
    auto page = d->cases.List(filter, user);
    GuideMemo guides = GuidesOf(*d, page.cases);
    for (const auto& c : page.cases) tasks.push_back(TaskJson(*d, c, now, guides));
    Json next = nullptr;
    if (page.more) next = cases::ListCursor(page.cases.back(), filter.order);
    return HttpResponse::WithJson(200, {{"tasks", std::move(tasks)}, {"next_cursor", next}});
  });
  router.Add(
      "POST", "/mobile/v1/cases/:tracking/progress",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        cases::ProgressReport report{request.Param("tracking"), kernel::RequireString(body, "kind"),
                                     body, DeviceTime(request), RequireIdempotencyKey(request)};
        return HttpResponse::Answer(d->progress.Report(user, report));
      },
      kSmall);
  router.Add("GET", "/mobile/v1/sync", [d](const HttpRequest& request) {
    auto user = Phone(*d, request);
    auto since = ParseSyncCursor(request.Query("cursor").value_or(""));
    // A phone pages (`more` until caught up): up to 1,000 events and every task they touched
    // in one answer was 107 tasks, 137 kB for the busiest agent at 1,000,000 cases; a phone
    // that sends no limit reads up to 1,000 events (or a cold start's page of tasks).
    int limit = cases::CaseService::kMaxChangesPerCall;
    if (auto asked = request.Query("limit")) {
      // The use case checks the range; this only keeps the number an int.
      limit = static_cast<int>(kernel::ParseIntField(
          *asked, "limit", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    }
    return HttpResponse::WithJson(200, ChangesJson(*d, d->sync.ChangesSince(user, since, limit)));
  });
  router.Add(
      "POST", "/mobile/v1/sync",
      [d](const HttpRequest& request) {
        auto user = Phone(*d, request);
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        auto items = body.find("items");
        if (items == body.end()) throw kernel::Invalid("items", "items must be an array");
        return HttpResponse::WithJson(200, {{"outcomes", d->sync.Apply(user, *items)}});
      },
      kSyncBody);
}

}  // namespace daiban::mobile
