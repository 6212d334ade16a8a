#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daiban/catalogue/catalogue.hpp"
#include "daiban/kernel/clock.hpp"

namespace daiban::catalogue {

// What a list of items is narrowed to. Empty strings and nullopt mean "any".
struct ItemFilter {
  std::optional<ServiceClass> service_class;
  std::string department_code;
  // Items of departments in this region, above it (city departments serve every district) or
  // below it.
  std::string region_code;
  std::optional<ProxyMode> mode;
  std::string name_contains;
  std::string after_code;  // keyset pagination: items whose code sorts after this
  int limit = 20;
};

// Storage of the catalogue. Implementations: PgCatalogueStore.
class CatalogueStore {
 public:
  virtual ~CatalogueStore() = default;

  // Applies an import in one transaction: reads the codes already stored, lets `check` refuse
  // the import (it throws), then upserts by code; when the items (bundles) file is part of the
  // import, stored items (bundles) missing from it are retired at `now`, never deleted.
  virtual void Import(const CatalogueImport& import,
                      const std::function<void(const KnownCodes&)>& check, kernel::Instant now) = 0;

  virtual std::vector<Region> Regions() = 0;
  virtual std::vector<Department> Departments() = 0;
  virtual std::optional<Department> FindDepartment(const std::string& code) = 0;
  virtual bool RegionExists(const std::string& code) = 0;
  virtual bool DepartmentExists(const std::string& code) = 0;
  // Offered (not retired) items, ordered by code, without materials.
  virtual std::vector<Item> Items(const ItemFilter& filter) = 0;
  // Any item, retired ones included, with its materials.
  virtual std::optional<Item> FindItem(const std::string& code) = 0;
  // Any of these items, retired ones included, each with its department, in one statement;
  // without materials (a list needs only the guide's text and the hall). Unknown codes are
  // left out.
  virtual std::vector<std::pair<Item, Department>> ItemsWithDepartments(
      const std::vector<std::string>& codes) = 0;
  // Offered bundles with their steps, ordered by code.
  virtual std::vector<Bundle> Bundles() = 0;
  virtual std::optional<Bundle> FindBundle(const std::string& code) = 0;
};

}  // namespace daiban::catalogue
