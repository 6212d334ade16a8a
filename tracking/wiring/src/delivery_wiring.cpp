#include "daiban/tracking/wiring/delivery_wiring.hpp"

#include "daiban/cases/china_time.hpp"
#include "daiban/tracking/pg/pg_delivery_store.hpp"

namespace daiban::tracking {

using kernel::Json;

namespace json {
Json Time(std::chrono::sys_seconds at) { return cases::FormatRfc3339China(at); }
Json Time(const std::optional<std::chrono::sys_seconds>& at) {
  return at ? Time(*at) : Json(nullptr);
}
Json Point(const GeoPoint& at) { return {{"lat", at.lat}, {"lng", at.lng}}; }
Json Point(const std::optional<GeoPoint>& at) { return at ? Point(*at) : Json(nullptr); }
}  // namespace json

namespace {

using json::Point;
using json::Time;

// The catalogue's departments as pickup places.
class CatalogueHalls final : public HallDirectory {
 public:
  explicit CatalogueHalls(catalogue::CatalogueService& catalogue) : catalogue_(catalogue) {}
  std::optional<Hall> HallOf(const std::string& department_code) override {
    for (const auto& d : catalogue_.Departments()) {
      if (d.code != department_code) continue;
      return Hall{"dept:" + d.code,
                  d.hall_name.empty() ? d.name : d.hall_name,
                  d.hall_address,
                  {d.hall.lat, d.hall.lng}};
    }
    return std::nullopt;
  }

 private:
  catalogue::CatalogueService& catalogue_;
};

}  // namespace

Json DeliveryJson(const DeliveryRecord& d) {
  return {{"id", d.id},
          {"tracking_number", d.tracking_number},
          {"leg", ToWord(d.leg)},
          {"state", ToWord(d.state)},
          {"courier",
           d.courier_id == 0
               ? Json(nullptr)
               : Json{{"id", d.courier_id}, {"name", d.courier_name}, {"phone", d.courier_phone}}},
          {"pickup",
           {{"name", d.pickup_name}, {"address", d.pickup_address}, {"location", Point(d.pickup)}}},
          {"dropoff",
           {{"name", d.dropoff_name},
            {"phone", d.dropoff_phone},
            {"address", d.dropoff_address},
            {"location", Point(d.dropoff)}}},
          {"window", {{"from", Time(d.window.from)}, {"to", Time(d.window.to)}}},
          {"contents", d.contents},
          {"attempts", d.attempts},
          {"stop_order", d.stop_order ? Json(*d.stop_order) : Json(nullptr)},
          {"planned_at", Time(d.planned_at)},
          {"planned_late", d.planned_late},
          {"version", d.version},
          {"created_at", Time(d.created_at)},
          {"assigned_at", Time(d.assigned_at)},
          {"picked_up_at", Time(d.picked_up_at)},
          {"delivered_at", Time(d.delivered_at)}};
}

DeliveryService& WireDeliveryCore(runtime::ServiceHost& host, const kernel::Env& env,
                                  cases::CaseParts& parts) {
  DeliveryOptions options;
  options.assign_batch = static_cast<int>(env.Int("DAIBAN_COURIER_ASSIGN_BATCH", 200, 1, 10000));
  options.alert_after_failures =
      static_cast<int>(env.Int("DAIBAN_DELIVERY_ALERT_AFTER_FAILURES", 3, 1, 100));
  options.replan_budget =
      std::chrono::milliseconds(env.Int("DAIBAN_DELIVERY_REPLAN_MS", 50, 1, 5000));
  auto& store = host.Make<PgDeliveryStore>(host.Pg());
  auto& halls = host.Make<CatalogueHalls>(parts.catalogue);
  return host.Make<DeliveryService>(store, parts.cases, halls, host.Clock(), options);
}

}  // namespace daiban::tracking
