#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/catalogue/catalogue.hpp"
#include "daiban/catalogue/catalogue_store.hpp"

// District boundaries as data: the GeoJSON they are imported from, and the questions a position
// asks of them (which district, which street). Plain geometry on WGS-84 degrees; no I/O. No
// PostGIS: twelve districts of a few thousand vertices are answered by ray casting in
// microseconds, and the boundaries stay a file anyone can read and replace.
namespace daiban::catalogue {

using Ring = std::vector<GeoPoint>;  // closed: the last point repeats the first
using Polygon = std::vector<Ring>;   // the outer ring first, then its holes (RFC 7946)

struct RegionBoundary {
  std::string code;  // a district-level region's code
  std::string name;  // as the file names it; the catalogue's name is the one shown
  std::vector<Polygon> polygons;
};

// Reads a GeoJSON FeatureCollection of MultiPolygon (or Polygon) features whose `code` property
// is one of `district_codes`. Throws kernel::Invalid naming the feature ("features[3] (370102
// 历下区)") for anything else: not a FeatureCollection, an unknown or repeated code, a ring with
// fewer than four points or not closed, a coordinate out of range.
std::vector<RegionBoundary> ParseBoundaries(std::string_view geojson,
                                            const std::set<std::string>& district_codes);

// Polygons as GeoJSON MultiPolygon coordinates ([lng, lat] pairs), the stored form, and back.
std::string PolygonsToJson(const std::vector<Polygon>& polygons);
std::vector<Polygon> PolygonsFromJson(std::string_view json);

// Even-odd ray casting over every ring of every polygon: a point in a hole crosses the hole's
// ring too and so falls outside. Points exactly on an edge may go either way.
bool Contains(const RegionBoundary& boundary, GeoPoint point);

// How far the point lies outside every boundary, in km along the ground: 0 inside one of them,
// else the distance to the nearest edge (a flat projection at the point's latitude, which errs by
// well under 1% at a city's scale). Infinity when there are no boundaries.
double KmOutside(const std::vector<RegionBoundary>& boundaries, GeoPoint point);

// The district whose boundary holds the point, or nothing outside them all.
std::optional<std::string> DistrictAt(const std::vector<RegionBoundary>& boundaries,
                                      GeoPoint point);

// The street of `district_code` whose centre is nearest the point; the district itself when none
// of its streets has a centre. Functional zones never come out of a position: their streets hang
// under the zone, not under one of the twelve districts, so a zone is chosen only by its code.
std::string NearestStreet(const std::vector<Region>& regions, const std::string& district_code,
                          GeoPoint point);

// Where a position is handled: the district by point in polygon, then its nearest street.
std::optional<std::string> RegionAt(const std::vector<RegionBoundary>& boundaries,
                                    const std::vector<Region>& regions, GeoPoint point);

// Storage of the boundaries. Implementations: PgBoundaryStore.
class BoundaryStore {
 public:
  virtual ~BoundaryStore() = default;
  // Replaces every stored boundary with these, in one transaction.
  virtual void Replace(const std::vector<RegionBoundary>& boundaries) = 0;
  virtual std::vector<RegionBoundary> Boundaries() = 0;
};

// The boundaries' use cases: import (checked against the catalogue's districts) and locating a
// position.
class BoundaryService {
 public:
  BoundaryService(BoundaryStore& boundaries, CatalogueStore& catalogue)
      : boundaries_(boundaries), catalogue_(catalogue) {}

  // Validates the whole file before writing; re-importing replaces what was there. Returns the
  // boundaries imported.
  std::vector<RegionBoundary> Import(std::string_view geojson);

  // Read afresh on each call: locating is rare (an Open311 request without a region code) and
  // a re-import then takes effect at once in every process.
  std::optional<std::string> RegionAt(GeoPoint point);

  // The stored boundaries in code order, each named as the catalogue names its district (the
  // name the file gave when the catalogue no longer has it), for drawing the city.
  std::vector<RegionBoundary> Districts();

 private:
  BoundaryStore& boundaries_;
  CatalogueStore& catalogue_;
};

}  // namespace daiban::catalogue
