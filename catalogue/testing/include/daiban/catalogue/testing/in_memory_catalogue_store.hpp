#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daiban/catalogue/catalogue_store.hpp"

namespace daiban::catalogue::testing {

// The catalogue in memory, for unit tests of its use cases (no database). It keeps
// CatalogueStore's contract as PgCatalogueStore does
// (catalogue_store_contract.hpp): an import is all or nothing, items and bundles left out
// of their file are retired and come back when imported again, a region filter takes the
// departments above the region and in its subtree, lists are ordered by code.
class InMemoryCatalogueStore final : public CatalogueStore {
 public:
  void Import(const CatalogueImport& import, const std::function<void(const KnownCodes&)>& check,
              kernel::Instant now) override;
  std::vector<Region> Regions() override;
  std::vector<Department> Departments() override;
  std::optional<Department> FindDepartment(const std::string& code) override;
  bool RegionExists(const std::string& code) override;
  bool DepartmentExists(const std::string& code) override;
  std::vector<Item> Items(const ItemFilter& filter) override;
  std::optional<Item> FindItem(const std::string& code) override;
  std::vector<std::pair<Item, Department>> ItemsWithDepartments(
      const std::vector<std::string>& codes) override;
  std::vector<Bundle> Bundles() override;
  std::optional<Bundle> FindBundle(const std::string& code) override;

 private:
  // What the tables hold; an import changes a copy and keeps it only when it went through.
  struct Tables {
    std::map<std::string, Region> regions;
    std::map<std::string, Department> departments;
    std::map<std::string, Item> items;      // with their materials
    std::map<std::string, Bundle> bundles;  // without steps: a step reads its item when read
    std::map<std::string, std::vector<std::pair<int, std::string>>> steps;  // order, item code
  };

  // Whether a department of `department_region` serves `region`: it is the region, above it or
  // in its subtree.
  bool Serves(const std::string& department_region, const std::string& region) const;
  Bundle WithSteps(Bundle bundle) const;
  static Item WithoutMaterials(Item item);

  mutable std::mutex mutex_;
  Tables tables_;
};

}  // namespace daiban::catalogue::testing
