#pragma once

#include "daiban/intake/catalogue_service.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// The public catalogue API: GET /api/v1/regions (tree), /departments, /items (filters and
// cursor pagination), /items/{code} (the service guide), /bundles, /bundles/{code}.
void AddCatalogueRoutes(kernel::Router& router, CatalogueService& catalogue);

// JSON views, shared with other APIs that show catalogue data.
kernel::Json ItemSummaryJson(const Item& item);
kernel::Json GuideJson(const CatalogueService::Guide& guide);
kernel::Json DepartmentJson(const Department& department);
kernel::Json BundleJson(const Bundle& bundle);

}  // namespace daiban::intake
