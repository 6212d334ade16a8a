#pragma once

#include <chrono>
#include <optional>

#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/kernel/json.hpp"
#include "daiban/runtime/service_host.hpp"
#include "daiban/tracking/app/delivery_service.hpp"

namespace daiban::tracking {

// The delivery use cases over PostgreSQL, with the catalogue's halls: what the tracking process
// and the mobile gateway (couriers' phones) both run.
DeliveryService& WireDeliveryCore(runtime::ServiceHost& host, const kernel::Env& env,
                                  cases::CaseParts& parts);

// JSON of a delivery as staff and couriers see it (the public view is narrower).
nlohmann::json DeliveryJson(const DeliveryRecord& d);

namespace json {
// The time and position forms every tracking answer uses.
nlohmann::json Time(std::chrono::sys_seconds at);
nlohmann::json Time(const std::optional<std::chrono::sys_seconds>& at);
nlohmann::json Point(const GeoPoint& at);
nlohmann::json Point(const std::optional<GeoPoint>& at);
}  // namespace json

}  // namespace daiban::tracking
