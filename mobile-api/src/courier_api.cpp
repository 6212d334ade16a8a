#include "daiban/mobile/courier_api.hpp"

#include <limits>
#include <optional>
#include <utility>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/mobile/phone_request.hpp"
#include "daiban/tracking/wiring/delivery_wiring.hpp"

namespace daiban::mobile {

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;
using kernel::Role;
using tracking::CourierAction;

constexpr kernel::RouteOptions kSmall{.max_body_bytes = 64 * 1024, .blocking = true};

cases::Actor Courier(CourierDeps& deps, const HttpRequest& request) {
  auto actor = cases::ActorOf(deps.auth.Authenticate(request));
  if (actor.role != Role::kCourier) throw kernel::Forbidden("deliveries are for couriers");
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
  return kernel::ParsePositionJson(*it, "position");
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

// The stop list's cursor names the last stop shown: its delivery and kind (0 pickup, 1 dropoff).
std::string StopCursor(const tracking::StopKey& key) {
  return kernel::EncodeCursor(
      "s1", {std::to_string(key.delivery_id), key.kind == tracking::StopKind::kPickup ? "0" : "1"});
}

std::optional<tracking::StopKey> ParseStopCursor(const HttpRequest& request) {
  auto cursor = request.Query("cursor");
  if (!cursor) return std::nullopt;
  const auto parts = kernel::DecodeCursor(*cursor, "s1", 2);
  return tracking::StopKey{
      kernel::CursorNumber(parts[0], 1, std::numeric_limits<std::int64_t>::max()),
      kernel::CursorNumber(parts[1], 0, 1) == 0 ? tracking::StopKind::kPickup
                                                : tracking::StopKind::kDropoff};
}

}  // namespace

HttpResponse ApplyCourierAction(CourierDeps& deps, const cases::Actor& courier,
                                std::int64_t delivery_id, const std::string& action_word,
                                const Json& body, std::optional<cases::Moment> device_time,
                                const std::string& key) {
  if (!body.is_object()) throw kernel::BadRequest("the body must be a JSON object");
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
  // Keys are the courier's own; the delivery, the action and the body make the request.
  const auto keyed = kernel::KeyOf(
      kernel::UserKeyScope(courier.user_id), key,
      "delivery\n" + std::to_string(delivery_id) + "\n" + action_word + "\n" + body.dump());
  return HttpResponse::Answer(deps.deliveries.ActOnce(
      courier, delivery_id, *action, report, keyed, [](const tracking::ActOutcome& outcome) {
        return kernel::DumpJson({{"delivery", tracking::DeliveryJson(outcome.delivery)},
                                 {"case_state", outcome.case_state}});
      }));
}

void AddCourierRoutes(kernel::Router& router, CourierDeps deps) {
  auto d = std::make_shared<CourierDeps>(deps);
  // The agent asks a courier to fetch the applicant's originals (two-way 寄递); asking again
  // answers the same leg.
  router.Add("POST", "/mobile/v1/cases/:tracking/collection",
             [d](const HttpRequest& request) {
               auto agent = cases::ActorOf(d->auth.Authenticate(request));
               if (agent.role != Role::kAgent)
                 throw kernel::Forbidden("agents ask for collections");
               auto leg = d->deliveries.RequestCollection(request.Param("tracking"), agent);
               return HttpResponse::WithJson(200, tracking::DeliveryJson(leg));
             },
             {.max_body_bytes = 1024, .blocking = true});
  router.Add("GET", "/mobile/v1/deliveries", [d](const HttpRequest& request) {
    auto courier = Courier(*d, request);
    const auto limit = request.Query("limit");  // 1..100 stops, 20 by default
    const auto after = ParseStopCursor(request);
    const auto page = d->deliveries.PageOfStops(
        courier, after,
        limit ? static_cast<std::size_t>(kernel::ParseIntField(*limit, "limit", 1, 100)) : 20);
    Json stops = Json::array();
    for (const auto& stop : page.stops) stops.push_back(StopJson(stop));
    Json next = nullptr;
    if (page.next_after) next = StopCursor(*page.next_after);
    return HttpResponse::WithJson(200, {{"stops", std::move(stops)}, {"next_cursor", next}});
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
