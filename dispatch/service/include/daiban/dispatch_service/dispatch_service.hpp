#pragma once

#include "daiban/cases/case_service.hpp"
#include "daiban/dispatch/app/dispatch_service.hpp"
#include "daiban/runtime/service_host.hpp"

namespace daiban::dispatch {

// The dispatch service: live queues, assignment, offers, SLA watch. Owns /api/v1/dispatch/
// behind the gateway.
void WireDispatch(runtime::ServiceHost& host);

// The dispatch use cases without their routes and workers, for other processes that run
// them in-process (the mobile gateway: offers on phones).
DispatchService& WireDispatchCore(runtime::ServiceHost& host, const kernel::Env& env,
                                  cases::CaseService& case_service);

}  // namespace daiban::dispatch
