#pragma once

#include "daiban/runtime/service_host.hpp"

namespace daiban::tracking {

// The tracking process: deliveries, couriers, public tracking. Owns /api/v1/track/,
// /api/v1/deliveries/, /api/v1/couriers/ and /track/ behind the gateway, and runs the courier
// assigner (elected) and the case-event reader that creates deliveries.
void WireTracking(runtime::ServiceHost& host);

}  // namespace daiban::tracking
