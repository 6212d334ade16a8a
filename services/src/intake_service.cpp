#include "daiban/intake/intake_service.hpp"

namespace daiban::intake {

void WireIntake(host::ServiceHost& host) {
  host.Logger().Debug("intake wired");
}

}  // namespace daiban::intake
