// The demo data's positions against the demo district boundaries: every agent, courier, hall and
// street centre lies inside the city, and a district's own streets and halls inside that district
// (the functional zones 高新区 and 南部山区 overlap districts, so theirs need only be in the city).
// The box that flags phones far outside the city (cases::FarOutsideJinan) holds the whole city.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "daiban/cases/applicant_rules.hpp"
#include "daiban/catalogue/boundaries.hpp"
#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/file.hpp"

namespace daiban::catalogue {
namespace {

const std::string kDemo = std::string(DAIBAN_SOURCE_DIR) + "/db/seed/demo/";

class DemoPositionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto regions = Table("regions.csv");
    parents_ = new std::map<std::string, std::string>();
    std::set<std::string> districts;
    for (const auto& row : regions.Rows()) {
      (*parents_)[regions.Field(row, "code")] = regions.Field(row, "parent_code");
      if (regions.Field(row, "level") == "district") districts.insert(regions.Field(row, "code"));
    }
    // The zones are districts of the catalogue without a boundary of their own.
    boundaries_ = new std::vector<RegionBoundary>(
        ParseBoundaries(kernel::ReadFile(kDemo + "jinan-districts.geojson"), districts));
  }
  static void TearDownTestSuite() {
    delete boundaries_;
    delete parents_;
  }

  static kernel::CsvTable Table(const std::string& name) {
    return kernel::CsvTable::Parse(name, kernel::ReadFile(kDemo + name));
  }
  static GeoPoint At(const kernel::CsvTable& table, const kernel::CsvRow& row) {
    return {std::stod(table.Field(row, "lat")), std::stod(table.Field(row, "lng"))};
  }
  // The district among the twelve that `region` is or lies below; "" for the city and the zones.
  static std::string DistrictOf(std::string region) {
    for (int depth = 0; depth < 8 && !region.empty(); ++depth) {
      for (const auto& b : *boundaries_) {
        if (b.code == region) return region;
      }
      region = (*parents_)[region];
    }
    return "";
  }
  // Where `what` is: inside the city, and inside `district` when one is named.
  static void ExpectIn(const std::string& what, GeoPoint at, const std::string& district) {
    auto found = DistrictAt(*boundaries_, at);
    EXPECT_TRUE(found.has_value())
        << what << " (" << at.lat << ", " << at.lng << ") is outside the city";
    if (found && !district.empty()) {
      EXPECT_EQ(*found, district) << what << " (" << at.lat << ", " << at.lng
                                  << ") lies in another district";
    }
    EXPECT_FALSE(cases::FarOutsideJinan(at.lat, at.lng)) << what;
  }

  static std::vector<RegionBoundary>* boundaries_;
  static std::map<std::string, std::string>* parents_;
};
std::vector<RegionBoundary>* DemoPositionsTest::boundaries_ = nullptr;
std::map<std::string, std::string>* DemoPositionsTest::parents_ = nullptr;

TEST_F(DemoPositionsTest, StreetCentresLieInTheirDistricts) {
  auto regions = Table("regions.csv");
  int checked = 0;
  for (const auto& row : regions.Rows()) {
    if (regions.Field(row, "lat").empty()) continue;
    const std::string code = regions.Field(row, "code");
    ExpectIn("region " + code + " " + regions.Field(row, "name"), At(regions, row),
             regions.Field(row, "level") == "city" ? "" : DistrictOf(code));
    ++checked;
  }
  EXPECT_GE(checked, 50);
}

TEST_F(DemoPositionsTest, HallsLieInTheirDepartmentsDistricts) {
  auto departments = Table("departments.csv");
  ASSERT_FALSE(departments.Rows().empty());
  for (const auto& row : departments.Rows()) {
    ExpectIn("the hall of " + departments.Field(row, "code"), At(departments, row),
             DistrictOf(departments.Field(row, "region_code")));
  }
}

TEST_F(DemoPositionsTest, AgentsAndCouriersAreInTheCity) {
  for (const std::string file : {"agents.csv", "couriers.csv"}) {
    auto people = Table(file);
    ASSERT_FALSE(people.Rows().empty()) << file;
    for (const auto& row : people.Rows()) {
      ExpectIn(file + " " + people.Field(row, "name"), At(people, row), "");
    }
  }
}

TEST_F(DemoPositionsTest, TheFarOutsideBoxHoldsEveryBorderPoint) {
  for (const auto& b : *boundaries_) {
    for (const auto& polygon : b.polygons) {
      for (const auto& ring : polygon) {
        for (const auto& point : ring) {
          ASSERT_FALSE(cases::FarOutsideJinan(point.lat, point.lng))
              << b.code << " (" << point.lat << ", " << point.lng << ")";
        }
      }
    }
  }
}

// Distance from the real outlines, as the mobile gateway flags phones' fixes by it.
TEST_F(DemoPositionsTest, KmOutsideMeasuresFromTheNearestBorder) {
  // Inside 历下区.
  EXPECT_EQ(KmOutside(*boundaries_, {36.66, 117.05}), 0);
  // 泰安's centre, some 20-30 km beyond 济南's southern border, 青岛 far beyond it.
  const double taian = KmOutside(*boundaries_, {36.19, 117.12});
  EXPECT_GT(taian, 5);
  EXPECT_LT(taian, 60);
  EXPECT_GT(KmOutside(*boundaries_, {36.07, 120.38}), 200);
  // A border point is 0 or a hair outside; a point 0.1° of latitude north of the northernmost
  // vertex is about 11 km out (at least that far from every edge, and no farther than the
  // vertex itself).
  GeoPoint north{-90, 0};
  for (const auto& b : *boundaries_) {
    for (const auto& polygon : b.polygons) {
      for (const auto& point : polygon.front()) {
        if (point.lat > north.lat) north = point;
      }
    }
  }
  EXPECT_LT(KmOutside(*boundaries_, north), 0.01);
  const double beyond = KmOutside(*boundaries_, {north.lat + 0.1, north.lng});
  EXPECT_GT(beyond, 10.5);
  EXPECT_LT(beyond, 11.5);
  EXPECT_TRUE(std::isinf(KmOutside({}, {36.66, 117.05})));
}

}  // namespace
}  // namespace daiban::catalogue
