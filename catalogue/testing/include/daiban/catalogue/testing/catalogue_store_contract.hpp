#pragma once

// CatalogueStore's contract as one typed suite: the in-memory store runs it in the
// unit tests (catalogue_store_test.cpp) and PgCatalogueStore against PostgreSQL in the
// integration tests (catalogue_pgtest.cpp), so the fake cannot drift from the real store. A
// world type gives the suite an empty store:
//
//   struct World {
//     CatalogueStore& Store();
//   };
//
// The suite imports the demo catalogue of the repository (db/seed/demo), so the test program
// defines DAIBAN_SOURCE_DIR.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "daiban/catalogue/catalogue.hpp"
#include "daiban/catalogue/catalogue_store.hpp"
#include "daiban/kernel/file.hpp"

namespace daiban::catalogue::testing {

using CatalogueFiles = std::vector<std::pair<std::string, std::string>>;

// The demo catalogue's files, as an import directory holds them.
inline CatalogueFiles DemoCatalogueFiles() {
  CatalogueFiles files;
  const std::filesystem::path dir = std::filesystem::path(DAIBAN_SOURCE_DIR) / "db/seed/demo";
  for (const auto& name : CatalogueFileNames()) {
    files.emplace_back(name, kernel::ReadFile(dir / name));
  }
  return files;
}

// The text of one file of an import, to change it in place.
inline std::string& CatalogueFileText(CatalogueFiles& files, const std::string& name) {
  for (auto& [file, text] : files) {
    if (file == name) return text;
  }
  throw std::logic_error("no " + name);
}

template <typename World>
class CatalogueStoreContract : public ::testing::Test {
 protected:
  // 2026-12-01 (a Tuesday) 10:00 China Standard Time.
  static constexpr kernel::Instant kNow{std::chrono::seconds(1796090400)};

  CatalogueStore& Store() { return world_.Store(); }

  // The files imported as CatalogueService imports them: parsed, then checked against what the
  // store already holds.
  void Import(const CatalogueFiles& files) {
    const auto import = ParseCatalogueFiles(files);
    Store().Import(
        import, [&](const KnownCodes& known) { CheckReferences(import, known); }, kNow);
  }

  std::vector<Item> AllItems(ItemFilter filter = {}) {
    filter.limit = 1000;
    return Store().Items(filter);
  }

  World world_;
};

TYPED_TEST_SUITE_P(CatalogueStoreContract);

TYPED_TEST_P(CatalogueStoreContract, AnImportIsReadBackAndAReimportChangesNothing) {
  this->Import(DemoCatalogueFiles());
  const auto regions = this->Store().Regions();
  const auto departments = this->Store().Departments();
  const auto items = this->AllItems();
  EXPECT_GE(items.size(), 30u);
  EXPECT_GE(this->Store().Bundles().size(), 3u);
  EXPECT_GE(std::count_if(regions.begin(), regions.end(),
                          [](const Region& r) { return r.level == RegionLevel::kDistrict; }),
            14);
  EXPECT_TRUE(std::is_sorted(regions.begin(), regions.end(),
                             [](const auto& a, const auto& b) { return a.code < b.code; }));
  EXPECT_TRUE(std::is_sorted(items.begin(), items.end(),
                             [](const auto& a, const auto& b) { return a.code < b.code; }));
  ASSERT_FALSE(departments.empty());
  EXPECT_TRUE(this->Store().RegionExists(departments[0].region_code));
  EXPECT_TRUE(this->Store().DepartmentExists(departments[0].code));
  EXPECT_EQ(this->Store().FindDepartment(departments[0].code)->hall_name, departments[0].hall_name);
  EXPECT_FALSE(this->Store().RegionExists("999999"));
  EXPECT_FALSE(this->Store().DepartmentExists("NO-SUCH"));
  EXPECT_FALSE(this->Store().FindDepartment("NO-SUCH").has_value());

  // A list leaves the materials out; the item read alone has them, in order.
  for (const auto& item : items) EXPECT_TRUE(item.materials.empty()) << item.code;
  const auto one = this->Store().FindItem(items[0].code);
  ASSERT_TRUE(one.has_value());
  EXPECT_FALSE(one->materials.empty());
  EXPECT_TRUE(std::is_sorted(one->materials.begin(), one->materials.end(),
                             [](const auto& a, const auto& b) { return a.seq < b.seq; }));
  EXPECT_FALSE(this->Store().FindItem("NO-SUCH").has_value());

  this->Import(DemoCatalogueFiles());
  EXPECT_EQ(this->AllItems().size(), items.size());
  EXPECT_EQ(this->Store().Regions().size(), regions.size());
  EXPECT_EQ(this->Store().FindItem(items[0].code)->materials.size(), one->materials.size());
}

TYPED_TEST_P(CatalogueStoreContract, AnImportItsCheckRefusesWritesNothing) {
  const auto import = ParseCatalogueFiles(DemoCatalogueFiles());
  EXPECT_THROW(
      this->Store().Import(
          import, [](const KnownCodes&) { throw std::runtime_error("refused"); }, this->kNow),
      std::runtime_error);
  EXPECT_TRUE(this->Store().Regions().empty());
  EXPECT_TRUE(this->AllItems().empty());

  // Items alone name departments the store does not hold: refused, nothing written.
  CatalogueFiles demo = DemoCatalogueFiles();
  EXPECT_THROW(this->Import({{"items.csv", CatalogueFileText(demo, "items.csv")}}),
               kernel::CsvError);
  EXPECT_TRUE(this->AllItems().empty());
}

TYPED_TEST_P(CatalogueStoreContract, AnItemLeftOutIsRetiredNotDeletedAndComesBack) {
  this->Import(DemoCatalogueFiles());
  const auto items = this->AllItems();
  CatalogueFiles files = DemoCatalogueFiles();
  std::string& text = CatalogueFileText(files, "items.csv");
  text.pop_back();
  const std::string dropped = text.substr(text.rfind('\n') + 1);
  text.erase(text.rfind('\n') + 1);
  const std::string code = dropped.substr(0, dropped.find(','));
  this->Import({{"items.csv", text}});

  EXPECT_EQ(this->AllItems().size(), items.size() - 1);
  const auto retired = this->Store().FindItem(code);
  ASSERT_TRUE(retired.has_value());  // still readable: cases may refer to it
  EXPECT_TRUE(retired->retired);
  const auto guides = this->Store().ItemsWithDepartments({code});
  ASSERT_EQ(guides.size(), 1u);
  EXPECT_TRUE(guides[0].first.retired);

  this->Import(DemoCatalogueFiles());
  EXPECT_EQ(this->AllItems().size(), items.size());
  EXPECT_FALSE(this->Store().FindItem(code)->retired);
}

TYPED_TEST_P(CatalogueStoreContract, ItemsAreFilteredAndPagedByCode) {
  this->Import(DemoCatalogueFiles());
  const auto all = this->AllItems();
  ItemFilter page;
  page.limit = 7;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 100; ++pages) {
    const auto items = this->Store().Items(page);
    EXPECT_LE(items.size(), 7u);
    for (const auto& item : items) seen.push_back(item.code);
    if (items.size() < 7) break;
    page.after_code = items.back().code;
  }
  ASSERT_EQ(seen.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(seen[i], all[i].code);

  ItemFilter we_run;
  we_run.service_class = ServiceClass::kWeRun;
  for (const auto& item : this->AllItems(we_run)) {
    EXPECT_EQ(item.service_class, ServiceClass::kWeRun);
  }
  ItemFilter led;
  led.mode = ProxyMode::kLed;
  const auto led_items = this->AllItems(led);
  EXPECT_FALSE(led_items.empty());
  for (const auto& item : led_items) {
    EXPECT_NE(std::find(item.modes.begin(), item.modes.end(), ProxyMode::kLed), item.modes.end());
  }
  ItemFilter text;
  text.name_contains = "登记";
  const auto found = this->AllItems(text);
  EXPECT_FALSE(found.empty());
  for (const auto& item : found) EXPECT_NE(item.name.find("登记"), std::string::npos);
  ItemFilter wildcard;
  wildcard.name_contains = "%";  // a literal percent sign, in no item's name
  EXPECT_TRUE(this->AllItems(wildcard).empty());
  ItemFilter department;
  department.department_code = all[0].department_code;
  for (const auto& item : this->AllItems(department)) {
    EXPECT_EQ(item.department_code, all[0].department_code);
  }
}

TYPED_TEST_P(CatalogueStoreContract, ARegionTakesTheDepartmentsAboveItAndInItsSubtree) {
  this->Import(DemoCatalogueFiles());
  std::map<std::string, std::string> region_of;
  for (const auto& d : this->Store().Departments()) region_of[d.code] = d.region_code;
  ItemFilter lixia;
  lixia.region_code = "370102";
  std::size_t expected = 0;
  for (const auto& item : this->AllItems()) {
    const auto& region = region_of[item.department_code];
    if (region == "370100" || region == "370102") ++expected;
  }
  const auto items = this->AllItems(lixia);
  EXPECT_GT(expected, 0u);
  EXPECT_EQ(items.size(), expected);
  ItemFilter city;
  city.region_code = "370100";  // the city: every district lies below it
  EXPECT_EQ(this->AllItems(city).size(), this->AllItems().size());
}

TYPED_TEST_P(CatalogueStoreContract, ItemsWithDepartmentsReadEachKnownCodeOnce) {
  this->Import(DemoCatalogueFiles());
  const auto all = this->AllItems();
  ASSERT_GE(all.size(), 3u);
  const auto found = this->Store().ItemsWithDepartments(
      {all[0].code, all[1].code, "NO-SUCH", "odd \"code\", {with} \\ marks", all[0].code});
  ASSERT_EQ(found.size(), 2u);
  std::set<std::string> codes;
  for (const auto& [item, department] : found) {
    codes.insert(item.code);
    EXPECT_TRUE(item.materials.empty());
    EXPECT_EQ(department.code, item.department_code);
    EXPECT_EQ(department.hall_name, this->Store().FindDepartment(department.code)->hall_name);
  }
  EXPECT_EQ(codes, (std::set<std::string>{all[0].code, all[1].code}));
  EXPECT_TRUE(this->Store().ItemsWithDepartments({}).empty());
}

TYPED_TEST_P(CatalogueStoreContract, BundlesCarryTheirStepsInOrder) {
  this->Import(DemoCatalogueFiles());
  const auto bundles = this->Store().Bundles();
  ASSERT_GE(bundles.size(), 3u);
  bool parallel = false;
  for (const auto& bundle : bundles) {
    ASSERT_FALSE(bundle.steps.empty()) << bundle.code;
    for (std::size_t i = 1; i < bundle.steps.size(); ++i) {
      EXPECT_LE(bundle.steps[i - 1].order, bundle.steps[i].order);
      if (bundle.steps[i - 1].order == bundle.steps[i].order) parallel = true;
    }
    for (const auto& step : bundle.steps) {
      const auto item = this->Store().FindItem(step.item_code);
      ASSERT_TRUE(item.has_value());
      EXPECT_EQ(step.item_name, item->name);
      EXPECT_EQ(step.department_code, item->department_code);
      EXPECT_EQ(step.committed_days, item->committed_days);
    }
  }
  EXPECT_TRUE(parallel) << "the demo has a bundle with parallel steps";
  const auto one = this->Store().FindBundle(bundles[0].code);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->steps.size(), bundles[0].steps.size());
  EXPECT_FALSE(this->Store().FindBundle("NO-SUCH").has_value());
}

REGISTER_TYPED_TEST_SUITE_P(CatalogueStoreContract, AnImportIsReadBackAndAReimportChangesNothing,
                            AnImportItsCheckRefusesWritesNothing,
                            AnItemLeftOutIsRetiredNotDeletedAndComesBack,
                            ItemsAreFilteredAndPagedByCode,
                            ARegionTakesTheDepartmentsAboveItAndInItsSubtree,
                            ItemsWithDepartmentsReadEachKnownCodeOnce,
                            BundlesCarryTheirStepsInOrder);

}  // namespace daiban::catalogue::testing
