#include "daiban/mobile/location_api.hpp"

#include <chrono>

#include "daiban/kernel/errors.hpp"
#include "daiban/tracking/locations.hpp"

namespace daiban::mobile {

namespace {

// 500 fixes of ~150 bytes each with room to spare; the fix count is checked separately (413).
constexpr kernel::RouteOptions kBatchBody{.max_body_bytes = 128 * 1024, .blocking = true};

}  // namespace

void AddLocationRoutes(kernel::Router& router, tracking::LocationStore& store,
                       accounts::AuthService& auth, const kernel::Clock& clock) {
  router.Add(
      "POST", "/mobile/v1/locations",
      [&store, &auth, &clock](const kernel::HttpRequest& request) {
        // Who first: a stranger learns nothing about the body's rules.
        const accounts::Principal caller = auth.Authenticate(request);
        if (caller.role != accounts::Role::kAgent && caller.role != accounts::Role::kCourier) {
          throw kernel::Forbidden("only agents and couriers report locations");
        }
        const auto now = kernel::ToMoment(clock.Now());
        const auto fixes =
            tracking::ParseFixBatch(request.JsonBody(), now, tracking::LocationLimits{});
        const auto result = store.Ingest(caller.user_id, fixes, now);
        return kernel::HttpResponse::WithJson(
            200, {{"stored", result.stored}, {"live_moved", result.live_moved}});
      },
      kBatchBody);
}

}  // namespace daiban::mobile
