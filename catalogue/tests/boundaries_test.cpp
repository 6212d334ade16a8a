#include "daiban/catalogue/boundaries.hpp"

#include <gtest/gtest.h>

#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"

namespace daiban::catalogue {
namespace {

const std::string kDemo = std::string(DAIBAN_SOURCE_DIR) + "/db/seed/demo/";

const std::set<std::string>& TwelveDistricts() {
  static const std::set<std::string> kCodes = {"370102", "370103", "370104", "370105",
                                               "370112", "370113", "370114", "370115",
                                               "370116", "370117", "370124", "370126"};
  return kCodes;
}

// The demo regions (regions.csv), as the catalogue import stores them.
std::vector<Region> DemoRegions() {
  auto table = kernel::CsvTable::Parse("regions.csv", kernel::ReadFile(kDemo + "regions.csv"));
  std::vector<Region> regions;
  for (const auto& row : table.Rows()) {
    Region region;
    region.code = table.Field(row, "code");
    region.parent_code = table.Field(row, "parent_code");
    region.level = *ParseRegionLevel(table.Field(row, "level"));
    if (!table.Field(row, "lat").empty()) {
      region.center =
          GeoPoint{std::stod(table.Field(row, "lat")), std::stod(table.Field(row, "lng"))};
    }
    regions.push_back(region);
  }
  return regions;
}

class JinanBoundariesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    boundaries_ = new std::vector<RegionBoundary>(
        ParseBoundaries(kernel::ReadFile(kDemo + "jinan-districts.geojson"), TwelveDistricts()));
  }
  static void TearDownTestSuite() { delete boundaries_; }
  static std::vector<RegionBoundary>* boundaries_;
};
std::vector<RegionBoundary>* JinanBoundariesTest::boundaries_ = nullptr;

TEST_F(JinanBoundariesTest, TheDemoFileHoldsTheTwelveDistricts) {
  ASSERT_EQ(boundaries_->size(), 12u);
  std::set<std::string> codes;
  for (const auto& b : *boundaries_) codes.insert(b.code);
  EXPECT_EQ(codes, TwelveDistricts());
}

TEST_F(JinanBoundariesTest, RealPointsFallInTheirDistricts) {
  EXPECT_EQ(DistrictAt(*boundaries_, {36.6610, 117.0211}), "370102");  // 泉城广场, 历下区
  EXPECT_EQ(DistrictAt(*boundaries_, {36.66, 117.05}), "370102");
  EXPECT_EQ(DistrictAt(*boundaries_, {36.65, 116.99}), "370103");  // 市中区
  EXPECT_EQ(DistrictAt(*boundaries_, {36.21, 117.68}), "370116");  // 莱芜区
  EXPECT_EQ(DistrictAt(*boundaries_, {36.29, 116.45}), "370124");  // 平阴县
}

TEST_F(JinanBoundariesTest, APointOutsideTheCityHasNoDistrict) {
  EXPECT_EQ(DistrictAt(*boundaries_, {39.9042, 116.4074}), std::nullopt);  // 北京 天安门
  EXPECT_EQ(DistrictAt(*boundaries_, {36.0671, 120.3826}), std::nullopt);  // 青岛
}

TEST_F(JinanBoundariesTest, APositionGetsTheNearestStreetOfItsDistrict) {
  auto regions = DemoRegions();
  // 泉城广场: 泉城路街道 (370102004) is the nearest centre of 历下区.
  EXPECT_EQ(RegionAt(*boundaries_, regions, {36.6610, 117.0211}), "370102004");
  // 市中区 near 大观园 (116.9962, 36.6579): a street of 市中区, never one of 历下区.
  auto shizhong = RegionAt(*boundaries_, regions, {36.6570, 116.9960});
  ASSERT_TRUE(shizhong);
  EXPECT_EQ(*shizhong, "370103002");
  EXPECT_EQ(RegionAt(*boundaries_, regions, {39.9042, 116.4074}), std::nullopt);
}

TEST_F(JinanBoundariesTest, AFunctionalZoneIsNeverChosenByPosition) {
  auto regions = DemoRegions();
  // 高新区's centre lies in 历城区 or 历下区 geometrically; the position maps to a real district.
  auto region = RegionAt(*boundaries_, regions, {36.6782, 117.1526});
  ASSERT_TRUE(region);
  EXPECT_EQ(region->rfind("JN", 0), std::string::npos) << *region;
}

TEST_F(JinanBoundariesTest, StoredFormRoundTrips) {
  const auto& first = boundaries_->front();
  auto again = PolygonsFromJson(PolygonsToJson(first.polygons));
  ASSERT_EQ(again.size(), first.polygons.size());
  EXPECT_EQ(again[0][0].size(), first.polygons[0][0].size());
  EXPECT_DOUBLE_EQ(again[0][0][3].lat, first.polygons[0][0][3].lat);
}

// A square of 10 x 10 around (0, 0) with a hole of 2 x 2 in its middle, in [lng, lat].
const std::string kSquareWithHole =
    R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"370102",)"
    R"("name":"历下区"},"geometry":{"type":"MultiPolygon","coordinates":[[)"
    R"([[-5,-5],[5,-5],[5,5],[-5,5],[-5,-5]],[[-1,-1],[1,-1],[1,1],[-1,1],[-1,-1]]],)"
    R"([[[20,20],[22,20],[22,22],[20,20]]]]}}]})";

TEST(BoundariesTest, HolesAreOutsideAndEveryPolygonCounts) {
  auto boundaries = ParseBoundaries(kSquareWithHole, {"370102"});
  ASSERT_EQ(boundaries.size(), 1u);
  EXPECT_EQ(DistrictAt(boundaries, {3, 3}), "370102");
  EXPECT_EQ(DistrictAt(boundaries, {0, 0}), std::nullopt);    // in the hole
  EXPECT_EQ(DistrictAt(boundaries, {20.5, 21.5}), "370102");  // the second polygon
  EXPECT_EQ(DistrictAt(boundaries, {6, 0}), std::nullopt);
}

TEST(BoundariesTest, ADistrictWithoutStreetCentresIsItsOwnAnswer) {
  std::vector<Region> regions = {{"370102", "历下区", RegionLevel::kDistrict, "370100", {}},
                                 {"370102001", "甲", RegionLevel::kStreet, "370102", {}}};
  EXPECT_EQ(NearestStreet(regions, "370102", {1, 1}), "370102");
}

std::string ErrorOf(const std::string& geojson, const std::set<std::string>& codes = {"370102"}) {
  try {
    ParseBoundaries(geojson, codes);
  } catch (const kernel::ApiError& error) {
    return error.Field() + ": " + error.Message();
  }
  return "accepted";
}

TEST(BoundariesTest, BadFilesAreRefusedNamingTheFeature) {
  EXPECT_EQ(ErrorOf("[]"), "file: must be a GeoJSON FeatureCollection");
  EXPECT_NE(ErrorOf("{nope").find("not JSON"), std::string::npos);
  EXPECT_EQ(ErrorOf(kSquareWithHole, {"370103"}),
            "features[0] (370102 历下区): code 370102 is not a district of the catalogue");
  std::string open = kSquareWithHole;
  open.replace(open.find("[22,22],[20,20]"), 15, "[22,22],[20,21]");
  EXPECT_EQ(ErrorOf(open),
            "features[0] (370102 历下区): a ring is not closed (its last position must repeat "
            "the first)");
  std::string far = kSquareWithHole;
  far.replace(far.find("[5,-5]"), 6, "[500,-5]");
  EXPECT_NE(ErrorOf(far).find("features[0] (370102 历下区): coordinate [500, -5] is out of range"),
            std::string::npos)
      << ErrorOf(far);
  std::string twice = R"({"type":"FeatureCollection","features":[)" +
                      kSquareWithHole.substr(kSquareWithHole.find("{\"type\":\"Feature\""));
  twice = twice.substr(0, twice.size() - 2) + "," +
          kSquareWithHole.substr(kSquareWithHole.find("{\"type\":\"Feature\""));
  EXPECT_NE(ErrorOf(twice).find("features[1] (370102 历下区): code 370102 appears twice"),
            std::string::npos)
      << ErrorOf(twice);
  std::string point = kSquareWithHole;
  point.replace(point.find("MultiPolygon"), 12, "Point");
  EXPECT_EQ(ErrorOf(point),
            "features[0] (370102 历下区): geometry must be a MultiPolygon or a Polygon");
}

}  // namespace
}  // namespace daiban::catalogue
