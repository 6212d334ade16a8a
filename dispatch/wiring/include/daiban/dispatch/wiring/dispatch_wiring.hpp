#pragma once

#include "daiban/cases/case_service.hpp"
#include "daiban/dispatch/app/dispatch_service.hpp"
#include "daiban/kernel/config.hpp"
#include "daiban/runtime/service_host.hpp"

namespace daiban::dispatch {

// The dispatch use cases over PostgreSQL and Redis, without routes or workers: what the dispatch
// process and the mobile gateway (offers on phones) both run.
DispatchService& WireDispatchCore(runtime::ServiceHost& host, const kernel::Env& env,
                                  cases::CaseService& case_service);

}  // namespace daiban::dispatch
