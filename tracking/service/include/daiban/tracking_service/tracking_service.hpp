#pragma once

#include "daiban/host/service_host.hpp"

namespace daiban::tracking {

// The tracking service: deliveries, couriers, public tracking. Owns /api/v1/track/,
// /api/v1/deliveries/, /api/v1/couriers/ and /track/ behind the gateway.
void WireTracking(host::ServiceHost& host);

}  // namespace daiban::tracking
