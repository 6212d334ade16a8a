#pragma once

#include "daiban/catalogue/catalogue_store.hpp"
#include "daiban/db/pg_pool.hpp"

namespace daiban::catalogue {

class PgCatalogueStore final : public CatalogueStore {
 public:
  // Declares its prepared statements on the pool.
  explicit PgCatalogueStore(db::PgPool& pool);

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
  db::PgPool& pool_;
};

}  // namespace daiban::catalogue
