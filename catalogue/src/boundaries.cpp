#include "daiban/catalogue/boundaries.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::catalogue {

namespace {

using kernel::Json;

// GeoJSON from an operator's file is trusted no more than a request body.
constexpr int kMaxDepth = 16;

std::string FeatureName(std::size_t index, const Json& feature) {
  std::string name = "features[" + std::to_string(index) + "]";
  if (!feature.is_object()) return name;
  auto properties = feature.find("properties");
  if (properties == feature.end() || !properties->is_object()) return name;
  std::string label;
  for (const char* key : {"code", "name"}) {
    auto it = properties->find(key);
    if (it != properties->end() && it->is_string()) {
      if (!label.empty()) label += ' ';  // two steps: " " + text trips GCC 12's -Wrestrict
      label += it->get<std::string>();
    }
  }
  return label.empty() ? name : name + " (" + label + ")";
}

GeoPoint Position(const Json& position, const std::string& feature) {
  if (!position.is_array() || position.size() < 2 || !position[0].is_number() ||
      !position[1].is_number()) {
    throw kernel::Invalid(feature, "a position must be [lng, lat] numbers");
  }
  double lng = position[0].get<double>();
  double lat = position[1].get<double>();
  if (!std::isfinite(lng) || !std::isfinite(lat) || lng < -180 || lng > 180 || lat < -90 ||
      lat > 90) {
    throw kernel::Invalid(feature, "coordinate [" + position[0].dump() + ", " + position[1].dump() +
                                       "] is out of range (lng -180..180, lat -90..90)");
  }
  return {lat, lng};
}

Polygon ReadPolygon(const Json& rings, const std::string& feature) {
  if (!rings.is_array() || rings.empty()) {
    throw kernel::Invalid(feature, "a polygon must be a non-empty array of rings");
  }
  Polygon polygon;
  for (const auto& positions : rings) {
    if (!positions.is_array() || positions.size() < 4) {
      throw kernel::Invalid(feature, "a ring needs at least four positions");
    }
    Ring ring;
    for (const auto& position : positions) ring.push_back(Position(position, feature));
    if (ring.front().lat != ring.back().lat || ring.front().lng != ring.back().lng) {
      throw kernel::Invalid(feature,
                            "a ring is not closed (its last position must repeat the "
                            "first)");
    }
    polygon.push_back(std::move(ring));
  }
  return polygon;
}

std::vector<Polygon> ReadGeometry(const Json& geometry, const std::string& feature) {
  if (!geometry.is_object()) throw kernel::Invalid(feature, "geometry is missing");
  auto type = geometry.value("type", std::string());
  auto coordinates = geometry.find("coordinates");
  if (coordinates == geometry.end() || !coordinates->is_array()) {
    throw kernel::Invalid(feature, "geometry has no coordinates array");
  }
  std::vector<Polygon> polygons;
  if (type == "Polygon") {
    polygons.push_back(ReadPolygon(*coordinates, feature));
  } else if (type == "MultiPolygon") {
    if (coordinates->empty()) throw kernel::Invalid(feature, "a MultiPolygon needs a polygon");
    for (const auto& rings : *coordinates) polygons.push_back(ReadPolygon(rings, feature));
  } else {
    throw kernel::Invalid(feature, "geometry must be a MultiPolygon or a Polygon");
  }
  return polygons;
}

Json PositionJson(const GeoPoint& c) { return Json::array({c.lng, c.lat}); }

// The ray goes east from the point; an edge counts when it straddles the point's latitude and
// crosses east of it.
bool Crosses(const Ring& ring, GeoPoint point) {
  bool inside = false;
  for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const auto& a = ring[i];
    const auto& b = ring[j];
    if ((a.lat > point.lat) != (b.lat > point.lat) &&
        point.lng < (b.lng - a.lng) * (point.lat - a.lat) / (b.lat - a.lat) + a.lng) {
      inside = !inside;
    }
  }
  return inside;
}

// Squared distance on a local flat projection: exact enough to rank street centres a few
// kilometres apart, and cheaper than a great circle.
double Distance2(GeoPoint a, GeoPoint b) {
  constexpr double kDegree = 3.14159265358979323846 / 180.0;
  double dx = (a.lng - b.lng) * std::cos((a.lat + b.lat) / 2 * kDegree);
  double dy = a.lat - b.lat;
  return dx * dx + dy * dy;
}

}  // namespace

std::vector<RegionBoundary> ParseBoundaries(std::string_view geojson,
                                            const std::set<std::string>& district_codes) {
  Json root;
  try {
    root = kernel::ParseJsonBody(geojson, kMaxDepth);
  } catch (const kernel::ApiError& error) {
    throw kernel::Invalid("file", "not JSON: " + error.Message());
  }
  if (!root.is_object() || root.value("type", std::string()) != "FeatureCollection") {
    throw kernel::Invalid("file", "must be a GeoJSON FeatureCollection");
  }
  auto features = root.find("features");
  if (features == root.end() || !features->is_array() || features->empty()) {
    throw kernel::Invalid("features", "a FeatureCollection with at least one feature is needed");
  }
  std::vector<RegionBoundary> boundaries;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < features->size(); ++i) {
    const Json& feature = (*features)[i];
    const std::string name = FeatureName(i, feature);
    if (!feature.is_object() || feature.value("type", std::string()) != "Feature") {
      throw kernel::Invalid(name, "not a GeoJSON Feature");
    }
    auto properties = feature.find("properties");
    if (properties == feature.end() || !properties->is_object() || !properties->contains("code") ||
        !(*properties)["code"].is_string()) {
      throw kernel::Invalid(name, "properties.code (a region code as a string) is required");
    }
    RegionBoundary boundary;
    boundary.code = (*properties)["code"].get<std::string>();
    boundary.name = properties->value("name", std::string());
    if (!district_codes.count(boundary.code)) {
      throw kernel::Invalid(name, "code " + boundary.code + " is not a district of the catalogue");
    }
    if (!seen.insert(boundary.code).second) {
      throw kernel::Invalid(name, "code " + boundary.code + " appears twice");
    }
    auto geometry = feature.find("geometry");
    boundary.polygons = ReadGeometry(geometry == feature.end() ? Json() : *geometry, name);
    boundaries.push_back(std::move(boundary));
  }
  return boundaries;
}

std::string PolygonsToJson(const std::vector<Polygon>& polygons) {
  Json out = Json::array();
  for (const auto& polygon : polygons) {
    Json rings = Json::array();
    for (const auto& ring : polygon) {
      Json positions = Json::array();
      for (const auto& c : ring) positions.push_back(PositionJson(c));
      rings.push_back(std::move(positions));
    }
    out.push_back(std::move(rings));
  }
  return out.dump();
}

std::vector<Polygon> PolygonsFromJson(std::string_view json) {
  Json geometry = {{"type", "MultiPolygon"}, {"coordinates", Json::parse(json)}};
  return ReadGeometry(geometry, "stored boundary");
}

bool Contains(const RegionBoundary& boundary, GeoPoint point) {
  bool inside = false;
  for (const auto& polygon : boundary.polygons) {
    for (const auto& ring : polygon) {
      if (Crosses(ring, point)) inside = !inside;
    }
  }
  return inside;
}

double KmOutside(const std::vector<RegionBoundary>& boundaries, GeoPoint point) {
  if (DistrictAt(boundaries, point)) return 0;
  // Kilometres per degree at the point: north-south, and east-west shrunk by the latitude.
  constexpr double kKmPerDegree = 111.32;
  const double km_lat = kKmPerDegree;
  const double km_lng = kKmPerDegree * std::cos(point.lat * std::acos(-1.0) / 180.0);
  double best = std::numeric_limits<double>::infinity();
  for (const auto& boundary : boundaries) {
    for (const auto& polygon : boundary.polygons) {
      for (const auto& ring : polygon) {
        for (std::size_t i = 1; i < ring.size(); ++i) {
          // The segment and the point in km, the point at the origin.
          const double ax = (ring[i - 1].lng - point.lng) * km_lng;
          const double ay = (ring[i - 1].lat - point.lat) * km_lat;
          const double bx = (ring[i].lng - point.lng) * km_lng;
          const double by = (ring[i].lat - point.lat) * km_lat;
          const double dx = bx - ax, dy = by - ay;
          const double length2 = dx * dx + dy * dy;
          const double t = length2 > 0 ? std::clamp(-(ax * dx + ay * dy) / length2, 0.0, 1.0) : 0.0;
          best = std::min(best, std::hypot(ax + t * dx, ay + t * dy));
        }
      }
    }
  }
  return best;
}

std::optional<std::string> DistrictAt(const std::vector<RegionBoundary>& boundaries,
                                      GeoPoint point) {
  for (const auto& boundary : boundaries) {
    if (Contains(boundary, point)) return boundary.code;
  }
  return std::nullopt;
}

std::string NearestStreet(const std::vector<Region>& regions, const std::string& district_code,
                          GeoPoint point) {
  std::string nearest = district_code;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& region : regions) {
    if (region.level != RegionLevel::kStreet || region.parent_code != district_code ||
        !region.center) {
      continue;
    }
    double d = Distance2(*region.center, point);
    if (d < best) {
      best = d;
      nearest = region.code;
    }
  }
  return nearest;
}

std::optional<std::string> RegionAt(const std::vector<RegionBoundary>& boundaries,
                                    const std::vector<Region>& regions, GeoPoint point) {
  auto district = DistrictAt(boundaries, point);
  if (!district) return std::nullopt;
  return NearestStreet(regions, *district, point);
}

std::vector<RegionBoundary> BoundaryService::Import(std::string_view geojson) {
  std::set<std::string> districts;
  for (const auto& region : catalogue_.Regions()) {
    if (region.level == RegionLevel::kDistrict) districts.insert(region.code);
  }
  auto boundaries = ParseBoundaries(geojson, districts);
  boundaries_.Replace(boundaries);
  return boundaries;
}

std::optional<std::string> BoundaryService::RegionAt(GeoPoint point) {
  return catalogue::RegionAt(boundaries_.Boundaries(), catalogue_.Regions(), point);
}

std::vector<RegionBoundary> BoundaryService::Districts() {
  std::map<std::string, std::string> names;
  for (const auto& region : catalogue_.Regions()) names[region.code] = region.name;
  auto districts = boundaries_.Boundaries();
  for (auto& district : districts) {
    auto name = names.find(district.code);
    if (name != names.end()) district.name = name->second;
  }
  std::sort(districts.begin(), districts.end(),
            [](const auto& a, const auto& b) { return a.code < b.code; });
  return districts;
}

}  // namespace daiban::catalogue
