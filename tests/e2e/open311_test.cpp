// The Open311 GeoReport v2 facade through the gateway, on the demo data and the demo client
// key that deploy/local/test.sh loads (GA-002 户口迁移: materials 1, 2, 3, 5 essential, 4 not).
// Every refusal under /open311/v2/ is GeoReport's error array, never the project's error JSON.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using nlohmann::json;

constexpr const char* kDemoKey = "daiban-demo-open311-key";

// application/x-www-form-urlencoded, UTF-8, as an HTML form or curl --data-urlencode sends it.
std::string FormEncode(const std::map<std::string, std::string>& fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    for (const std::string* text : {&name, &value}) {
      for (unsigned char c : *text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else if (c == ' ') {
          out += '+';
        } else {
          out += '%';
          out += kHex[c >> 4];
          out += kHex[c & 0x0f];
        }
      }
      if (text == &name) out += '=';
    }
  }
  return out;
}

std::map<std::string, std::string> GoodForm() {
  return {{"api_key", kDemoKey},
          {"service_code", "GA-002"},
          {"last_name", "刘"},
          {"first_name", "市民"},
          {"phone", "13912345678"},
          {"address_string", "历下区解放路1号 3单元"},
          {"lat", "36.66"},
          {"long", "117.05"},
          {"description", "市内迁移，委托代办"},
          {"attribute[mode]", "proxy"},
          {"attribute[region_code]", "370102001"},
          {"attribute[id_number]", "11010519491231002X"},
          {"attribute[delivery_method]", "express"},
          {"attribute[M1]", "provided"},
          {"attribute[M2]", "provided"},
          {"attribute[M3]", "provided"},
          {"attribute[M4]", "missing"},
          {"attribute[M5]", "provided"}};
}

RawResponse Post(const std::map<std::string, std::string>& form) {
  return Gateway("POST", "/open311/v2/requests.json", FormEncode(form),
                 {{"Content-Type", "application/x-www-form-urlencoded"}});
}

// GeoReport v2 errors: [{"code": <the HTTP status>, "description": "..."}].
void ExpectGeoReportError(const RawResponse& response, int status,
                          const std::string& description_start = {}) {
  EXPECT_EQ(response.status, status) << response.body;
  auto body = json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_array()) << "not a GeoReport error: " << response.body;
  ASSERT_EQ(body.size(), 1u) << response.body;
  EXPECT_EQ(body[0]["code"], status) << response.body;
  ASSERT_TRUE(body[0]["description"].is_string()) << response.body;
  auto description = body[0]["description"].get<std::string>();
  EXPECT_FALSE(description.empty());
  if (!description_start.empty()) {
    EXPECT_EQ(description.rfind(description_start, 0), 0u) << description;
  }
}

TEST(Open311E2eTest, ServicesAreTheOfferedItems) {
  auto response = Gateway("GET", "/open311/v2/services.json");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.Header("content-type").value_or("").find("application/json"),
            std::string::npos);
  auto services = Body(response);
  ASSERT_TRUE(services.is_array());
  EXPECT_GE(services.size(), 20u);
  std::map<std::string, json> by_code;
  for (const auto& service : services) {
    by_code[service["service_code"]] = service;
    EXPECT_EQ(service["metadata"], true);
    EXPECT_EQ(service["type"], "batch");
    EXPECT_TRUE(service["service_name"].is_string());
    EXPECT_TRUE(service["description"].is_string());
    EXPECT_TRUE(service["group"].is_string());
    EXPECT_NE(service["service_code"].get<std::string>().rfind("BDL-", 0), 0u)
        << "bundles are not Open311 services";
  }
  ASSERT_TRUE(by_code.count("SCJG-001"));
  EXPECT_EQ(by_code["SCJG-001"]["service_name"], "有限责任公司设立登记");
  EXPECT_EQ(by_code["SCJG-001"]["group"], "济南市市场监督管理局");
  EXPECT_EQ(by_code["SCJG-001"]["keywords"], "你不用跑我来跑,代办,帮办,领办");
  ASSERT_TRUE(by_code.count("GA-002"));
}

TEST(Open311E2eTest, AServiceDefinitionListsMaterialsAndChoices) {
  auto response = Gateway("GET", "/open311/v2/services/GA-002.json");
  ASSERT_EQ(response.status, 200) << response.body;
  auto definition = Body(response);
  EXPECT_EQ(definition["service_code"], "GA-002");
  std::map<std::string, json> by_code;
  for (const auto& attribute : definition["attributes"]) {
    EXPECT_EQ(attribute["variable"], true);
    EXPECT_TRUE(attribute["order"].is_number_integer());
    EXPECT_TRUE(attribute["datatype_description"].is_string());
    by_code[attribute["code"]] = attribute;
  }
  // The window collects what a generic client cannot send: no attribute is required.
  for (const std::string code : {"M1", "M2", "M3", "M4", "M5"}) {
    EXPECT_EQ(by_code[code]["required"], false) << code;
    EXPECT_EQ(by_code[code]["datatype"], "singlevaluelist") << code;
  }
  EXPECT_EQ(by_code["M1"]["description"], "居民户口簿");
  EXPECT_EQ(by_code["M1"]["values"],
            json::parse(R"([{"key":"provided","name":"已提供"},{"key":"missing","name":"缺少"}])"));
  EXPECT_EQ(by_code["mode"]["values"].size(), 3u);
  EXPECT_EQ(by_code["delivery_method"]["values"].size(), 2u);
  // A generic client need not know them: the item's default mode, window pick-up, the region
  // placed by lat/long, the ID number recorded at the window.
  for (const std::string code : {"mode", "delivery_method", "region_code", "id_number"}) {
    EXPECT_EQ(by_code[code]["required"], false) << code;
  }
  EXPECT_EQ(by_code["appointment_at"]["datatype"], "datetime");
  for (const std::string code :
       {"delivery_address", "applicant_kind", "firm_name", "firm_credit_code"}) {
    EXPECT_EQ(by_code[code]["required"], false) << code;
  }
}

TEST(Open311E2eTest, ASubmittedRequestIsFoundByIdAndInTheList) {
  auto response = Post(GoodForm());
  ASSERT_EQ(response.status, 200) << response.body;
  auto answer = Body(response);
  ASSERT_TRUE(answer.is_array());
  ASSERT_EQ(answer.size(), 1u);
  std::string id = answer[0]["service_request_id"];
  EXPECT_EQ(id.rfind("DB", 0), 0u);
  EXPECT_TRUE(answer[0]["account_id"].is_null());
  std::string notice = answer[0]["service_notice"];
  const std::string marker = "受理查询码 ";
  auto at = notice.find(marker);
  ASSERT_NE(at, std::string::npos) << notice;
  std::string access_code = notice.substr(at + marker.size(), 8);

  // The applicant follows the same case with the access code the client passed on.
  auto applicant_view = Gateway("GET", "/api/v1/cases/" + id + "?code=" + access_code);
  ASSERT_EQ(applicant_view.status, 200) << applicant_view.body;
  EXPECT_EQ(Body(applicant_view)["state"], "submitted");

  auto one = Gateway("GET", "/open311/v2/requests/" + id + ".json?api_key=" + kDemoKey);
  ASSERT_EQ(one.status, 200) << one.body;
  auto requests = Body(one);
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request["service_request_id"], id);
  EXPECT_EQ(request["status"], "open");
  EXPECT_EQ(request["status_notes"], "已提交，待窗口受理");
  EXPECT_EQ(request["service_code"], "GA-002");
  EXPECT_EQ(request["service_name"], "户口迁移（市内迁移）");
  EXPECT_EQ(request["agency_responsible"], "济南市公安局");
  EXPECT_EQ(request["description"], "市内迁移，委托代办");
  EXPECT_TRUE(request["expected_datetime"].is_null()) << "no deadline before acceptance";
  EXPECT_EQ(request["requested_datetime"].get<std::string>().substr(19), "+08:00");
  EXPECT_DOUBLE_EQ(request["lat"].get<double>(), 36.66);
  EXPECT_DOUBLE_EQ(request["long"].get<double>(), 117.05);
  EXPECT_EQ(request["address"].get<std::string>().find("3单元"), std::string::npos)
      << "the address is masked";
  EXPECT_EQ(one.body.find("13912345678"), std::string::npos) << "no phone";
  EXPECT_EQ(one.body.find("11010519491231002X"), std::string::npos) << "no ID number";

  auto listed = Body(Gateway("GET", std::string("/open311/v2/requests.json?api_key=") + kDemoKey +
                                        "&service_code=GA-002&status=open"));
  ASSERT_TRUE(listed.is_array());
  bool found = false;
  for (const auto& r : listed) {
    found = found || r["service_request_id"] == id;
    EXPECT_EQ(r["service_code"], "GA-002");
    EXPECT_EQ(r["status"], "open");
  }
  EXPECT_TRUE(found) << id << " not in " << listed.dump();
  auto by_id = Body(Gateway("GET", std::string("/open311/v2/requests.json?api_key=") + kDemoKey +
                                       "&service_request_id=" + id));
  ASSERT_EQ(by_id.size(), 1u);
  EXPECT_EQ(by_id[0]["service_request_id"], id);
  auto closed = Body(Gateway("GET", std::string("/open311/v2/requests.json?api_key=") + kDemoKey +
                                        "&status=closed&service_code=GA-002"));
  for (const auto& r : closed) EXPECT_NE(r["service_request_id"], id);
}

TEST(Open311E2eTest, TheApiKeyIsRequiredAndChecked) {
  auto form = GoodForm();
  form["api_key"] = "not-a-registered-key";
  ExpectGeoReportError(Post(form), 403);
  form.erase("api_key");
  ExpectGeoReportError(Post(form), 403);
  // Reads without any key are the public view; a key given must be valid.
  ExpectGeoReportError(Gateway("GET", "/open311/v2/requests.json?api_key="), 403);
  ExpectGeoReportError(Gateway("GET", "/open311/v2/requests.json?api_key=nope"), 403);
  ExpectGeoReportError(Gateway("GET", "/open311/v2/requests/DB0000000000X.json?api_key=nope"), 403);
}

// A generic GeoReport v2 client, written from the specification's examples: it knows the
// fields the specification defines and, from the service definition, the attributes it must
// send. No key on reads.
TEST(Open311E2eTest, AGenericClientSubmitsAndReadsBackPublicAndFull) {
  // POST Service Request, as the specification's example sends it (jurisdiction_id included).
  std::map<std::string, std::string> form = {{"jurisdiction_id", "jinan.gov.cn"},
                                             {"api_key", kDemoKey},
                                             {"service_code", "GA-002"},
                                             {"lat", "36.66"},
                                             {"long", "117.05"},
                                             {"address_string", "历下区泉城路1号"},
                                             {"email", "citizen@example.org"},
                                             {"device_id", "tt222111"},
                                             {"account_id", ""},
                                             {"first_name", "市民"},
                                             {"last_name", "张"},
                                             {"phone", "13912345678"},
                                             {"description", "户口从历下区迁到市中区"},
                                             {"media_url", ""}};
  // The service definition's required attributes, with the first offered value of each list:
  // there are none, so the client sends no attribute at all.
  auto definition = Body(Gateway("GET", "/open311/v2/services/GA-002.json?jurisdiction_id=x"));
  for (const auto& attribute : definition["attributes"]) {
    if (!attribute["required"].get<bool>()) continue;
    std::string value;
    if (attribute.contains("values")) value = attribute["values"][0]["key"];
    form["attribute[" + attribute["code"].get<std::string>() + "]"] = value;
  }
  for (const auto& [name, value] : form) {
    EXPECT_NE(name.rfind("attribute", 0), 0u) << "a Daiban attribute: " << name;
  }
  auto submitted = Post(form);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  std::string id = Body(submitted)[0]["service_request_id"];

  // GET Service Request without a key: public fields only.
  auto open = Gateway("GET", "/open311/v2/requests/" + id + ".json?jurisdiction_id=jinan.gov.cn");
  ASSERT_EQ(open.status, 200) << open.body;
  auto publicly = Body(open);
  ASSERT_EQ(publicly.size(), 1u);
  EXPECT_EQ(publicly[0]["service_request_id"], id);
  EXPECT_EQ(publicly[0]["status"], "open");
  EXPECT_EQ(publicly[0]["service_code"], "GA-002");
  EXPECT_TRUE(publicly[0]["requested_datetime"].is_string());
  EXPECT_TRUE(publicly[0]["updated_datetime"].is_string());
  for (const char* hidden : {"description", "address", "lat", "long", "media_url", "zipcode"}) {
    EXPECT_FALSE(publicly[0].contains(hidden)) << hidden << " in " << open.body;
  }
  for (const char* secret : {"13912345678", "泉城路", "户口从历下区", "citizen@example.org"}) {
    EXPECT_EQ(open.body.find(secret), std::string::npos) << secret;
  }
  auto by_id = Body(Gateway("GET", "/open311/v2/requests.json?service_request_id=" + id));
  ASSERT_EQ(by_id.size(), 1u);
  EXPECT_EQ(by_id[0], publicly[0]);

  // With the key of the client that submitted it: in full, with its description.
  auto full = Body(Gateway("GET", "/open311/v2/requests/" + id + ".json?api_key=" + kDemoKey +
                                      "&jurisdiction_id=jinan.gov.cn"));
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0]["description"], "户口从历下区迁到市中区");
  EXPECT_DOUBLE_EQ(full[0]["lat"].get<double>(), 36.66);

  // GET Service Requests without a key and without ids: nothing to enumerate.
  auto listed = Gateway("GET", "/open311/v2/requests.json?jurisdiction_id=jinan.gov.cn");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Body(listed), json::array());
  EXPECT_EQ(Body(Gateway("GET", "/open311/v2/requests.json?status=open")), json::array());
  ExpectGeoReportError(Gateway("GET", "/open311/v2/requests/DB0000000000X.json"), 404);
}

TEST(Open311E2eTest, DiscoveryNamesTheProductionEndpoint) {
  auto response = Gateway("GET", "/open311/v2/discovery.json?jurisdiction_id=jinan.gov.cn");
  ASSERT_EQ(response.status, 200) << response.body;
  auto discovery = Body(response);
  EXPECT_TRUE(discovery["changeset"].is_string());
  EXPECT_TRUE(discovery["contact"].is_string());
  EXPECT_TRUE(discovery["key_service"].is_string());
  ASSERT_EQ(discovery["endpoints"].size(), 1u);
  const auto& endpoint = discovery["endpoints"][0];
  EXPECT_EQ(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
  EXPECT_EQ(endpoint["type"], "production");
  EXPECT_EQ(endpoint["formats"], json::array({"application/json"}));
  std::string url = endpoint["url"];
  const std::string suffix = "/open311/v2";
  ASSERT_GE(url.size(), suffix.size());
  EXPECT_EQ(url.substr(url.size() - suffix.size()), suffix);
  // The endpoint it names answers: the services list.
  EXPECT_EQ(Gateway("GET", "/open311/v2/services.json?jurisdiction_id=jinan.gov.cn").status, 200);
  ExpectGeoReportError(Gateway("GET", "/open311/v2/discovery.xml"), 400);
}

TEST(Open311E2eTest, ValidationErrorsAre400NamingTheField) {
  auto form = GoodForm();
  form["phone"] = "12345";
  ExpectGeoReportError(Post(form), 400, "phone: ");
  form = GoodForm();
  form["attribute[M2]"] = "yes";
  ExpectGeoReportError(Post(form), 400, "attribute[M2]: ");
  form = GoodForm();
  form["attribute[id_number]"] = "110105194912310021";  // check character wrong
  ExpectGeoReportError(Post(form), 400, "attribute[id_number]: ");
  form = GoodForm();
  form["attribute[mode]"] = "walk";
  ExpectGeoReportError(Post(form), 400, "attribute[mode]: ");
  form = GoodForm();
  form["lat"] = "39.9";  // Beijing
  form["long"] = "116.4";
  ExpectGeoReportError(Post(form), 400, "lat: ");
  form = GoodForm();
  form["service_code"] = "NO-SUCH";
  ExpectGeoReportError(Post(form), 400, "service_code: ");
  ExpectGeoReportError(Gateway("GET", std::string("/open311/v2/requests.json?api_key=") + kDemoKey +
                                          "&start_date=yesterday"),
                       400, "start_date: ");
  // A JSON body is not a GeoReport request.
  ExpectGeoReportError(Gateway("POST", "/open311/v2/requests.json", "{\"api_key\":\"x\"}"), 400,
                       "Content-Type: ");
}

// A client that knows only GeoReport, with the fields of the specification's example request
// and no Daiban attribute: the position places the request, the window collects the ID number
// and the materials.
std::map<std::string, std::string> SpecForm() {
  return {{"api_key", kDemoKey},     {"service_code", "GA-002"},
          {"lat", "36.6610"},  // 泉城广场, 历下区
          {"long", "117.0211"},      {"description", "市内迁移，委托代办"},
          {"first_name", "市民"},    {"last_name", "刘"},
          {"phone", "13912345678"},  {"email", "liu@example.cn"},
          {"device_id", "tt222111"}, {"media_url", ""}};
}

TEST(Open311E2eTest, APositionWithoutRegionCodeIsPlacedByTheDistrictBoundaries) {
  auto response = Post(SpecForm());
  ASSERT_EQ(response.status, 200) << response.body;
  auto answer = Body(response);
  std::string id = answer[0]["service_request_id"];
  std::string notice = answer[0]["service_notice"];
  const std::string marker = "受理查询码 ";
  auto at = notice.find(marker);
  ASSERT_NE(at, std::string::npos) << notice;
  auto view =
      Gateway("GET", "/api/v1/cases/" + id + "?code=" + notice.substr(at + marker.size(), 8));
  ASSERT_EQ(view.status, 200) << view.body;
  // 历下区 by point in polygon, then its nearest street centre: 泉城路街道.
  EXPECT_EQ(Body(view)["region_code"], "370102004") << view.body;
  EXPECT_EQ(Body(view)["to_collect"],
            json::parse(R"({"id_number": true, "materials": [1, 2, 3, 4, 5]})"));

  // The window of 历下区 accepts it once it has what the client could not send.
  auto window = Bearer(StaffLogin("13800000003"));
  auto staff_view = Gateway("GET", "/api/v1/cases/" + id, "", window);
  ASSERT_EQ(staff_view.status, 200) << staff_view.body;
  EXPECT_EQ(Body(staff_view)["to_collect"]["id_number"], true);
  const std::string accept = "/api/v1/cases/" + id + "/accept";
  auto no_id = Gateway("POST", accept,
                       R"({"received_materials": [1, 2, 3, 5],
                           "deferrals": [{"seq": 4, "promised_date": "2099-12-31"}]})",
                       window);
  ExpectErrorJson(no_id, 422, "");
  EXPECT_EQ(Body(no_id)["error"]["field"], "id_number") << no_id.body;
  auto no_materials = Gateway("POST", accept, R"({"id_number": "11010519491231002X"})", window);
  EXPECT_EQ(no_materials.status, 409) << no_materials.body;
  auto accepted = Gateway("POST", accept,
                          R"({"id_number": "11010519491231002X",
                              "received_materials": [1, 2, 3, 5],
                              "deferrals": [{"seq": 4, "promised_date": "2099-12-31"}]})",
                          window);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(Body(accepted)["state"], "accepted");
  EXPECT_EQ(Body(accepted)["to_collect"], json::parse(R"({"id_number": false, "materials": []})"));
  EXPECT_EQ(Body(accepted)["applicant"]["id_number"], "1101**********002X");

  // An explicit region code still wins over the position.
  auto form = SpecForm();
  form["attribute[region_code]"] = "370102001";
  auto explicit_region = Post(form);
  ASSERT_EQ(explicit_region.status, 200) << explicit_region.body;
}

TEST(Open311E2eTest, APositionOutsideTheCityOrAnAddressAloneIsRefused) {
  auto form = SpecForm();
  form["lat"] = "39.9042";  // 北京
  form["long"] = "116.4074";
  ExpectGeoReportError(Post(form), 400, "lat: lat/long (39.9042, 116.4074) is outside");
  form = SpecForm();
  form.erase("lat");
  form.erase("long");
  form["address_string"] = "历下区解放路1号";
  ExpectGeoReportError(Post(form), 400, "attribute[region_code]: region_code is required");
}

// intake restarted with another DAIBAN_OPEN311_KEY_RATE, restored (and restarted) at the end.
class Open311KeyRate {
 public:
  explicit Open311KeyRate(const std::string& rate) {
    const char* old = std::getenv("DAIBAN_OPEN311_KEY_RATE");
    if (old) saved_ = old;
    setenv("DAIBAN_OPEN311_KEY_RATE", rate.c_str(), 1);
    Stack::Control("service-start", "intake");
  }
  ~Open311KeyRate() {
    if (saved_) {
      setenv("DAIBAN_OPEN311_KEY_RATE", saved_->c_str(), 1);
    } else {
      unsetenv("DAIBAN_OPEN311_KEY_RATE");
    }
    Stack::Control("service-start", "intake");
  }

 private:
  std::optional<std::string> saved_;
};

TEST(Open311E2eTest, KeyOverItsSubmissionRateGets429WithRetryAfter) {
  {
    Open311KeyRate two_a_minute("2");
    // The key's count starts at whatever this minute's earlier tests submitted.
    RawResponse refused;
    for (int i = 0; i < 3 && refused.status != 429; ++i) refused = Post(GoodForm());
    ExpectGeoReportError(refused, 429, "this api_key submitted too many requests");
    auto retry_after = refused.Header("retry-after");
    ASSERT_TRUE(retry_after.has_value());
    EXPECT_GE(std::stoi(*retry_after), 1);
    EXPECT_LE(std::stoi(*retry_after), 60);
    // An unknown key is refused before anything is counted.
    auto form = GoodForm();
    form["api_key"] = "not-a-registered-key";
    ExpectGeoReportError(Post(form), 403);
  }
  EXPECT_EQ(Post(GoodForm()).status, 200);
}

TEST(Open311E2eTest, UnknownThingsAre404Arrays) {
  ExpectGeoReportError(Gateway("GET", "/open311/v2/services/NO-SUCH.json"), 404);
  ExpectGeoReportError(
      Gateway("GET", std::string("/open311/v2/requests/DB0000000000X.json?api_key=") + kDemoKey),
      404);
  // The gateway sends all of /open311/v2/ to intake, whose catch-all answers GeoReport's way
  // (so the gateway's routing probe for the project's error JSON cannot use this prefix).
  auto probe = Gateway("GET", "/open311/v2/nothing", "", {{"X-Request-Id", "e2e-open311-probe"}});
  ExpectGeoReportError(probe, 404);
  EXPECT_EQ(probe.Header("x-request-id"), "e2e-open311-probe");
  ExpectGeoReportError(Gateway("GET", "/open311/v2/services/GA-002"), 404);  // no format
  ExpectGeoReportError(Gateway("POST", "/open311/v2/tokens/abc.json", "x=1",
                               {{"Content-Type", "application/x-www-form-urlencoded"}}),
                       404);
}

TEST(Open311E2eTest, OnlyJsonIsServed) {
  ExpectGeoReportError(Gateway("GET", "/open311/v2/services.xml"), 400);
  ExpectGeoReportError(Gateway("GET", "/open311/v2/services/GA-002.xml"), 400);
  ExpectGeoReportError(Gateway("GET", std::string("/open311/v2/requests.xml?api_key=") + kDemoKey),
                       400);
  auto response = Gateway("POST", "/open311/v2/requests.xml", FormEncode(GoodForm()),
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectGeoReportError(response, 400);
  EXPECT_NE(Body(response)[0]["description"].get<std::string>().find("JSON"), std::string::npos);
}

}  // namespace
}  // namespace daiban::e2e
