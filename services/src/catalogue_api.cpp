#include "daiban/intake/catalogue_api.hpp"

#include <cmath>
#include <limits>
#include <map>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::intake {

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

Json CoordinatesJson(const kernel::GeoPoint& at) { return {{"lat", at.lat}, {"lng", at.lng}}; }

template <typename T>
Json WordsJson(const std::vector<T>& values) {
  Json out = Json::array();
  for (const auto& value : values)
    out.push_back({{"code", ToWord(value)}, {"label", Label(value)}});
  return out;
}

int LimitParam(const HttpRequest& request) {
  auto text = request.Query("limit");
  if (!text) return catalogue::CatalogueService::kDefaultPageSize;
  return static_cast<int>(kernel::ParseIntField(*text, "limit", std::numeric_limits<int>::min(),
                                                std::numeric_limits<int>::max()));
}

template <typename Parse>
auto WordParam(const HttpRequest& request, const std::string& name, Parse parse,
               const std::string& allowed) {
  std::optional<std::decay_t<decltype(*parse(""))>> out;
  if (auto text = request.Query(name)) {
    out = parse(*text);
    if (!out) throw kernel::BadRequest(name + " must be one of " + allowed, name);
  }
  return out;
}

Json RegionTreeJson(const std::vector<catalogue::Region>& regions) {
  std::map<std::string, std::vector<const catalogue::Region*>> children;
  std::vector<const catalogue::Region*> roots;
  for (const auto& region : regions) {
    if (region.parent_code.empty()) {
      roots.push_back(&region);
    } else {
      children[region.parent_code].push_back(&region);
    }
  }
  std::function<Json(const catalogue::Region&)> node = [&](const catalogue::Region& region) {
    Json json = {{"code", region.code}, {"name", region.name}, {"level", ToWord(region.level)}};
    if (region.center) json["center"] = CoordinatesJson(*region.center);
    Json kids = Json::array();
    for (const catalogue::Region* child : children[region.code]) kids.push_back(node(*child));
    json["children"] = std::move(kids);
    return json;
  };
  Json out = Json::array();
  for (const catalogue::Region* root : roots) out.push_back(node(*root));
  return out;
}

}  // namespace

Json DepartmentJson(const catalogue::Department& d) {
  return {{"code", d.code},
          {"name", d.name},
          {"region_code", d.region_code},
          {"hall",
           {{"name", d.hall_name},
            {"address", d.hall_address},
            {"location", CoordinatesJson(d.hall)},
            {"office_hours", d.office_hours},
            {"phone", d.phone}}}};
}

Json ItemSummaryJson(const catalogue::Item& item) {
  return {{"code", item.code},
          {"name", item.name},
          {"service_class",
           {{"code", ToWord(item.service_class)}, {"label", Label(item.service_class)}}},
          {"kind", {{"code", ToWord(item.kind)}, {"label", Label(item.kind)}}},
          {"department_code", item.department_code},
          {"level", ToWord(item.level)},
          {"committed_days", item.committed_days},
          {"legal_days", item.legal_days},
          {"modes", WordsJson(item.modes)},
          {"delivery_options", WordsJson(item.delivery_options)},
          {"fee", item.fee},
          {"retired", item.retired}};
}

Json GuideJson(const catalogue::CatalogueService::Guide& guide) {
  const catalogue::Item& item = guide.item;
  Json json = ItemSummaryJson(item);
  json["department"] = DepartmentJson(guide.department);
  json["conditions"] = item.conditions;
  json["legal_basis"] = item.legal_basis;
  json["where_to_apply"] = item.where_to_apply;
  json["how_to_apply"] = item.how_to_apply;
  Json materials = Json::array();
  for (const auto& m : item.materials) {
    materials.push_back({{"seq", m.seq},
                         {"name", m.name},
                         {"essential", m.essential},
                         {"form", ToWord(m.form)},
                         {"copies", m.copies},
                         {"note", m.note}});
  }
  json["materials"] = std::move(materials);
  return json;
}

Json BundleJson(const catalogue::Bundle& bundle) {
  Json steps = Json::array();
  for (const auto& step : bundle.steps) {
    steps.push_back({{"order", step.order},
                     {"item_code", step.item_code},
                     {"item_name", step.item_name},
                     {"department_code", step.department_code},
                     {"committed_days", step.committed_days}});
  }
  return {{"code", bundle.code},
          {"name", bundle.name},
          {"description", bundle.description},
          {"committed_days", bundle.committed_days},
          {"lead_department_code", bundle.lead_department_code},
          {"retired", bundle.retired},
          {"steps", std::move(steps)}};
}

void AddCatalogueRoutes(kernel::Router& router, catalogue::CatalogueService& catalogue) {
  router.Add("GET", "/api/v1/regions", [&catalogue](const HttpRequest&) {
    return HttpResponse::WithJson(200, {{"regions", RegionTreeJson(catalogue.Regions())}});
  });
  router.Add("GET", "/api/v1/departments", [&catalogue](const HttpRequest&) {
    Json list = Json::array();
    for (const auto& d : catalogue.Departments()) list.push_back(DepartmentJson(d));
    return HttpResponse::WithJson(200, {{"departments", std::move(list)}});
  });
  router.Add("GET", "/api/v1/items", [&catalogue](const HttpRequest& request) {
    catalogue::ItemFilter filter;
    filter.service_class =
        WordParam(request, "class", catalogue::ParseServiceClass, "zero_trip, one_trip, we_run");
    filter.mode = WordParam(request, "mode", catalogue::ParseProxyMode, "proxy, assisted, led");
    filter.department_code = request.Query("department").value_or("");
    filter.region_code = request.Query("region").value_or("");
    filter.name_contains = request.Query("q").value_or("");
    if (filter.name_contains.size() > 200) throw kernel::BadRequest("q is too long", "q");
    filter.limit = LimitParam(request);
    auto page = catalogue.ListItems(filter, request.Query("cursor").value_or(""));
    Json items = Json::array();
    for (const auto& item : page.items) items.push_back(ItemSummaryJson(item));
    Json body = {{"items", std::move(items)}};
    body["next_cursor"] = page.next_cursor.empty() ? Json(nullptr) : Json(page.next_cursor);
    return HttpResponse::WithJson(200, body);
  });
  router.Add("GET", "/api/v1/items/:code", [&catalogue](const HttpRequest& request) {
    return HttpResponse::WithJson(200, GuideJson(catalogue.GetGuide(request.Param("code"))));
  });
  router.Add("GET", "/api/v1/bundles", [&catalogue](const HttpRequest&) {
    Json list = Json::array();
    for (const auto& bundle : catalogue.Bundles()) list.push_back(BundleJson(bundle));
    return HttpResponse::WithJson(200, {{"bundles", std::move(list)}});
  });
  router.Add("GET", "/api/v1/bundles/:code", [&catalogue](const HttpRequest& request) {
    return HttpResponse::WithJson(200, BundleJson(catalogue.GetBundle(request.Param("code"))));
  });
}

Json BoundariesGeoJson(const std::vector<catalogue::RegionBoundary>& districts) {
  auto round = [](double degrees) { return std::round(degrees * 1e4) / 1e4; };
  Json features = Json::array();
  for (const auto& district : districts) {
    Json polygons = Json::array();
    for (const auto& polygon : district.polygons) {
      Json rings = Json::array();
      for (const auto& ring : polygon) {
        Json points = Json::array();
        for (const auto& point : ring) points.push_back({round(point.lng), round(point.lat)});
        rings.push_back(std::move(points));
      }
      polygons.push_back(std::move(rings));
    }
    features.push_back({{"type", "Feature"},
                        {"properties", {{"code", district.code}, {"name", district.name}}},
                        {"geometry", {{"type", "MultiPolygon"}, {"coordinates", polygons}}}});
  }
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

void AddBoundaryRoutes(kernel::Router& router, catalogue::BoundaryService& boundaries) {
  router.Add("GET", "/api/v1/regions/boundaries", [&boundaries](const HttpRequest&) {
    auto response = HttpResponse::WithJson(200, BoundariesGeoJson(boundaries.Districts()));
    // They change only with an import; maps re-read them at most every five minutes.
    response.headers.emplace_back("Cache-Control", "public, max-age=300");
    return response;
  });
}

}  // namespace daiban::intake
