#pragma once

#include "daiban/runtime/service_host.hpp"

namespace daiban::mobile {

// The phones' gateway: runs the phone-facing use cases of the cases, dispatch and tracking
// libraries in-process and owns no tables. Owns /mobile/v1/ behind the gateway.
void WireMobile(runtime::ServiceHost& host);

}  // namespace daiban::mobile
