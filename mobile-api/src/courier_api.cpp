#include "daiban/mobile/courier_api.hpp"

#include <cmath>

#include "daiban/cases/case_wiring.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/cases/pg_case_store.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/mobile/phone_request.hpp"
#include "daiban/tracking/wiring/delivery_wiring.hpp"

namespace daiban::mobile {

namespace {

using cases::ActorRole;
using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;
using tracking::CourierAction;

constexpr kernel::RouteOptions kSmall{.max_body_bytes = 64 * 1024, .blocking = true};

cases::Actor Courier(CourierDeps& deps, const HttpRequest& request) {
  auto actor = cases::ActorOf(deps.auth.Authenticate(request));
  if (actor.role != ActorRole::kCourier) throw kernel::Forbidden("deliveries are for couriers");
  return actor;
}

std::optional<CourierAction> ParseAction(const std::string& word) {
  for (auto action : {CourierAction::kPickUp, CourierAction::kArrive, CourierAction::kDeliver,
                      CourierAction::kFail}) {
    if (word == tracking::ToWord(action)) return action;
  }
  return std::nullopt;
}

std::optional<tracking::GeoPoint> Position(const Json& body) {
  auto it = body.find("position");
  if (it == body.end() || it->is_null()) return std::nullopt;
  const auto at = kernel::ParsePositionJson(*it, "position");
  return tracking::GeoPoint{at.lat, at.lng};
}

std::int64_t DeliveryId(const std::string& text) {
  return kernel::ParsePathId(text, "no such delivery");
}

Json StopJson(const tracking::CourierStop& s) {
  Json json = tracking::DeliveryJson(s.delivery);
  json["stop"] = {{"kind", s.stop.kind == tracking::StopKind::kPickup ? "pickup" : "dropoff"},
                  {"location", {{"lat", s.stop.at.lat}, {"lng", s.stop.at.lng}}},
                  {"arrive", cases::FormatRfc3339China(s.stop.arrive)},
                  {"start", cases::FormatRfc3339China(s.stop.start)},
                  {"late", s.stop.late}};
  return json;
}

}  // namespace

HttpResponse ApplyCourierAction(CourierDeps& deps, const cases::Actor& courier,
                                std::int64_t delivery_id, const std::string& action_word,
                                const Json& body, std::optional<cases::Moment> device_time,
                                const std::string& key) {
  if (!body.is_object()) throw kernel::BadRequest("the body must be a JSON object");
  const std::string scope = "user:" + std::to_string(courier.user_id);
  auto body_hash = accounts::TokenHash("delivery\n" + std::to_string(delivery_id) + "\n" +
                                       action_word + "\n" + body.dump());
  if (auto replay = deps.cases.Replay(scope, key, body_hash)) {
    return HttpResponse::Text(replay->status, replay->body, "application/json; charset=utf-8");
  }
  auto action = ParseAction(action_word);
  if (!action) throw kernel::NotFound("no such delivery action");
  tracking::CourierReport report;
  report.device_time = device_time;
  report.position = Position(body);
  report.note = kernel::OptionalString(body, "note");
  if (*action == CourierAction::kDeliver) {
    report.proof.recipient_name = kernel::OptionalString(body, "recipient_name");
    report.proof.id_last4 = kernel::OptionalString(body, "id_last4");
    report.proof.signature = kernel::OptionalString(body, "signature");
    report.proof.photo_sha256 = kernel::OptionalString(body, "photo_sha256");
  }
  if (*action == CourierAction::kFail) report.reason = kernel::OptionalString(body, "reason");
  cases::StoredAnswer answer{scope, key, body_hash, 200, ""};
  auto render = [](const tracking::ActOutcome& outcome) {
    return kernel::DumpJson({{"delivery", tracking::DeliveryJson(outcome.delivery)},
                             {"case_state", outcome.case_state}});
  };
  try {
    auto outcome =
        deps.deliveries.Act(courier, delivery_id, *action, report,
                            [&answer, &render](db::Tx& tx, const tracking::ActOutcome& predicted) {
                              answer.body = render(predicted);
                              cases::KeepAnswer(tx, answer);
                            });
    return HttpResponse::Text(200, answer.body.empty() ? render(outcome) : answer.body,
                              "application/json; charset=utf-8");
  } catch (const cases::DuplicateRequest&) {
    if (auto replay = deps.cases.Replay(scope, key, body_hash)) {
      return HttpResponse::Text(replay->status, replay->body, "application/json; charset=utf-8");
    }
    throw;
  }
}

void AddCourierRoutes(kernel::Router& router, CourierDeps deps) {
  auto d = std::make_shared<CourierDeps>(deps);
  // The agent asks a courier to fetch the applicant's originals (two-way 寄递); asking again
  // answers the same leg.
  router.Add("POST", "/mobile/v1/cases/:tracking/collection",
             [d](const HttpRequest& request) {
               auto agent = cases::ActorOf(d->auth.Authenticate(request));
               if (agent.role != ActorRole::kAgent)
                 throw kernel::Forbidden("agents ask for collections");
               auto leg = d->deliveries.RequestCollection(request.Param("tracking"), agent);
               return HttpResponse::WithJson(200, tracking::DeliveryJson(leg));
             },
             {.max_body_bytes = 1024, .blocking = true});
  router.Add("GET", "/mobile/v1/deliveries", [d](const HttpRequest& request) {
    auto courier = Courier(*d, request);
    Json stops = Json::array();
    for (const auto& stop : d->deliveries.StopsOf(courier)) stops.push_back(StopJson(stop));
    return HttpResponse::WithJson(200, {{"stops", std::move(stops)}});
  });
  router.Add(
      "POST", "/mobile/v1/deliveries/:id/:action",
      [d](const HttpRequest& request) {
        auto courier = Courier(*d, request);
        auto id = DeliveryId(request.Param("id"));
        auto key = RequireIdempotencyKey(request);
        Json body = request.body.empty() ? Json::object() : request.JsonBody();
        return ApplyCourierAction(*d, courier, id, request.Param("action"), body,
                                  DeviceTime(request), key);
      },
      kSmall);
}

}  // namespace daiban::mobile
