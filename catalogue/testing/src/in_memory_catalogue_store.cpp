#include "daiban/catalogue/testing/in_memory_catalogue_store.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace daiban::catalogue::testing {

namespace {

// Stores the rows of a file by code, each offered again, and retires what the file left out;
// `keep` carries over from a stored row what the file's row does not hold.
template <typename T, typename Keep>
void OfferOnly(const std::vector<Sourced<T>>& rows, std::map<std::string, T>& table, Keep keep) {
  std::set<std::string> offered;
  for (const auto& [row, origin] : rows) {
    T stored = row;
    stored.retired = false;
    if (auto old = table.find(row.code); old != table.end()) keep(old->second, stored);
    table[row.code] = std::move(stored);
    offered.insert(row.code);
  }
  for (auto& [code, stored] : table) {
    if (!offered.contains(code)) stored.retired = true;
  }
}

// The rows of a file by the code of their owner (an item's materials, a bundle's steps): an
// owner named in the file gets exactly these rows, in the file's order.
template <typename Row, typename Split>
auto Grouped(const std::vector<Sourced<Row>>& rows, Split split) {
  using Value = decltype(split(std::declval<const Row&>()).second);
  std::map<std::string, std::vector<Value>> groups;
  for (const auto& [row, origin] : rows) {
    auto [code, value] = split(row);
    groups[code].push_back(std::move(value));
  }
  return groups;
}

// The row stored under `code`, if any.
template <typename T>
std::optional<T> Found(const std::map<std::string, T>& table, const std::string& code) {
  auto found = table.find(code);
  if (found == table.end()) return std::nullopt;
  return found->second;
}

}  // namespace

void InMemoryCatalogueStore::Import(const CatalogueImport& import,
                                    const std::function<void(const KnownCodes&)>& check,
                                    kernel::Instant) {
  // One import at a time, as PostgreSQL's advisory lock makes them.
  std::lock_guard lock(mutex_);
  KnownCodes known;
  for (const auto& [code, region] : tables_.regions) known.regions[code] = region.level;
  for (const auto& [code, department] : tables_.departments) known.departments.push_back(code);
  for (const auto& [code, item] : tables_.items) known.items.push_back(code);
  for (const auto& [code, bundle] : tables_.bundles) known.bundles.push_back(code);
  check(known);

  Tables next = tables_;
  if (import.regions) {
    for (const auto& [region, origin] : *import.regions) next.regions[region.code] = region;
  }
  if (import.departments) {
    for (const auto& [d, origin] : *import.departments) next.departments[d.code] = d;
  }
  if (import.items) {
    OfferOnly(*import.items, next.items, [](const Item& old, Item& stored) {
      stored.materials = old.materials;  // the items file holds none: they stay until replaced
    });
  }
  if (import.materials) {
    auto grouped = Grouped(*import.materials, [](const MaterialRow& row) {
      return std::pair{row.item_code, row.material};
    });
    for (auto& [code, materials] : grouped) {
      std::stable_sort(materials.begin(), materials.end(),
                       [](const Material& a, const Material& b) { return a.seq < b.seq; });
      next.items[code].materials = std::move(materials);
    }
  }
  if (import.bundles) OfferOnly(*import.bundles, next.bundles, [](const Bundle&, Bundle&) {});
  if (import.bundle_steps) {
    auto grouped = Grouped(*import.bundle_steps, [](const StepRow& row) {
      return std::pair{row.bundle_code, std::pair{row.step.order, row.step.item_code}};
    });
    for (auto& [code, steps] : grouped) next.steps[code] = std::move(steps);
  }
  tables_ = std::move(next);
}

std::vector<Region> InMemoryCatalogueStore::Regions() {
  std::lock_guard lock(mutex_);
  std::vector<Region> out;
  for (const auto& [code, region] : tables_.regions) out.push_back(region);
  return out;
}

std::vector<Department> InMemoryCatalogueStore::Departments() {
  std::lock_guard lock(mutex_);
  std::vector<Department> out;
  for (const auto& [code, department] : tables_.departments) out.push_back(department);
  return out;
}

std::optional<Department> InMemoryCatalogueStore::FindDepartment(const std::string& code) {
  std::lock_guard lock(mutex_);
  return Found(tables_.departments, code);
}

bool InMemoryCatalogueStore::RegionExists(const std::string& code) {
  std::lock_guard lock(mutex_);
  return tables_.regions.contains(code);
}

bool InMemoryCatalogueStore::DepartmentExists(const std::string& code) {
  std::lock_guard lock(mutex_);
  return tables_.departments.contains(code);
}

bool InMemoryCatalogueStore::Serves(const std::string& department_region,
                                    const std::string& region) const {
  // Above: the region itself or one of its ancestors.
  for (std::string code = region; !code.empty();) {
    if (code == department_region) return true;
    auto found = tables_.regions.find(code);
    code = found == tables_.regions.end() ? std::string() : found->second.parent_code;
  }
  // Below: the department's region has `region` among its ancestors.
  for (std::string code = department_region; !code.empty();) {
    if (code == region) return true;
    auto found = tables_.regions.find(code);
    code = found == tables_.regions.end() ? std::string() : found->second.parent_code;
  }
  return false;
}

Item InMemoryCatalogueStore::WithoutMaterials(Item item) {
  item.materials.clear();
  return item;
}

std::vector<Item> InMemoryCatalogueStore::Items(const ItemFilter& filter) {
  std::lock_guard lock(mutex_);
  std::vector<Item> out;
  for (auto it = tables_.items.upper_bound(filter.after_code);
       it != tables_.items.end() && static_cast<int>(out.size()) < filter.limit; ++it) {
    const Item& item = it->second;
    if (item.retired) continue;
    if (filter.service_class && item.service_class != *filter.service_class) continue;
    if (!filter.department_code.empty() && item.department_code != filter.department_code) {
      continue;
    }
    if (!filter.region_code.empty()) {
      auto department = tables_.departments.find(item.department_code);
      if (department == tables_.departments.end() ||
          !Serves(department->second.region_code, filter.region_code)) {
        continue;
      }
    }
    if (filter.mode &&
        std::find(item.modes.begin(), item.modes.end(), *filter.mode) == item.modes.end()) {
      continue;
    }
    if (item.name.find(filter.name_contains) == std::string::npos) continue;
    out.push_back(WithoutMaterials(item));
  }
  return out;
}

std::optional<Item> InMemoryCatalogueStore::FindItem(const std::string& code) {
  std::lock_guard lock(mutex_);
  return Found(tables_.items, code);
}

std::vector<std::pair<Item, Department>> InMemoryCatalogueStore::ItemsWithDepartments(
    const std::vector<std::string>& codes) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<Item, Department>> out;
  for (const auto& code : std::set<std::string>(codes.begin(), codes.end())) {
    auto item = tables_.items.find(code);
    if (item == tables_.items.end()) continue;
    auto department = tables_.departments.find(item->second.department_code);
    if (department == tables_.departments.end()) continue;
    out.emplace_back(WithoutMaterials(item->second), department->second);
  }
  return out;
}

Bundle InMemoryCatalogueStore::WithSteps(Bundle bundle) const {
  auto steps = tables_.steps.find(bundle.code);
  if (steps == tables_.steps.end()) return bundle;
  auto ordered = steps->second;
  std::sort(ordered.begin(), ordered.end());  // by order, then item code
  for (const auto& [order, code] : ordered) {
    auto item = tables_.items.find(code);
    if (item == tables_.items.end()) continue;
    bundle.steps.push_back({order, code, item->second.name, item->second.department_code,
                            item->second.committed_days});
  }
  return bundle;
}

std::vector<Bundle> InMemoryCatalogueStore::Bundles() {
  std::lock_guard lock(mutex_);
  std::vector<Bundle> out;
  for (const auto& [code, bundle] : tables_.bundles) {
    if (!bundle.retired) out.push_back(WithSteps(bundle));
  }
  return out;
}

std::optional<Bundle> InMemoryCatalogueStore::FindBundle(const std::string& code) {
  std::lock_guard lock(mutex_);
  auto found = Found(tables_.bundles, code);
  if (!found) return std::nullopt;
  return WithSteps(*found);
}

}  // namespace daiban::catalogue::testing
