// The catalogue and the calendar against a real PostgreSQL: import, re-import, retirement,
// all-or-nothing on a bad file, and the reads behind the public API (the list's filters and
// pages are the contract's and catalogue_service_test.cpp's); CatalogueStore's
// contract (catalogue_store_contract.hpp, the same suite the in-memory store runs).
#include <gtest/gtest.h>

#include <filesystem>
#include <pqxx/pqxx>
#include <set>
#include <sstream>

#include "daiban/catalogue/boundaries.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_boundary_store.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/catalogue/testing/catalogue_store_contract.hpp"
#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "scratch_database.hpp"

namespace daiban::catalogue {
namespace {

using Files = testing::CatalogueFiles;
using testing::CatalogueFileText;

Files DemoFiles() { return testing::DemoCatalogueFiles(); }
std::string& FileText(Files& files, const std::string& name) {
  return CatalogueFileText(files, name);
}

// A migrated scratch database for CatalogueStore's contract.
class PgCatalogueWorld {
 public:
  PgCatalogueWorld() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    store_ = std::make_unique<PgCatalogueStore>(*pool_);
  }
  CatalogueStore& Store() { return *store_; }

 private:
  db::testing::ScratchDatabase database_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<PgCatalogueStore> store_;
};

class CataloguePgTest : public ::testing::Test {
 protected:
  CataloguePgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    store_ = std::make_unique<PgCatalogueStore>(*pool_);
    service_ = std::make_unique<CatalogueService>(*store_, clock_);
  }
  int Count(const std::string& sql) {
    int n = 0;
    pool_->Read([&](pqxx::transaction_base& tx) { n = tx.exec(sql)[0][0].as<int>(); });
    return n;
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kernel::Instant(std::chrono::seconds(1790000000))};
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<PgCatalogueStore> store_;
  std::unique_ptr<CatalogueService> service_;
};

TEST_F(CataloguePgTest, ImportsTheDemoCatalogueAndReimportsInPlace) {
  service_->Import(DemoFiles());
  const int items = Count("SELECT count(*) FROM items");
  EXPECT_GE(items, 30);
  EXPECT_GE(Count("SELECT count(DISTINCT department_code) FROM items"), 8);
  EXPECT_GE(Count("SELECT count(*) FROM bundles"), 3);
  EXPECT_GE(Count("SELECT count(*) FROM regions WHERE level = 'district'"), 14);
  const int materials = Count("SELECT count(*) FROM materials");
  service_->Import(DemoFiles());
  EXPECT_EQ(Count("SELECT count(*) FROM items"), items);
  EXPECT_EQ(Count("SELECT count(*) FROM materials"), materials);
  EXPECT_EQ(Count("SELECT count(*) FROM items WHERE retired_at IS NOT NULL"), 0);
}

TEST_F(CataloguePgTest, BoundariesImportReplacesAndLocatesAPosition) {
  service_->Import(DemoFiles());
  PgBoundaryStore store(*pool_);
  BoundaryService boundaries(store, *store_);
  const std::string file = kernel::ReadFile(std::filesystem::path(DAIBAN_SOURCE_DIR) /
                                            "db/seed/demo/jinan-districts.geojson");
  EXPECT_EQ(boundaries.Import(file).size(), 12u);
  EXPECT_EQ(boundaries.Import(file).size(), 12u);  // a re-import replaces, never adds
  EXPECT_EQ(Count("SELECT count(*) FROM region_boundaries"), 12);
  EXPECT_EQ(boundaries.RegionAt({36.6610, 117.0211}), "370102004");  // 泉城广场 → 泉城路街道
  EXPECT_EQ(boundaries.RegionAt({39.9042, 116.4074}), std::nullopt);  // 北京

  // A code that is not a district of the catalogue refuses the whole file; nothing changes.
  std::string street = file;
  const std::string code = "\"code\":\"370103\"";
  street.replace(street.find(code), code.size(), "\"code\":\"370103002\"");
  EXPECT_THROW(boundaries.Import(street), kernel::ApiError);
  EXPECT_EQ(Count("SELECT count(*) FROM region_boundaries"), 12);
}

TEST_F(CataloguePgTest, AnItemLeftOutIsRetiredNotDeletedAndComesBack) {
  service_->Import(DemoFiles());
  const int items = Count("SELECT count(*) FROM items");
  Files files = DemoFiles();
  std::string& text = FileText(files, "items.csv");
  // Drop the last item line, and its steps so the bundle files still agree.
  text.pop_back();
  std::string dropped = text.substr(text.rfind('\n') + 1);
  text.erase(text.rfind('\n') + 1);
  std::string code = dropped.substr(0, dropped.find(','));
  Files items_only = {{"items.csv", text}};
  service_->Import(items_only);
  EXPECT_EQ(Count("SELECT count(*) FROM items"), items);
  EXPECT_EQ(Count("SELECT count(*) FROM items WHERE retired_at IS NOT NULL"), 1);
  auto guide = service_->GetGuide(code);  // still readable: cases may refer to it
  EXPECT_TRUE(guide.item.retired);
  ItemFilter all;
  all.limit = 100;
  for (const auto& item : service_->ListItems(all, "").items) EXPECT_NE(item.code, code);
  service_->Import(DemoFiles());
  EXPECT_EQ(Count("SELECT count(*) FROM items WHERE retired_at IS NOT NULL"), 0);
}

TEST_F(CataloguePgTest, ABadRowWritesNothingAndSaysWhere) {
  Files files = DemoFiles();
  std::string& text = FileText(files, "materials.csv");
  // Break the copies column of the third data row (line 5: comment, header, rows 3.. ).
  std::istringstream lines(text);
  std::string line, rebuilt;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (number == 5) line = line.substr(0, line.find(',')) + ",99,测试材料,yes,original,many,";
    rebuilt += line + "\n";
  }
  text = rebuilt;
  try {
    service_->Import(files);
    FAIL() << "expected a CsvError";
  } catch (const kernel::CsvError& error) {
    EXPECT_EQ(error.File(), "materials.csv");
    EXPECT_EQ(error.Line(), 5);
    EXPECT_EQ(error.Column(), 6);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM regions"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM items"), 0);
}

TEST_F(CataloguePgTest, AnUnknownDepartmentWritesNothing) {
  Files demo = DemoFiles();
  Files files = {{"items.csv", FileText(demo, "items.csv")}};  // departments not imported
  EXPECT_THROW(service_->Import(files), kernel::CsvError);
  EXPECT_EQ(Count("SELECT count(*) FROM items"), 0);
}

TEST_F(CataloguePgTest, RegionFilterTakesCityDepartmentsAndTheSubtree) {
  service_->Import(DemoFiles());
  ItemFilter lixia;
  lixia.limit = 100;
  lixia.region_code = "370102";
  auto items = service_->ListItems(lixia, "").items;
  std::set<std::string> departments;
  for (const auto& item : items) departments.insert(item.department_code);
  int city_items = Count(
      "SELECT count(*) FROM items i JOIN departments d ON d.code = i.department_code "
      "WHERE d.region_code = '370100'");
  int lixia_items = Count(
      "SELECT count(*) FROM items i JOIN departments d ON d.code = i.department_code "
      "WHERE d.region_code = '370102'");
  EXPECT_EQ(static_cast<int>(items.size()), city_items + lixia_items);
  ItemFilter unknown;
  unknown.region_code = "999999";
  try {
    service_->ListItems(unknown, "");
    FAIL();
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 400);
    EXPECT_EQ(error.Field(), "region");
  }
}

TEST_F(CataloguePgTest, GuidesAndBundles) {
  service_->Import(DemoFiles());
  auto bundles = service_->Bundles();
  ASSERT_GE(bundles.size(), 3u);
  bool parallel = false;
  for (const auto& bundle : bundles) {
    ASSERT_FALSE(bundle.steps.empty());
    for (std::size_t i = 1; i < bundle.steps.size(); ++i) {
      EXPECT_LE(bundle.steps[i - 1].order, bundle.steps[i].order);
      if (bundle.steps[i - 1].order == bundle.steps[i].order) parallel = true;
    }
  }
  EXPECT_TRUE(parallel) << "the demo has a bundle with parallel steps";
  auto guide = service_->GetGuide(bundles[0].steps[0].item_code);
  EXPECT_FALSE(guide.item.materials.empty());
  EXPECT_EQ(guide.department.code, guide.item.department_code);
  EXPECT_THROW(service_->GetGuide("NO-SUCH"), kernel::ApiError);
  EXPECT_THROW(service_->GetBundle("NO-SUCH"), kernel::ApiError);
}

// Every field but the materials, to compare two reads of one item.
std::string ItemText(const Item& i) {
  std::ostringstream out;
  out << i.code << '|' << i.name << '|' << ToWord(i.service_class) << '|'
      << static_cast<int>(i.kind) << '|' << i.department_code << '|' << static_cast<int>(i.level)
      << '|' << i.committed_days << '|' << i.legal_days << '|' << i.conditions << '|'
      << i.modes.size() << '|' << i.delivery_options.size() << '|' << i.fee << '|' << i.legal_basis
      << '|' << i.where_to_apply << '|' << i.how_to_apply << '|' << i.retired;
  for (auto mode : i.modes) out << '|' << ToWord(mode);
  for (auto option : i.delivery_options) out << '|' << static_cast<int>(option);
  return out.str();
}

std::string DepartmentText(const Department& d) {
  std::ostringstream out;
  out.precision(17);
  out << d.code << '|' << d.name << '|' << d.region_code << '|' << d.hall_name << '|'
      << d.hall_address << '|' << d.hall.lat << '|' << d.hall.lng << '|' << d.office_hours << '|'
      << d.phone;
  return out.str();
}

// The batched read behind the phone's task list gives each item and department exactly as the
// one-item guide does (materials apart), retired items included, unknown codes left out.
TEST_F(CataloguePgTest, GuidesForAPageMatchTheOneByOneGuides) {
  service_->Import(DemoFiles());
  ItemFilter all;
  all.limit = 100;
  std::vector<std::string> codes;
  for (const auto& item : service_->ListItems(all, "").items) codes.push_back(item.code);
  ASSERT_GE(codes.size(), 3u);
  // Retire the last item: a case may still name it.
  Files files = DemoFiles();
  std::string& text = FileText(files, "items.csv");
  text.pop_back();
  text.erase(text.rfind('\n') + 1);
  service_->Import({{"items.csv", text}});
  ASSERT_EQ(Count("SELECT count(*) FROM items WHERE retired_at IS NOT NULL"), 1);

  std::vector<std::string> asked = codes;
  asked.push_back("NO-SUCH");
  asked.push_back("odd \"code\", {with} \\ marks");
  asked.push_back(codes[0]);  // a repeat is read once
  auto guides = service_->GuidesFor(asked);
  ASSERT_EQ(guides.size(), codes.size());
  bool retired_seen = false;
  for (const auto& code : codes) {
    auto one = service_->GetGuide(code);
    ASSERT_EQ(guides.count(code), 1u) << code;
    const auto& batched = guides.at(code);
    retired_seen = retired_seen || batched.item.retired;
    EXPECT_TRUE(batched.item.materials.empty());
    EXPECT_EQ(ItemText(batched.item), ItemText(one.item)) << code;
    EXPECT_EQ(DepartmentText(batched.department), DepartmentText(one.department)) << code;
  }
  EXPECT_TRUE(retired_seen);
  EXPECT_TRUE(service_->GuidesFor({}).empty());
}

TEST_F(CataloguePgTest, CalendarLoadsAndCountsDeadlines) {
  PgCalendarStore store(*pool_);
  CalendarService calendar(store, clock_, {});
  std::string file = kernel::ReadFile(std::filesystem::path(DAIBAN_SOURCE_DIR) /
                                      "db/seed/calendar/cn-calendar-2026.csv");
  calendar.Load("cn-calendar-2026.csv", file);
  calendar.Load("cn-calendar-2026.csv", file);  // reloading a year replaces it
  EXPECT_EQ(Count("SELECT count(*) FROM calendar_years"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM calendar_days"), 39);
  // National Day: accepted 2026-09-30, 3 working days -> 2026-10-10 17:00 (make-up Saturday).
  auto from = std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year(2026) / 9 / 30)) +
              std::chrono::hours(2);
  auto result = calendar.Deadline(from, 3);
  EXPECT_EQ(cases::FormatRfc3339China(result.deadline), "2026-10-10T17:00:00+08:00");
  EXPECT_FALSE(result.provisional);
  auto next_year = calendar.Deadline(from + std::chrono::days(100), 10);
  EXPECT_TRUE(next_year.provisional);
  EXPECT_THROW(calendar.Load("bad.csv", "date,kind,name\n2026-13-01,holiday,x\n"),
               kernel::CsvError);
  EXPECT_EQ(Count("SELECT count(*) FROM calendar_days"), 39);
}

}  // namespace
}  // namespace daiban::catalogue

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::catalogue::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, CatalogueStoreContract, PgCatalogueWorld);
}  // namespace daiban::catalogue::testing
