#pragma once

#include <optional>

#include "daiban/cases/case_model.hpp"
#include "daiban/dispatch/app/dispatch_service.hpp"
#include "daiban/tracking/app/delivery_service.hpp"

namespace daiban::mobile {

// A phone user's own working record and duty. Who answers depends on the caller's role: an
// agent's record and duty are dispatch's, a courier's are tracking's. The decision is made here,
// once, so the phone's routes only parse and map.
class FieldWorkerService {
 public:
  FieldWorkerService(dispatch::DispatchService& dispatch, tracking::DeliveryService& deliveries)
      : dispatch_(dispatch), deliveries_(deliveries) {}

  // The caller's record: `agent` for an agent, `courier` for a courier, each empty when the
  // account has no (active) profile yet; 403 for any other role.
  struct OwnRecord {
    std::optional<dispatch::AgentRecord> agent;
    std::optional<tracking::CourierRecord> courier;
  };
  OwnRecord Own(const cases::Actor& user);

  // Puts the caller on or off duty where its role works; 403 for any other role.
  void SetDuty(const cases::Actor& user, bool on_duty);

 private:
  dispatch::DispatchService& dispatch_;
  tracking::DeliveryService& deliveries_;
};

}  // namespace daiban::mobile
