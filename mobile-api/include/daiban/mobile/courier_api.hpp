#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "daiban/accounts/auth.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/tracking/app/delivery_service.hpp"

namespace daiban::mobile {

struct CourierDeps {
  accounts::AuthService& auth;
  tracking::DeliveryService& deliveries;
};

// The couriers' phone API under /mobile/v1/deliveries: my stops in order, and picked_up,
// arrived, delivered (with proof) and failed on one delivery, each idempotent with device time;
// and the agents' POST /mobile/v1/cases/{tracking}/collection (a courier fetches the originals).
void AddCourierRoutes(kernel::Router& router, CourierDeps deps);

// One courier action ("picked_up", "arrived", "delivered", "failed") read from its JSON body and
// done exactly once per (user, Idempotency-Key) by DeliveryService::ActOnce: a retry gets the
// first answer back, another body under the same key is 409. Also what the offline sync runs
// for a "delivery" item.
kernel::HttpResponse ApplyCourierAction(CourierDeps& deps, const cases::Actor& courier,
                                        std::int64_t delivery_id, const std::string& action,
                                        const nlohmann::json& body,
                                        std::optional<cases::Moment> device_time,
                                        const std::string& key);

}  // namespace daiban::mobile
