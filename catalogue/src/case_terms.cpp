#include "daiban/catalogue/case_terms.hpp"

#include <cmath>
#include <map>

namespace daiban::catalogue {

namespace {

template <typename T>
std::vector<std::string> Words(const std::vector<T>& values) {
  std::vector<std::string> words;
  for (const auto& value : values) words.push_back(ToWord(value));
  return words;
}

void AddMaterials(const Item& item, cases::CaseTerms& terms) {
  for (const auto& m : item.materials) {
    terms.materials.push_back({item.code, m.seq, m.name, m.essential});
  }
}

}  // namespace

std::optional<cases::CaseTerms> CatalogueForCases::Item(const std::string& code) {
  auto item = catalogue_.FindItem(code);
  if (!item) return std::nullopt;
  auto department = catalogue_.FindDepartment(item->department_code);
  cases::CaseTerms terms;
  terms.code = item->code;
  terms.name = item->name;
  terms.retired = item->retired;
  terms.department_code = item->department_code;
  terms.department_region_code = department ? department->region_code : "";
  terms.committed_days = item->committed_days;
  terms.modes = Words(item->modes);
  terms.delivery_options = Words(item->delivery_options);
  AddMaterials(*item, terms);
  return terms;
}

std::optional<cases::CaseTerms> CatalogueForCases::Bundle(const std::string& code) {
  auto bundle = catalogue_.FindBundle(code);
  if (!bundle) return std::nullopt;
  auto lead = catalogue_.FindDepartment(bundle->lead_department_code);
  cases::CaseTerms terms;
  terms.code = bundle->code;
  terms.name = bundle->name;
  terms.is_bundle = true;
  terms.retired = bundle->retired;
  terms.department_code = bundle->lead_department_code;
  terms.department_region_code = lead ? lead->region_code : "";
  terms.committed_days = bundle->committed_days;
  // A bundle offers a mode or a delivery only when every step's item does.
  bool first = true;
  for (const auto& step : bundle->steps) {
    auto item = catalogue_.FindItem(step.item_code);
    if (!item) continue;
    auto modes = Words(item->modes);
    auto options = Words(item->delivery_options);
    if (first) {
      terms.modes = modes;
      terms.delivery_options = options;
      first = false;
    } else {
      std::erase_if(terms.modes, [&](const auto& m) {
        return std::find(modes.begin(), modes.end(), m) == modes.end();
      });
      std::erase_if(terms.delivery_options, [&](const auto& o) {
        return std::find(options.begin(), options.end(), o) == options.end();
      });
    }
    AddMaterials(*item, terms);
    terms.steps.push_back(
        {step.order, step.item_code, step.item_name, step.department_code, step.committed_days});
  }
  return terms;
}

bool CatalogueForCases::RegionExists(const std::string& code) {
  return catalogue_.RegionExists(code);
}

bool CatalogueForCases::RegionWithin(const std::string& region, const std::string& ancestor) {
  std::map<std::string, std::string> parent;
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (parents_.empty() || now - parents_loaded_ > std::chrono::minutes(1)) {
      parents_.clear();
      for (const auto& r : catalogue_.Regions()) parents_[r.code] = r.parent_code;
      parents_loaded_ = now;
    }
    parent = parents_;
  }
  std::string at = region;
  for (int depth = 0; depth < 8 && !at.empty(); ++depth) {
    if (at == ancestor) return true;
    auto it = parent.find(at);
    if (it == parent.end()) return false;
    at = it->second;
  }
  return false;
}

std::shared_ptr<const std::vector<RegionBoundary>> CatalogueForCases::Districts() {
  if (boundaries_ == nullptr) return std::make_shared<const std::vector<RegionBoundary>>();
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (!districts_ || now - districts_loaded_ > std::chrono::minutes(1)) {
    districts_ = std::make_shared<const std::vector<RegionBoundary>>(boundaries_->Boundaries());
    districts_loaded_ = now;
  }
  return districts_;
}

bool CatalogueForCases::InCity(cases::GeoPoint point) {
  auto districts = Districts();
  // A deployment that has not imported its boundaries yet still serves, by the coarse box.
  if (districts->empty()) return cases::InsideJinan(point.lat, point.lng);
  return DistrictAt(*districts, {point.lat, point.lng}).has_value();
}

bool CatalogueForCases::FarOutsideCity(cases::GeoPoint point) {
  if (!std::isfinite(point.lat) || !std::isfinite(point.lng)) return true;
  auto districts = Districts();
  if (districts->empty()) return cases::FarOutsideJinan(point.lat, point.lng);
  return KmOutside(*districts, {point.lat, point.lng}) > kFarOutsideKm;
}

}  // namespace daiban::catalogue
