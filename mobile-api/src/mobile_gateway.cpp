#include "daiban/mobile/mobile_gateway.hpp"

namespace daiban::mobile {

void WireMobile(host::ServiceHost& host) { host.Logger().Debug("mobile wired"); }

}  // namespace daiban::mobile
