// The catalogue's use cases over the in-memory store (no database): pages of items with
// their cursor, the refusals of a list's filters, guides one by one and for a page, bundles.
#include "daiban/catalogue/catalogue_service.hpp"

#include <gtest/gtest.h>

#include <set>

#include "daiban/catalogue/testing/catalogue_store_contract.hpp"
#include "daiban/catalogue/testing/in_memory_catalogue_store.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::catalogue {
namespace {

class CatalogueServiceTest : public ::testing::Test {
 protected:
  CatalogueServiceTest() { service.Import(testing::DemoCatalogueFiles()); }

  std::string FieldOf(const std::function<void()>& call) {
    try {
      call();
    } catch (const kernel::ApiError& error) {
      return std::to_string(error.Status()) + " " + error.Field();
    }
    return "";
  }

  kernel::ManualClock clock{kernel::Instant(std::chrono::seconds(1790000000))};
  testing::InMemoryCatalogueStore store;
  CatalogueService service{store, clock};
};

TEST_F(CatalogueServiceTest, PagesFollowTheirCursorToTheEnd) {
  ItemFilter filter;
  filter.limit = 7;
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = service.ListItems(filter, cursor);
    EXPECT_LE(page.items.size(), 7u);
    for (const auto& item : page.items) EXPECT_TRUE(seen.insert(item.code).second);
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty() && pages < 100);
  ItemFilter all;
  all.limit = 1000;
  EXPECT_EQ(seen.size(), store.Items(all).size());
  EXPECT_GE(pages, 5);
}

TEST_F(CatalogueServiceTest, AListRefusesWhatItCannotServe) {
  ItemFilter unknown_region;
  unknown_region.region_code = "999999";
  EXPECT_EQ(FieldOf([&] { service.ListItems(unknown_region, ""); }), "400 region");
  ItemFilter unknown_department;
  unknown_department.department_code = "NO-SUCH";
  EXPECT_EQ(FieldOf([&] { service.ListItems(unknown_department, ""); }), "400 department");
  ItemFilter too_many;
  too_many.limit = CatalogueService::kMaxPageSize + 1;
  EXPECT_EQ(FieldOf([&] { service.ListItems(too_many, ""); }), "400 limit");
}

TEST_F(CatalogueServiceTest, GuidesForAPageMatchTheOneByOneGuides) {
  ItemFilter some;
  some.limit = 5;
  std::vector<std::string> codes;
  for (const auto& item : service.ListItems(some, "").items) codes.push_back(item.code);
  auto asked = codes;
  asked.push_back("NO-SUCH");
  const auto guides = service.GuidesFor(asked);
  ASSERT_EQ(guides.size(), codes.size());
  for (const auto& code : codes) {
    const auto one = service.GetGuide(code);
    EXPECT_FALSE(one.item.materials.empty()) << code;
    EXPECT_EQ(one.department.code, one.item.department_code);
    EXPECT_EQ(guides.at(code).item.name, one.item.name);
    EXPECT_EQ(guides.at(code).department.hall_address, one.department.hall_address);
  }
  EXPECT_EQ(FieldOf([&] { service.GetGuide("NO-SUCH"); }), "404 ");
  EXPECT_EQ(FieldOf([&] { service.GetBundle("NO-SUCH"); }), "404 ");
  EXPECT_EQ(service.GetBundle(service.Bundles()[0].code).code, service.Bundles()[0].code);
}

}  // namespace
}  // namespace daiban::catalogue
