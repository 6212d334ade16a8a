#pragma once

#include "daiban/runtime/service_host.hpp"
#include "daiban/cases/case_wiring.hpp"
#include "daiban/tracking/app/delivery_service.hpp"

namespace daiban::tracking {

// The delivery use cases over PostgreSQL, with the catalogue's halls: what the tracking service
// and the mobile gateway (couriers' phones) both run.
DeliveryService& WireDeliveryCore(runtime::ServiceHost& host, const kernel::Env& env,
                                  cases::CaseParts& parts);

// The tracking service: deliveries, couriers, public tracking. Owns /api/v1/track/,
// /api/v1/deliveries/, /api/v1/couriers/ and /track/ behind the gateway, and runs the courier
// assigner (elected) and the case-event reader that creates deliveries.
void WireTracking(runtime::ServiceHost& host);

// JSON of a delivery as staff and couriers see it (the public view is narrower).
nlohmann::json DeliveryJson(const DeliveryRecord& d);

}  // namespace daiban::tracking
