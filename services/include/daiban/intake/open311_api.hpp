#pragma once

#include "daiban/accounts/api_keys.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/service_requests.hpp"
#include "daiban/catalogue/boundaries.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/intake/open311.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/kernel/log.hpp"

namespace daiban::intake {

// The Open311 GeoReport v2 facade, JSON only: GET /open311/v2/discovery.json, services.json,
// /services/{code}.json, /requests.json and /requests/{id}.json, POST /requests.json (a form
// body with api_key). Every answer under /open311/v2/, errors and unknown routes included, is
// GeoReport's: errors are [{"code": status, "description": "..."}] with 422 spelled 400. A key
// over its submission rate gets 429 with Retry-After. A request with lat/long and no region code
// is placed by `boundaries`. Reads without a key answer public views of named requests only;
// jurisdiction_id is accepted and ignored everywhere (one jurisdiction). `base_url` is the
// facade's absolute URL for discovery.json.
void AddOpen311Routes(kernel::Router& router, catalogue::CatalogueService& catalogue,
                      catalogue::BoundaryService& boundaries, cases::CaseService& cases,
                      accounts::ApiKeyStore& keys, accounts::ApiKeyLimiter& limiter,
                      cases::ServiceRequestReader& requests, const kernel::Clock& clock,
                      const kernel::Logger& logger, const std::string& base_url);

}  // namespace daiban::intake
