#include <gtest/gtest.h>

#include "daiban/cases/list_cursor.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/catalogue.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::catalogue {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;
using kernel::CsvError;

const std::string kRegions =
    "# demo\ncode,name,level,parent_code,lat,lng\n"
    "370100,济南市,city,,36.65,117.12\n"
    "370102,历下区,district,370100,36.67,117.07\n"
    "370102001,解放路街道,street,370102,,\n";
const std::string kDepartments =
    "code,name,region_code,hall_name,hall_address,lat,lng,office_hours,phone\n"
    "JN-SCJG,济南市市场监督管理局,370100,市民服务中心,龙奥北路1号,36.66,117.13,"
    "周一至周五 9:00-17:00,0531-12345678\n";
const std::string kItemHeader =
    "code,name,service_class,kind,department_code,level,committed_days,legal_days,conditions,"
    "modes,delivery_options,fee,legal_basis,where_to_apply,how_to_apply\n";
const std::string kItem =
    "SCJG-001,企业设立登记,we_run,administrative,JN-SCJG,city,3,15,\"申请人应当,符合条件\","
    "proxy|assisted,express|window,不收费,《市场主体登记管理条例》,市民服务中心,网上申报\n";
const std::string kMaterials =
    "item_code,seq,name,essential,form,copies,note\n"
    "SCJG-001,1,营业执照申请书,yes,original,1,\n"
    "SCJG-001,2,授权委托书,no,original,1,代办时提交\n";

CsvError ErrorOf(const Files& files, const KnownCodes& known = {}) {
  try {
    auto import = ParseCatalogueFiles(files);
    CheckReferences(import, known);
  } catch (const CsvError& error) {
    return error;
  }
  ADD_FAILURE() << "no error";
  return CsvError("", 0, 0, "");
}

TEST(CatalogueCsvTest, ParsesAGoodImport) {
  auto import = ParseCatalogueFiles({{"regions.csv", kRegions},
                                     {"departments.csv", kDepartments},
                                     {"items.csv", kItemHeader + kItem},
                                     {"materials.csv", kMaterials}});
  EXPECT_NO_THROW(CheckReferences(import, {}));
  ASSERT_EQ(import.regions->size(), 3u);
  EXPECT_FALSE((*import.regions)[2].value.center.has_value());
  const Item& item = (*import.items)[0].value;
  EXPECT_EQ(item.conditions, "申请人应当,符合条件");
  EXPECT_EQ(item.modes, (std::vector<ProxyMode>{ProxyMode::kProxy, ProxyMode::kAssisted}));
  EXPECT_EQ(item.service_class, ServiceClass::kWeRun);
  EXPECT_FALSE((*import.materials)[1].value.material.essential);
  EXPECT_FALSE(import.bundles.has_value());
}

TEST(CatalogueCsvTest, MissingColumn) {
  auto error = ErrorOf({{"departments.csv", "code,name,region_code\nA,B,370100\n"}});
  EXPECT_EQ(error.File(), "departments.csv");
  EXPECT_EQ(error.Line(), 1);
  EXPECT_NE(std::string(error.what()).find("missing column 'hall_name'"), std::string::npos);
}

TEST(CatalogueCsvTest, BadNumberNamesLineAndColumn) {
  std::string bad = kItem;
  bad.replace(bad.find(",3,15,"), 6, ",three,15,");
  auto error = ErrorOf({{"items.csv", kItemHeader + bad}});
  EXPECT_EQ(error.Line(), 2);
  EXPECT_EQ(error.Column(), 7);  // committed_days
}

TEST(CatalogueCsvTest, CommittedAboveLegalIsRefused) {
  std::string bad = kItem;
  bad.replace(bad.find(",3,15,"), 6, ",30,15,");
  EXPECT_EQ(ErrorOf({{"items.csv", kItemHeader + bad}}).Column(), 7);
}

TEST(CatalogueCsvTest, UnknownWordsAreRefused) {
  std::string bad = kItem;
  bad.replace(bad.find("proxy|assisted"), 14, "proxy|walk");
  auto error = ErrorOf({{"items.csv", kItemHeader + bad}});
  EXPECT_EQ(error.Column(), 10);  // modes
  EXPECT_NE(std::string(error.what()).find("'walk'"), std::string::npos);
}

TEST(CatalogueCsvTest, DuplicateCodeIsRefusedAtTheSecondRow) {
  auto error = ErrorOf({{"items.csv", kItemHeader + kItem + kItem}});
  EXPECT_EQ(error.Line(), 3);
  EXPECT_EQ(error.Column(), 1);
}

TEST(CatalogueCsvTest, NonUtf8ByteIsRefusedWhereItIs) {
  std::string bad = kItem;
  bad.replace(bad.find("企业设立登记"), 3, "\xff\xfe\xfd");
  auto error = ErrorOf({{"items.csv", kItemHeader + bad}});
  EXPECT_EQ(error.Line(), 2);
  EXPECT_EQ(error.Column(), 2);
}

TEST(CatalogueCsvTest, UnknownDepartmentIsReportedAtItsColumn) {
  std::string bad = kItem;
  bad.replace(bad.find("JN-SCJG"), 7, "JN-NONE");
  auto error = ErrorOf({{"departments.csv", kDepartments}, {"items.csv", kItemHeader + bad}},
                       {.regions = {{"370100", RegionLevel::kCity}}});
  EXPECT_EQ(error.File(), "items.csv");
  EXPECT_EQ(error.Line(), 2);
  EXPECT_EQ(error.Column(), 5);
  EXPECT_NE(std::string(error.what()).find("unknown department 'JN-NONE'"), std::string::npos);
}

TEST(CatalogueCsvTest, ReferencesMayBeAlreadyStored) {
  auto import = ParseCatalogueFiles({{"items.csv", kItemHeader + kItem}});
  EXPECT_THROW(CheckReferences(import, {}), CsvError);
  EXPECT_NO_THROW(CheckReferences(import, {.departments = {"JN-SCJG"}}));
}

TEST(CatalogueCsvTest, RegionParentMustBeOneLevelUp) {
  std::string bad = kRegions + "370102002,某街道,street,370100,,\n";
  auto error = ErrorOf({{"regions.csv", bad}});
  EXPECT_EQ(error.Line(), 6);
  EXPECT_EQ(error.Column(), 4);
}

TEST(CatalogueCsvTest, CoordinatesMustBeNumbersInRange) {
  std::string bad = kDepartments;
  bad.replace(bad.find("36.66"), 5, "96.66");
  EXPECT_EQ(ErrorOf({{"departments.csv", bad}}).Column(), 6);
}

TEST(CatalogueCsvTest, UnknownFileIsRefused) {
  EXPECT_EQ(ErrorOf({{"users.csv", "a\n"}}).File(), "users.csv");
}

TEST(CatalogueCursorTest, RoundTripsAndRefusesGarbage) {
  EXPECT_EQ(DecodeCursor(EncodeCursor("SCJG-001")), "SCJG-001");
  EXPECT_EQ(DecodeCursor("i1.zz"), std::nullopt);
  EXPECT_EQ(DecodeCursor("garbage"), std::nullopt);
  EXPECT_EQ(DecodeCursor("i1.4"), std::nullopt);
  EXPECT_EQ(DecodeCursor("i1."), std::nullopt);
  EXPECT_EQ(DecodeCursor("i1.ff"), std::nullopt);  // a byte that is not UTF-8
}

// Each paged list has its own tag: the catalogue's cursor is refused by the case list (400
// naming cursor), and the case list's by the catalogue.
TEST(CatalogueCursorTest, ACursorOfAnotherListIsRefused) {
  const std::string items = EncodeCursor("GA-001");
  for (auto order : {cases::ListOrder::kCreated, cases::ListOrder::kDeadline}) {
    cases::CaseFilter filter;
    filter.order = order;
    try {
      cases::ApplyListCursor(items, filter);
      FAIL() << "a catalogue cursor must not page the case list";
    } catch (const kernel::ApiError& e) {
      EXPECT_EQ(e.Status(), 400);
      EXPECT_EQ(e.Field(), "cursor");
    }
  }
  cases::Case last;
  last.id = 42;
  last.created_at = cases::Moment(std::chrono::seconds(1796090400));
  EXPECT_EQ(DecodeCursor(cases::ListCursor(last, cases::ListOrder::kCreated)), std::nullopt);
  EXPECT_EQ(DecodeCursor(cases::ListCursor(last, cases::ListOrder::kDeadline)), std::nullopt);
}

TEST(OfficeHoursTest, ParsesAndRefuses) {
  auto hours = ParseOfficeHours("08:30-17:30");
  EXPECT_EQ(hours.open.count(), 510);
  EXPECT_EQ(hours.close.count(), 1050);
  EXPECT_THROW(ParseOfficeHours("17:00-09:00"), kernel::ConfigError);
  EXPECT_THROW(ParseOfficeHours("9-17"), kernel::ConfigError);
}

}  // namespace
}  // namespace daiban::catalogue
