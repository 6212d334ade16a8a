#pragma once

#include "daiban/catalogue/boundaries.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// The public catalogue API: GET /api/v1/regions (tree), /departments, /items (filters and
// cursor pagination), /items/{code} (the service guide), /bundles, /bundles/{code}.
void AddCatalogueRoutes(kernel::Router& router, catalogue::CatalogueService& catalogue);

// GET /api/v1/regions/boundaries: the districts' outlines as a GeoJSON FeatureCollection (public,
// like the region tree), for the console's and the tracking page's maps.
void AddBoundaryRoutes(kernel::Router& router, catalogue::BoundaryService& boundaries);
// The view: one MultiPolygon Feature per district, properties code and name, coordinates
// [lng, lat] rounded to 0.0001° (about 10 m; the borders are accurate to tens of metres).
kernel::Json BoundariesGeoJson(const std::vector<catalogue::RegionBoundary>& districts);

// JSON views, shared with other APIs that show catalogue data.
kernel::Json ItemSummaryJson(const catalogue::Item& item);
kernel::Json GuideJson(const catalogue::CatalogueService::Guide& guide);
kernel::Json DepartmentJson(const catalogue::Department& department);
kernel::Json BundleJson(const catalogue::Bundle& bundle);

}  // namespace daiban::intake
