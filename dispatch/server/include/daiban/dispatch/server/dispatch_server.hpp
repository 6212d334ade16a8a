#pragma once

#include "daiban/runtime/service_host.hpp"

namespace daiban::dispatch {

// The dispatch process: live queues, assignment, offers, SLA watch. Owns /api/v1/dispatch/
// behind the gateway.
void WireDispatch(runtime::ServiceHost& host);

}  // namespace daiban::dispatch
