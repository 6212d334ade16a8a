// The Open311 facade's pure parts: form bodies, format suffixes, the arguments of GET
// requests.json, the case a form asks for, and the GeoReport views and errors.
#include "daiban/intake/open311.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "daiban/cases/china_time.hpp"
#include "refusal.hpp"

namespace daiban::intake::open311 {
namespace {

using cases::CaseState;

using daiban::testing::Refusal;

cases::Moment At(const std::string& text) { return *cases::ParseRfc3339(text); }

catalogue::Item HouseholdMove() {
  catalogue::Item item;
  item.code = "GA-002";
  item.name = "户口迁移（市内迁移）";
  item.service_class = catalogue::ServiceClass::kWeRun;
  item.department_code = "JN-GA";
  item.conditions = "在本市范围内有合法稳定住所，符合本市户口迁移政策的居民。";
  item.modes = {catalogue::ProxyMode::kProxy, catalogue::ProxyMode::kAssisted,
                catalogue::ProxyMode::kLed};
  item.delivery_options = {catalogue::DeliveryOption::kWindow, catalogue::DeliveryOption::kExpress};
  for (auto [seq, name, essential] :
       {std::tuple{1, "居民户口簿", true}, std::tuple{2, "申请人居民身份证", true},
        std::tuple{3, "婚姻状况证明", false}}) {
    catalogue::Material material;
    material.seq = seq;
    material.name = name;
    material.essential = essential;
    item.materials.push_back(material);
  }
  return item;
}

Form GoodForm() {
  return {{"api_key", "k"},
          {"service_code", "GA-002"},
          {"last_name", "刘"},
          {"first_name", "市民"},
          {"phone", "13912345678"},
          {"address_string", "历下区解放路1号"},
          {"lat", "36.66"},
          {"long", "117.05"},
          {"attribute[mode]", "proxy"},
          {"attribute[region_code]", "370102001"},
          {"attribute[id_number]", "11010519491231002X"},
          {"attribute[delivery_method]", "express"},
          {"attribute[M1]", "provided"},
          {"attribute[M2]", "provided"}};
}

// A stand-in for the boundaries: 历下区 around (36.66, 117.05), nothing elsewhere.
std::optional<std::string> Locate(kernel::GeoPoint point) {
  if (std::abs(point.lat - 36.66) < 0.05 && std::abs(point.lng - 117.05) < 0.05) {
    return "370102004";
  }
  return std::nullopt;
}

TEST(Open311RegionTest, APositionWithoutRegionCodeIsPlaced) {
  Form form = GoodForm();
  form.erase("attribute[region_code]");
  FillRegionFromPosition(form, Locate);
  EXPECT_EQ(form.at("attribute[region_code]"), "370102004");
  EXPECT_EQ(BuildCaseRequest(form, HouseholdMove(), 7).region_code, "370102004");
  EXPECT_EQ(form.at("address_string"), "历下区解放路1号");  // a given address is kept

  form = GoodForm();
  form.erase("attribute[region_code]");
  form.erase("address_string");
  FillRegionFromPosition(form, Locate);
  EXPECT_EQ(form.at("address_string"), "位置 36.66,117.05（WGS-84）");
}

TEST(Open311RegionTest, AnExplicitRegionCodeIsKept) {
  Form form = GoodForm();
  form["attribute[region_code]"] = "JNGX001";  // a functional zone: chosen only by its code
  form.erase("address_string");
  FillRegionFromPosition(form, Locate);
  EXPECT_EQ(form.at("attribute[region_code]"), "JNGX001");
  EXPECT_EQ(form.at("address_string"), "位置 36.66,117.05（WGS-84）");
}

TEST(Open311RegionTest, APositionOutsideTheCityIsRefusedNamingLatLong) {
  Form form = GoodForm();
  form.erase("attribute[region_code]");
  form["lat"] = "39.9042";  // 北京
  form["long"] = "116.4074";
  try {
    FillRegionFromPosition(form, Locate);
    FAIL() << "accepted";
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(ErrorOf(error).body[0]["code"], 400);
    EXPECT_EQ(ErrorOf(error).body[0]["description"],
              "lat: lat/long (39.9042, 116.4074) is outside the districts of Jinan; give "
              "attribute[region_code]");
  }
}

TEST(Open311RegionTest, AnAddressAloneNeedsARegionCode) {
  Form form = GoodForm();
  form.erase("attribute[region_code]");
  form.erase("lat");
  form.erase("long");
  try {
    FillRegionFromPosition(form, Locate);
    FAIL() << "accepted";
  } catch (const kernel::ApiError& error) {
    auto answer = ErrorOf(error);
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.body[0]["description"],
              "attribute[region_code]: region_code is required when lat and long are not given: "
              "address_string cannot be placed, as there is no geocoder");
  }
  form["lat"] = "36.66";  // half a position is a bad position
  EXPECT_EQ(Refusal([&] { FillRegionFromPosition(form, Locate); }),
            std::make_pair(422, std::string("long")));
}

TEST(Open311FormTest, DecodesPlusPercentAndUtf8) {
  auto form = ParseForm("a=1+2&b=%E5%88%98%2B&attribute%5BM1%5D=provided&&empty=&bare");
  EXPECT_EQ(form.at("a"), "1 2");
  EXPECT_EQ(form.at("b"), "刘+");
  EXPECT_EQ(form.at("attribute[M1]"), "provided");
  EXPECT_EQ(form.at("empty"), "");
  EXPECT_EQ(form.at("bare"), "");
  EXPECT_EQ(form.size(), 5u);
  EXPECT_TRUE(ParseForm("").empty());
}

TEST(Open311FormTest, RefusesMalformedAndRepeatedFields) {
  EXPECT_EQ(Refusal([] { ParseForm("a=%ZZ"); }), std::make_pair(400, std::string("a")));
  EXPECT_EQ(Refusal([] { ParseForm("a=%FF"); }).first, 400);  // not UTF-8
  EXPECT_EQ(Refusal([] { ParseForm("=x"); }).first, 400);
  EXPECT_EQ(Refusal([] { ParseForm("phone=1&phone=2"); }),
            std::make_pair(400, std::string("phone")));
}

TEST(Open311FormTest, ContentType) {
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsFormContentType("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
  EXPECT_FALSE(IsFormContentType("application/json"));
  EXPECT_FALSE(IsFormContentType("multipart/form-data; boundary=x"));
  EXPECT_FALSE(IsFormContentType(""));
}

TEST(Open311FormatTest, OnlyJson) {
  EXPECT_EQ(StripFormat("SCJG-001.json"), "SCJG-001");
  EXPECT_EQ(StripFormat("A.1.JSON"), "A.1");
  EXPECT_EQ(Refusal([] { StripFormat("SCJG-001.xml"); }).first, 400);
  EXPECT_EQ(Refusal([] { StripFormat("SCJG-001"); }).first, 404);
  EXPECT_EQ(Refusal([] { StripFormat(".json"); }).first, 404);
  EXPECT_EQ(Refusal([] { StripFormat(""); }).first, 404);
}

TEST(Open311QueryTest, RequestIdsOverrideEverythingElse) {
  auto query = ParseRequestQuery(
      {{"service_request_id", "db0123456789x, DB-ABCDEFGHJK1,"}, {"status", "bogus"}},
      At("2026-12-01T10:00:00+08:00"));
  ASSERT_EQ(query.tracking_numbers.size(), 2u);
  EXPECT_EQ(query.tracking_numbers[0], "DB0123456789X");
  EXPECT_EQ(query.tracking_numbers[1], "DBABCDEFGHJK1");
  EXPECT_FALSE(query.from);
  EXPECT_FALSE(query.open);
}

TEST(Open311QueryTest, DatesDefaultToTheLast90Days) {
  auto now = At("2026-12-01T10:00:00+08:00");
  auto query = ParseRequestQuery({}, now);
  ASSERT_TRUE(query.from);
  EXPECT_EQ(now - *query.from, std::chrono::days(90));
  EXPECT_FALSE(query.to);
  EXPECT_EQ(query.limit, 1000);

  query = ParseRequestQuery({{"start_date", "2026-11-01T00:00:00Z"},
                             {"end_date", "2026-11-30"},
                             {"status", "closed"},
                             {"service_code", "GA-002"}},
                            now);
  EXPECT_EQ(*query.from, At("2026-11-01T00:00:00Z"));
  EXPECT_EQ(*query.to, At("2026-11-30T23:59:59+08:00"));
  EXPECT_EQ(query.open, false);
  EXPECT_EQ(query.service_code, "GA-002");
  EXPECT_FALSE(ParseRequestQuery({{"status", "open,closed"}}, now).open);
  EXPECT_EQ(ParseRequestQuery({{"status", "open"}}, now).open, true);
}

TEST(Open311QueryTest, RefusesBadArguments) {
  auto now = At("2026-12-01T10:00:00+08:00");
  EXPECT_EQ(Refusal([&] {
              ParseRequestQuery({{"start_date", "yesterday"}}, now);
            }),
            std::make_pair(400, std::string("start_date")));
  EXPECT_EQ(Refusal([&] {
              ParseRequestQuery({{"start_date", "2026-01-01"}, {"end_date", "2026-12-01"}}, now);
            }),
            std::make_pair(400, std::string("end_date")));
  EXPECT_EQ(Refusal([&] {
              ParseRequestQuery({{"start_date", "2026-12-01"}, {"end_date", "2026-11-01"}}, now);
            }).first,
            400);
  EXPECT_EQ(Refusal([&] {
              ParseRequestQuery({{"status", "pending"}}, now);
            }),
            std::make_pair(400, std::string("status")));
}

TEST(Open311SubmitTest, BuildsTheCaseRequest) {
  auto request = BuildCaseRequest(GoodForm(), HouseholdMove(), 7);
  EXPECT_EQ(request.item_code, "GA-002");
  EXPECT_TRUE(request.bundle_code.empty());
  EXPECT_EQ(request.mode, "proxy");
  EXPECT_EQ(request.region_code, "370102001");
  EXPECT_EQ(request.open311_key_id, 7);
  EXPECT_EQ(request.applicant.name, "刘市民");  // family name first
  EXPECT_EQ(request.applicant.kind, cases::ApplicantKind::kCitizen);
  EXPECT_EQ(request.applicant.phone, "13912345678");
  EXPECT_EQ(request.applicant.id_number, "11010519491231002X");
  EXPECT_DOUBLE_EQ(request.applicant.location.lat, 36.66);
  EXPECT_DOUBLE_EQ(request.applicant.location.lng, 117.05);
  EXPECT_EQ(request.delivery.method, cases::DeliveryMethod::kExpress);
  EXPECT_EQ(request.delivery.address, "历下区解放路1号");  // address_string by default
  ASSERT_TRUE(request.delivery.location);
  EXPECT_DOUBLE_EQ(request.delivery.location->lat, 36.66);
  ASSERT_EQ(request.materials.size(), 3u);
  EXPECT_TRUE(request.materials[0].provided);
  EXPECT_EQ(request.materials[2].item_seq, 3);
  EXPECT_FALSE(request.materials[2].provided);  // non-essential, not sent: missing
  EXPECT_FALSE(request.appointment_at);
}

TEST(Open311SubmitTest, OptionalAttributes) {
  auto form = GoodForm();
  form["attribute[delivery_address]"] = "市中区经七路1号";
  form["attribute[appointment_at]"] = "2026-12-02T10:00:00+08:00";
  form["attribute[applicant_kind]"] = "firm";
  form["attribute[firm_name]"] = "济南示例有限公司";
  form["attribute[firm_credit_code]"] = "91370100MA3C000000";
  form["attribute[M3]"] = "missing";
  form["description"] = "ignored";
  auto request = BuildCaseRequest(form, HouseholdMove(), 1);
  EXPECT_EQ(request.delivery.address, "市中区经七路1号");
  EXPECT_EQ(request.appointment_at, At("2026-12-02T10:00:00+08:00"));
  EXPECT_EQ(request.applicant.kind, cases::ApplicantKind::kFirm);
  EXPECT_EQ(request.applicant.firm_name, "济南示例有限公司");
  EXPECT_EQ(request.applicant.firm_credit_code, "91370100MA3C000000");

  form["attribute[delivery_method]"] = "window";
  EXPECT_EQ(BuildCaseRequest(form, HouseholdMove(), 1).delivery.method,
            cases::DeliveryMethod::kWindow);
}

TEST(Open311SubmitTest, ModeAndDeliveryHaveDefaultsAGenericClientNeedNotKnow) {
  auto form = GoodForm();
  form.erase("attribute[mode]");
  form.erase("attribute[delivery_method]");
  auto request = BuildCaseRequest(form, HouseholdMove(), 1);
  EXPECT_EQ(request.mode, "proxy") << "the item's first offered mode";
  EXPECT_EQ(request.delivery.method, cases::DeliveryMethod::kWindow);
  auto definition = ServiceDefinitionJson(HouseholdMove());
  for (const auto& attribute : definition["attributes"]) {
    if (attribute["code"] == "mode" || attribute["code"] == "delivery_method") {
      EXPECT_EQ(attribute["required"], false) << attribute.dump();
    }
  }
}

TEST(Open311SubmitTest, IdNumberAndMaterialsAreLeftToTheWindow) {
  auto form = GoodForm();
  form.erase("attribute[id_number]");
  form.erase("attribute[M1]");
  form.erase("attribute[M2]");
  form["description"] = "市内迁移，委托代办";
  auto request = BuildCaseRequest(form, HouseholdMove(), 1);
  EXPECT_TRUE(request.collect_at_window);
  EXPECT_TRUE(request.applicant.id_number.empty());
  EXPECT_EQ(request.open311_description, "市内迁移，委托代办");
  ASSERT_EQ(request.materials.size(), 3u);
  for (const auto& m : request.materials) EXPECT_FALSE(m.provided) << m.item_seq;
  auto definition = ServiceDefinitionJson(HouseholdMove());
  for (const auto& attribute : definition["attributes"]) {
    EXPECT_EQ(attribute["required"], false) << attribute.dump();
  }
}

TEST(Open311SubmitTest, RefusalsNameTheOpen311Field) {
  auto refused = [](const std::string& name, const std::string& value) {
    auto form = GoodForm();
    if (value == "<erase>") {
      form.erase(name);
    } else {
      form[name] = value;
    }
    return Refusal([&] { BuildCaseRequest(form, HouseholdMove(), 1); });
  };
  EXPECT_EQ(refused("attribute[M1]", "yes"), std::make_pair(422, std::string("attribute[M1]")));
  EXPECT_EQ(refused("attribute[M9]", "provided"),
            std::make_pair(422, std::string("attribute[M9]")));
  EXPECT_EQ(refused("attribute[colour]", "red"),
            std::make_pair(422, std::string("attribute[colour]")));
  EXPECT_EQ(refused("attributes", "x"), std::make_pair(422, std::string("attributes")));
  EXPECT_EQ(refused("attribute[delivery_method]", "pigeon"),
            std::make_pair(422, std::string("attribute[delivery_method]")));
  EXPECT_EQ(refused("attribute[applicant_kind]", "robot"),
            std::make_pair(422, std::string("attribute[applicant_kind]")));
  EXPECT_EQ(refused("attribute[appointment_at]", "tomorrow"),
            std::make_pair(422, std::string("attribute[appointment_at]")));
  EXPECT_EQ(refused("lat", "<erase>"), std::make_pair(422, std::string("lat")));
  EXPECT_EQ(refused("long", "117.05E"), std::make_pair(422, std::string("long")));
}

TEST(Open311ErrorTest, ValidationIs400WithTheFieldAsClientsKnowIt) {
  auto error = ErrorOf(kernel::Invalid("applicant.phone", "phone must be an 11-digit number"));
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.body,
            kernel::Json::parse(
                R"([{"code":400,"description":"phone: phone must be an 11-digit number"}])"));
  EXPECT_EQ(FieldName("mode"), "attribute[mode]");
  EXPECT_EQ(FieldName("applicant.name"), "last_name");
  EXPECT_EQ(FieldName("item_code"), "service_code");
  EXPECT_EQ(FieldName("start_date"), "start_date");

  auto missing = ErrorOf(kernel::NotFound("no service 'X'"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body[0]["code"], 404);
  EXPECT_EQ(missing.body[0]["description"], "no service 'X'");
  EXPECT_EQ(ErrorOf(kernel::DependencyUnavailable("postgres")).status, 503);
  EXPECT_EQ(ErrorOf(kernel::Forbidden("api_key is required")).body[0]["code"], 403);
}

TEST(Open311ViewTest, ServiceAndItsDefinition) {
  auto item = HouseholdMove();
  auto service = ServiceJson(item, "济南市公安局");
  EXPECT_EQ(service["service_code"], "GA-002");
  EXPECT_EQ(service["metadata"], true);
  EXPECT_EQ(service["type"], "batch");
  EXPECT_EQ(service["keywords"], "你不用跑我来跑,代办,帮办,领办");
  EXPECT_EQ(service["group"], "济南市公安局");
  EXPECT_EQ(service["description"], item.conditions);

  auto definition = ServiceDefinitionJson(item);
  EXPECT_EQ(definition["service_code"], "GA-002");
  std::map<std::string, kernel::Json> by_code;
  int order = 0;
  for (const auto& attribute : definition["attributes"]) {
    EXPECT_EQ(attribute["variable"], true);
    EXPECT_EQ(attribute["order"], ++order);
    EXPECT_TRUE(attribute["datatype_description"].is_string());
    by_code[attribute["code"]] = attribute;
  }
  EXPECT_EQ(by_code.size(), 12u);
  EXPECT_EQ(by_code["M1"]["required"], false);  // the window collects it
  EXPECT_EQ(by_code["M1"]["description"], "居民户口簿");
  EXPECT_EQ(by_code["M3"]["required"], false);
  EXPECT_EQ(by_code["M3"]["values"][1]["key"], "missing");
  EXPECT_EQ(by_code["mode"]["values"].size(), 3u);
  EXPECT_EQ(by_code["mode"]["values"][2]["name"], "领办");
  EXPECT_EQ(by_code["delivery_method"]["values"][0]["key"], "window");
  EXPECT_EQ(by_code["delivery_method"]["values"].size(), 2u);
  EXPECT_EQ(by_code["appointment_at"]["datatype"], "datetime");
  EXPECT_EQ(by_code["region_code"]["required"], false);  // lat/long place the request
  EXPECT_FALSE(by_code["region_code"].contains("values"));
}

TEST(Open311ViewTest, ServiceDescriptionIsShortened) {
  auto item = HouseholdMove();
  item.conditions = std::string(300, 'a');
  auto description = ServiceJson(item, "")["description"].get<std::string>();
  EXPECT_EQ(description, std::string(99, 'a') + "…");
}

// A request the window turned down for `reason`, with an address and a position to hide.
cases::ServiceRequest RejectedRequest(const std::string& reason) {
  cases::ServiceRequest row;
  row.tracking_number = "DB0123456789X";
  row.state = CaseState::kRejected;
  row.reason = reason;
  row.service_code = "GA-002";
  row.service_name = "户口迁移（市内迁移）";
  row.agency = "济南市公安局";
  row.requested_at = At("2026-12-01T10:00:00+08:00");
  row.updated_at = At("2026-12-01T11:00:00+08:00");
  row.address = "济南市历下区解放路1号3单元";
  row.lat = 36.66049;
  row.lng = 117.05051;
  return row;
}

TEST(Open311ViewTest, RequestShowsNoPersonalDataInFull) {
  cases::ServiceRequest row = RejectedRequest("材料不全");
  auto json = RequestJson(row);
  EXPECT_EQ(json["service_request_id"], "DB0123456789X");
  EXPECT_EQ(json["status"], "closed");
  EXPECT_EQ(json["status_notes"], "不予受理：材料不全");
  EXPECT_EQ(json["agency_responsible"], "济南市公安局");
  EXPECT_EQ(json["requested_datetime"], "2026-12-01T10:00:00+08:00");
  EXPECT_EQ(json["updated_datetime"], "2026-12-01T11:00:00+08:00");
  EXPECT_TRUE(json["expected_datetime"].is_null());
  EXPECT_EQ(json["address"], "济南市历下区****");
  EXPECT_DOUBLE_EQ(json["lat"].get<double>(), 36.660);
  EXPECT_DOUBLE_EQ(json["long"].get<double>(), 117.051);
  EXPECT_EQ(json["media_url"], "");

  row.state = CaseState::kAccepted;
  row.reason = "";
  row.expected_at = At("2026-12-08T17:00:00+08:00");
  json = RequestJson(row);
  EXPECT_EQ(json["status"], "open");
  EXPECT_EQ(json["status_notes"], "已受理，待派代办员");
  EXPECT_EQ(json["expected_datetime"], "2026-12-08T17:00:00+08:00");
  cases::ServiceRequest short_address;
  short_address.address = "短";
  EXPECT_EQ(RequestJson(short_address)["address"], "****");
}

TEST(Open311ViewTest, PublicViewShowsTheStateAndTheServiceOnly) {
  cases::ServiceRequest row = RejectedRequest("申请人身份证已过期");
  row.description = "市内迁移";
  auto json = PublicRequestJson(row);
  EXPECT_EQ(json["service_request_id"], "DB0123456789X");
  EXPECT_EQ(json["status"], "closed");
  EXPECT_EQ(json["status_notes"], "不予受理") << "a reason may be personal";
  EXPECT_EQ(json["service_code"], "GA-002");
  EXPECT_EQ(json["agency_responsible"], "济南市公安局");
  EXPECT_EQ(json["updated_datetime"], "2026-12-01T11:00:00+08:00");
  for (const char* hidden : {"description", "address", "lat", "long", "address_id", "zipcode",
                             "media_url", "service_notice", "expected_datetime"}) {
    EXPECT_FALSE(json.contains(hidden)) << hidden;
  }
  EXPECT_EQ(RequestJson(row)["description"], "市内迁移") << "the full view has it";
}

TEST(Open311FormTest, DescriptionIsOptionalAndBounded) {
  EXPECT_EQ(Description({}), "");
  EXPECT_EQ(Description({{"description", "市内迁移"}}), "市内迁移");
  Form too_long = {{"description", std::string(kMaxDescriptionBytes + 1, 'x')}};
  EXPECT_EQ(Refusal([&] { Description(too_long); }),
            std::make_pair(422, std::string("description")));
}

TEST(Open311ViewTest, DiscoveryNamesTheOneProductionEndpoint) {
  auto json = DiscoveryJson("https://gov.example/open311/v2");
  EXPECT_TRUE(json["changeset"].is_string());
  EXPECT_TRUE(json["contact"].is_string());
  EXPECT_TRUE(json["key_service"].is_string());
  ASSERT_EQ(json["endpoints"].size(), 1u);
  const auto& endpoint = json["endpoints"][0];
  EXPECT_EQ(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
  EXPECT_EQ(endpoint["url"], "https://gov.example/open311/v2");
  EXPECT_EQ(endpoint["type"], "production");
  EXPECT_EQ(endpoint["formats"], kernel::Json::array({"application/json"}));
  EXPECT_EQ(endpoint["changeset"], json["changeset"]);
}

TEST(Open311ViewTest, StatusNotesForEveryState) {
  for (auto state : cases::kAllCaseStates) EXPECT_FALSE(StatusNotes(state, "").empty());
  EXPECT_EQ(StatusNotes(CaseState::kSuspended, "等待申请人补充材料"),
            "办理中止：等待申请人补充材料");
  EXPECT_NE(SubmissionNotice("ABCD1234").find("受理查询码 ABCD1234"), std::string::npos);
}

}  // namespace
}  // namespace daiban::intake::open311
