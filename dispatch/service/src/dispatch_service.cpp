#include "daiban/dispatch_service/dispatch_service.hpp"

namespace daiban::dispatch {

void WireDispatch(host::ServiceHost& host) { host.Logger().Debug("dispatch wired"); }

}  // namespace daiban::dispatch
