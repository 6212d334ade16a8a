#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/tracking/location_store.hpp"

namespace daiban::mobile {

// POST /mobile/v1/locations — a phone's batch of GPS fixes (see tracking/locations.hpp for the body
// and its rules). Bearer token of an agent or a courier (anyone else: 403). Answers 200
// {"stored": n, "live_moved": bool}; 413 for more than 500 fixes; 422 naming the first bad fix,
// in which case nothing is stored. The store, auth service and clock must outlive the router.
void AddLocationRoutes(kernel::Router& router, tracking::LocationStore& store,
                       accounts::AuthService& auth, const kernel::Clock& clock);

}  // namespace daiban::mobile
