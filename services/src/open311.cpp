#include "daiban/intake/open311.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/tracking_number.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::intake::open311 {

namespace {

using kernel::BadRequest;
using kernel::Invalid;
using kernel::Json;

constexpr std::size_t kMaxRequestIds = 100;
constexpr auto kMaxSpan = std::chrono::days(90);

// The attributes every service has besides its materials, in the order a form shows them.
const std::vector<std::string>& FixedAttributes() {
  static const std::vector<std::string> kCodes = {
      "mode",          "region_code",      "id_number",       "applicant_kind",
      "firm_name",     "firm_credit_code", "delivery_method", "delivery_address",
      "appointment_at"};
  return kCodes;
}

std::string MaterialCode(int seq) { return "M" + std::to_string(seq); }

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t CodePoints(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !IsContinuation(c); }));
}

// The first `count` code points of UTF-8 text.
std::string FirstCodePoints(std::string_view text, std::size_t count) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuation(text[i]) && seen++ == count) return std::string(text.substr(0, i));
  }
  return std::string(text);
}

// Catalogue texts and reasons can run long; a list entry or a note shows their start.
std::string Shorten(std::string_view text, std::size_t max_code_points) {
  if (CodePoints(text) <= max_code_points) return std::string(text);
  return FirstCodePoints(text, max_code_points - 1) + "…";
}

// The applicant's address is personal data (DESIGN.md, Security) and the client does not need
// it back in full: the start (district, street) stays readable.
std::string MaskAddress(std::string_view address) {
  std::size_t count = CodePoints(address);
  if (count == 0) return "";
  return FirstCodePoints(address, std::min<std::size_t>(6, count / 2)) + "****";
}

double Round3(double value) { return std::round(value * 1000.0) / 1000.0; }

Json Time(const std::optional<cases::Moment>& moment) {
  return moment ? Json(cases::FormatRfc3339China(*moment)) : Json(nullptr);
}

double Coordinate(const Form& form, const std::string& name) {
  auto it = form.find(name);
  if (it == form.end() || it->second.empty()) {
    throw Invalid(name, "lat and long (WGS-84 decimal degrees) are required");
  }
  return kernel::ParseCoordinateText(
      it->second, name, name == "lat" ? kernel::kMaxLatitude : kernel::kMaxLongitude, 422);
}

// A W3C / RFC 3339 date-time, or a bare date (the start of that day in China, or its last
// second for an end date).
cases::Moment DateArgument(const std::string& name, const std::string& text, bool end_of_day) {
  if (text.size() > 10) return kernel::ParseTimeField(text, name);
  if (auto date = cases::ParseIsoDate(text)) {
    auto start = cases::FromChinaLocal(*date, std::chrono::seconds(0));
    return end_of_day ? start + std::chrono::days(1) - std::chrono::seconds(1) : start;
  }
  throw BadRequest(name + " must be a W3C date-time with offset (2026-12-01T09:00:00+08:00)", name);
}

Json Attribute(int order, const std::string& code, const std::string& datatype, bool required,
               const std::string& description, const std::string& datatype_description,
               Json values = nullptr) {
  Json attribute = {{"variable", true},
                    {"code", code},
                    {"datatype", datatype},
                    {"required", required},
                    {"datatype_description", datatype_description},
                    {"order", order},
                    {"description", description}};
  if (!values.is_null()) attribute["values"] = std::move(values);
  return attribute;
}

Json Value(const std::string& key, const std::string& name) {
  return {{"key", key}, {"name", name}};
}

}  // namespace

Form ParseForm(std::string_view body) {
  Form form;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t amp = body.find('&', start);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    std::size_t equals = pair.find('=');
    std::string_view raw_name = pair.substr(0, equals);
    std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    auto name = kernel::PercentDecode(raw_name, true);
    if (!name || !kernel::IsValidUtf8(*name) || name->empty()) {
      throw BadRequest("malformed form field name", std::string(raw_name));
    }
    auto value = kernel::PercentDecode(raw_value, true);
    if (!value) throw BadRequest("malformed percent-encoding in " + *name, *name);
    kernel::CheckText(*value, *name, 400);
    if (!form.emplace(*name, *value).second) throw BadRequest(*name + " is given twice", *name);
  }
  return form;
}

bool IsFormContentType(std::string_view content_type) {
  std::string type = Lowercase(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  return type == "application/x-www-form-urlencoded";
}

std::string StripFormat(const std::string& segment) {
  auto dot = segment.rfind('.');
  if (dot != std::string::npos && dot > 0) {
    std::string format = Lowercase(segment.substr(dot + 1));
    if (format == "json") return segment.substr(0, dot);
    if (format == "xml") {
      throw BadRequest("only the JSON format is supported: use .json instead of .xml");
    }
  }
  throw kernel::NotFound("no such resource: GeoReport v2 paths end in .json");
}

cases::ServiceRequestQuery ParseRequestQuery(const std::map<std::string, std::string>& query,
                                             cases::Moment now) {
  auto get = [&](const std::string& name) -> std::optional<std::string> {
    auto it = query.find(name);
    if (it == query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  cases::ServiceRequestQuery parsed;
  if (auto ids = get("service_request_id")) {
    std::size_t start = 0;
    while (start <= ids->size()) {
      auto comma = ids->find(',', start);
      if (comma == std::string::npos) comma = ids->size();
      auto id = cases::NormalizeTrackingNumber(std::string_view(*ids).substr(start, comma - start));
      if (!id.empty()) parsed.tracking_numbers.push_back(id);
      start = comma + 1;
    }
    if (parsed.tracking_numbers.size() > kMaxRequestIds) {
      throw BadRequest("at most " + std::to_string(kMaxRequestIds) + " service_request_id values",
                       "service_request_id");
    }
    // The spec: service_request_id overrides every other argument.
    if (!parsed.tracking_numbers.empty()) return parsed;
  }
  parsed.service_code = get("service_code").value_or("");
  auto start_date = get("start_date");
  auto end_date = get("end_date");
  if (start_date) parsed.from = DateArgument("start_date", *start_date, false);
  if (end_date) parsed.to = DateArgument("end_date", *end_date, true);
  if (parsed.from && parsed.to) {
    if (*parsed.to < *parsed.from) {
      throw BadRequest("end_date is before start_date", "end_date");
    }
    if (*parsed.to - *parsed.from > kMaxSpan) {
      throw BadRequest("start_date and end_date may not span more than 90 days", "end_date");
    }
  } else if (parsed.from) {
    parsed.to = *parsed.from + kMaxSpan;
  } else if (parsed.to) {
    parsed.from = *parsed.to - kMaxSpan;
  } else {
    parsed.from = now - kMaxSpan;  // the spec's default: the last 90 days
  }
  if (auto status = get("status")) {
    bool open = false;
    bool closed = false;
    std::size_t start = 0;
    while (start <= status->size()) {
      auto comma = status->find(',', start);
      if (comma == std::string::npos) comma = status->size();
      std::string word = status->substr(start, comma - start);
      if (word == "open") {
        open = true;
      } else if (word == "closed") {
        closed = true;
      } else {
        throw BadRequest("status must be open or closed (comma-separated)", "status");
      }
      start = comma + 1;
    }
    if (open != closed) parsed.open = open;
  }
  return parsed;
}

void FillRegionFromPosition(
    Form& form, const std::function<std::optional<std::string>(kernel::GeoPoint)>& locate) {
  const std::string kRegion = "attribute[region_code]";
  auto given = [&](const std::string& name) {
    auto it = form.find(name);
    return it != form.end() && !it->second.empty();
  };
  if (!given(kRegion)) {
    if (!given("lat") && !given("long")) {
      throw Invalid(kRegion,
                    "region_code is required when lat and long are not given: address_string "
                    "cannot be placed, as there is no geocoder");
    }
    kernel::GeoPoint position{Coordinate(form, "lat"), Coordinate(form, "long")};
    auto region = locate(position);
    if (!region) {
      throw Invalid("lat", "lat/long (" + form.at("lat") + ", " + form.at("long") +
                               ") is outside the districts of Jinan; give attribute[region_code]");
    }
    form[kRegion] = *region;
  }
  // GeoReport takes lat/long instead of an address; the case keeps an address line for its
  // people (window, agent, courier), so the position written out stands in for it.
  if (!given("address_string") && given("lat") && given("long")) {
    form["address_string"] = "位置 " + form.at("lat") + "," + form.at("long") + "（WGS-84）";
  }
}

cases::CaseRequest BuildCaseRequest(const Form& form, const catalogue::Item& item,
                                    std::int64_t key_id) {
  auto field = [&](const std::string& name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  // attribute[CODE] fields; a code this service does not define is a client's mistake.
  std::set<std::string> known(FixedAttributes().begin(), FixedAttributes().end());
  for (const auto& m : item.materials) known.insert(MaterialCode(m.seq));
  std::map<std::string, std::string> attributes;
  for (const auto& [name, value] : form) {
    if (name.rfind("attribute", 0) != 0) continue;
    if (name.size() < 12 || name[9] != '[' || name.back() != ']') {
      throw Invalid(name, "attributes are sent as attribute[CODE]");
    }
    std::string code = name.substr(10, name.size() - 11);
    if (!known.count(code)) {
      throw Invalid(name, "service " + item.code + " has no attribute " + code);
    }
    attributes[code] = value;
  }
  auto attribute = [&](const std::string& code) {
    auto it = attributes.find(code);
    return it == attributes.end() ? std::string() : it->second;
  };

  cases::CaseRequest request;
  request.item_code = item.code;
  // A generic client knows nothing of 代办 modes: without one the case takes the item's default,
  // its first offered mode (the catalogue lists the usual one first).
  request.mode = attribute("mode");
  if (request.mode.empty() && !item.modes.empty()) request.mode = ToWord(item.modes.front());
  request.region_code = attribute("region_code");
  request.open311_key_id = key_id;
  request.open311_description = Description(form);
  // A generic client knows neither of the ID number nor of the materials: the window records
  // both at acceptance, before which nothing is handed over.
  request.collect_at_window = true;

  auto& applicant = request.applicant;
  std::string kind = attribute("applicant_kind");
  if (kind.empty() || kind == "citizen") {
    applicant.kind = cases::ApplicantKind::kCitizen;
  } else if (kind == "firm") {
    applicant.kind = cases::ApplicantKind::kFirm;
    applicant.firm_name = attribute("firm_name");
    applicant.firm_credit_code = attribute("firm_credit_code");
  } else {
    throw Invalid("attribute[applicant_kind]", "applicant_kind must be citizen or firm");
  }
  // Chinese names put the family name first.
  applicant.name = field("last_name") + field("first_name");
  applicant.phone = field("phone");
  applicant.id_number = attribute("id_number");
  applicant.address = field("address_string");
  applicant.location = {Coordinate(form, "lat"), Coordinate(form, "long")};

  // Without a choice the result waits at the window, where the applicant is met anyway.
  std::string method = attribute("delivery_method");
  if (method.empty()) method = "window";
  if (method == "express") {
    request.delivery.method = cases::DeliveryMethod::kExpress;
    std::string address = attribute("delivery_address");
    // Without a delivery address the result goes to the request's own address and point.
    request.delivery.address = address.empty() ? applicant.address : address;
    request.delivery.location = applicant.location;
  } else if (method == "window") {
    request.delivery.method = cases::DeliveryMethod::kWindow;
  } else {
    throw Invalid("attribute[delivery_method]", "delivery_method must be express or window");
  }

  std::string appointment = attribute("appointment_at");
  if (!appointment.empty()) {
    request.appointment_at = kernel::ParseTimeField(appointment, "attribute[appointment_at]", 422);
  }

  // Checked here rather than left to the case service, so the error names the attribute. A
  // material not declared is missing: the window collects it at acceptance.
  for (const auto& m : item.materials) {
    std::string code = MaterialCode(m.seq);
    std::string status = attribute(code);
    if (!status.empty() && status != "provided" && status != "missing") {
      throw Invalid("attribute[" + code + "]", code + " must be provided or missing");
    }
    request.materials.push_back({"", m.seq, status == "provided"});
  }
  return request;
}

Json ServiceJson(const catalogue::Item& item, const std::string& department_name) {
  std::string keywords = Label(item.service_class);
  for (auto mode : item.modes) {
    keywords += ',';  // appended in two steps: "," + Label() trips GCC 12's -Wrestrict
    keywords += Label(mode);
  }
  return {{"service_code", item.code},
          {"service_name", item.name},
          {"description", Shorten(item.conditions, 100)},
          {"metadata", true},
          {"type", "batch"},
          {"keywords", keywords},
          {"group", department_name}};
}

Json ServiceDefinitionJson(const catalogue::Item& item) {
  Json modes = Json::array();
  for (auto mode : item.modes) modes.push_back(Value(ToWord(mode), Label(mode)));
  Json deliveries = Json::array();
  for (auto option : item.delivery_options) {
    if (option == catalogue::DeliveryOption::kExpress ||
        option == catalogue::DeliveryOption::kWindow) {
      deliveries.push_back(Value(ToWord(option), Label(option)));
    }
  }
  Json attributes = Json::array();
  int order = 0;
  attributes.push_back(
      Attribute(++order, "mode", "singlevaluelist", false, "代办方式（默认为第一项）",
                "proxy 代办 / assisted 帮办 / led 领办; defaults to the first value", modes));
  // Optional: without it the region comes from lat/long (the district whose boundary holds the
  // point, then its nearest street); a functional zone (高新区, 南部山区) only by its code.
  attributes.push_back(
      Attribute(++order, "region_code", "string", false,
                "办理地行政区划代码（街道或区县，如 370102001；缺省时按 lat/long 定位）",
                "national division code of a street or district; when absent, "
                "the street nearest lat/long in the district holding it"));
  attributes.push_back(Attribute(++order, "id_number", "string", false,
                                 "申请人居民身份证号码（缺省时由窗口受理时核录）",
                                 "18-character resident identity number; when absent, the window "
                                 "records it from the applicant's identity card at acceptance"));
  attributes.push_back(Attribute(++order, "applicant_kind", "singlevaluelist", false,
                                 "申请人类型（默认个人）", "citizen 个人 / firm 企业",
                                 Json::array({Value("citizen", "个人"), Value("firm", "企业")})));
  attributes.push_back(Attribute(++order, "firm_name", "string", false, "企业名称（企业申请时）",
                                 "required when applicant_kind is firm"));
  attributes.push_back(Attribute(++order, "firm_credit_code", "string", false,
                                 "统一社会信用代码（企业申请时）",
                                 "18-character unified social credit code"));
  attributes.push_back(Attribute(
      ++order, "delivery_method", "singlevaluelist", false, "结果送达方式（默认窗口领取）",
      "express 免费寄递 / window 窗口领取; defaults to window", deliveries));
  attributes.push_back(Attribute(++order, "delivery_address", "string", false,
                                 "寄递地址（寄递时；默认为 address_string）",
                                 "for express delivery; defaults to address_string"));
  attributes.push_back(Attribute(++order, "appointment_at", "datetime", false,
                                 "领办预约时间（领办时必填）",
                                 "RFC 3339 with offset; required for led"));
  for (const auto& m : item.materials) {
    attributes.push_back(
        Attribute(++order, MaterialCode(m.seq), "singlevaluelist", false, m.name,
                  m.essential ? "provided or missing (essential: the window collects a missing "
                                "one at acceptance)"
                              : "provided or missing (may be supplied later: 容缺受理)",
                  Json::array({Value("provided", "已提供"), Value("missing", "缺少")})));
  }
  return {{"service_code", item.code}, {"attributes", attributes}};
}

std::string StatusNotes(cases::CaseState state, const std::string& reason) {
  using cases::CaseState;
  std::string words;
  switch (state) {
    case CaseState::kSubmitted:
      words = "已提交，待窗口受理";
      break;
    case CaseState::kAccepted:
      words = "已受理，待派代办员";
      break;
    case CaseState::kAssigned:
      words = "已派代办员";
      break;
    case CaseState::kInProgress:
      words = "代办员办理中";
      break;
    case CaseState::kSuspended:
      words = "办理中止";
      break;
    case CaseState::kResultReady:
      words = "已出结果，待送达";
      break;
    case CaseState::kOutForDelivery:
      words = "结果寄递中";
      break;
    case CaseState::kDelivered:
      words = "结果已送达";
      break;
    case CaseState::kClosed:
      words = "已办结";
      break;
    case CaseState::kRejected:
      words = "不予受理";
      break;
    case CaseState::kCancelled:
      words = "申请人已撤销";
      break;
  }
  if (!reason.empty()) words += "：" + Shorten(reason, 100);
  return words;
}

std::string SubmissionNotice(const std::string& access_code) {
  return "已提交，待窗口受理。受理查询码 " + access_code +
         "（请告知申请人：凭受理编号和查询码查询进度、补交材料或撤销申请）";
}

Json RequestJson(const cases::ServiceRequest& row) {
  return {{"service_request_id", row.tracking_number},
          {"status", cases::IsOpen(row.state) ? "open" : "closed"},
          {"status_notes", StatusNotes(row.state, row.reason)},
          {"service_name", row.service_name},
          {"service_code", row.service_code},
          {"description", row.description},
          {"agency_responsible", row.agency},
          {"service_notice", ""},
          {"requested_datetime", cases::FormatRfc3339China(row.requested_at)},
          {"updated_datetime", cases::FormatRfc3339China(row.updated_at)},
          {"expected_datetime", Time(row.expected_at)},
          {"address", MaskAddress(row.address)},
          {"address_id", ""},
          {"zipcode", ""},
          {"lat", Round3(row.lat)},
          {"long", Round3(row.lng)},
          {"media_url", ""}};
}

Json PublicRequestJson(const cases::ServiceRequest& row) {
  // Whoever holds a tracking number may follow its state (the applicant, a neighbour's app),
  // but what the applicant wrote, where they live and where the papers go stay with the client
  // that submitted it.
  return {{"service_request_id", row.tracking_number},
          {"status", cases::IsOpen(row.state) ? "open" : "closed"},
          {"status_notes", StatusNotes(row.state, "")},
          {"service_name", row.service_name},
          {"service_code", row.service_code},
          {"agency_responsible", row.agency},
          {"requested_datetime", cases::FormatRfc3339China(row.requested_at)},
          {"updated_datetime", cases::FormatRfc3339China(row.updated_at)}};
}

std::string Description(const Form& form) {
  auto it = form.find("description");
  if (it == form.end()) return "";
  if (it->second.size() > kMaxDescriptionBytes) {
    throw Invalid("description",
                  "description is at most " + std::to_string(kMaxDescriptionBytes) + " bytes");
  }
  return it->second;
}

Json DiscoveryJson(const std::string& url) {
  // The date of the last change to what the facade answers; clients compare it to decide
  // whether to read the service list again.
  static constexpr const char* kChangeset = "2026-12-02T00:00:00+08:00";
  return {{"changeset", kChangeset},
          {"contact", "济南市 12345 市民服务热线（代办服务）"},
          {"key_service", "api_key 由平台运维签发（daibanctl apikey add），请联系 12345 热线申请"},
          {"endpoints", Json::array({{{"specification", "http://wiki.open311.org/GeoReport_v2"},
                                      {"url", url},
                                      {"changeset", kChangeset},
                                      {"type", "production"},
                                      {"formats", Json::array({"application/json"})}}})}};
}

std::string FieldName(const std::string& case_field) {
  static const std::map<std::string, std::string> kNames = {
      {"item_code", "service_code"},
      {"bundle_code", "service_code"},
      {"mode", "attribute[mode]"},
      {"region_code", "attribute[region_code]"},
      {"applicant.kind", "attribute[applicant_kind]"},
      {"applicant.name", "last_name"},
      {"applicant.phone", "phone"},
      {"applicant.id_number", "attribute[id_number]"},
      {"applicant.address", "address_string"},
      {"applicant.location", "lat"},
      {"firm.name", "attribute[firm_name]"},
      {"firm.credit_code", "attribute[firm_credit_code]"},
      {"appointment_at", "attribute[appointment_at]"},
      {"delivery.method", "attribute[delivery_method]"},
      {"delivery.address", "attribute[delivery_address]"},
      {"delivery.location", "lat"},
      {"materials", "attribute"},
  };
  auto it = kNames.find(case_field);
  return it == kNames.end() ? case_field : it->second;
}

Error MakeError(int status, const std::string& description) {
  return {status, Json::array({{{"code", status}, {"description", description}}})};
}

Error ErrorOf(const kernel::ApiError& error) {
  int status = error.Status() == 422 ? 400 : error.Status();
  std::string description =
      error.Field().empty() ? error.Message() : FieldName(error.Field()) + ": " + error.Message();
  return MakeError(status, description);
}

}  // namespace daiban::intake::open311
