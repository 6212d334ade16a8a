#pragma once

#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// The public catalogue API: GET /api/v1/regions (tree), /departments, /items (filters and
// cursor pagination), /items/{code} (the service guide), /bundles, /bundles/{code}.
void AddCatalogueRoutes(kernel::Router& router, catalogue::CatalogueService& catalogue);

// JSON views, shared with other APIs that show catalogue data.
kernel::Json ItemSummaryJson(const catalogue::Item& item);
kernel::Json GuideJson(const catalogue::CatalogueService::Guide& guide);
kernel::Json DepartmentJson(const catalogue::Department& department);
kernel::Json BundleJson(const catalogue::Bundle& bundle);

}  // namespace daiban::intake
