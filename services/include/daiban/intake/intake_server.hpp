#pragma once

#include "daiban/runtime/service_host.hpp"

namespace daiban::intake {

// The intake process (the government-service side): adds its routes and background workers
// to the host. Owns /api/v1/{auth,regions,departments,items,bundles,calendar,cases,stats,
// followups}, /open311/v2/ and /console/ behind the gateway.
void WireIntake(runtime::ServiceHost& host);

}  // namespace daiban::intake
