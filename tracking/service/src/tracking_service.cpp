#include "daiban/tracking_service/tracking_service.hpp"

namespace daiban::tracking {

void WireTracking(host::ServiceHost& host) { host.Logger().Debug("tracking wired"); }

}  // namespace daiban::tracking
