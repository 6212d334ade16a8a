#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daiban/cases/case_service.hpp"
#include "daiban/cases/service_requests.hpp"
#include "daiban/catalogue/catalogue.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/json.hpp"

// The Open311 GeoReport v2 facade (DESIGN.md, APIs: the one API that follows an outside
// specification to the letter): what it reads from form bodies and query strings, what it
// shows. Its storage is the accounts' (api keys, their submission rate) and the cases'
// (service requests). No I/O here; open311_api.cpp puts it on HTTP.
namespace daiban::intake::open311 {

// The fields of an application/x-www-form-urlencoded body, percent-decoded with '+' as a
// space.
using Form = std::map<std::string, std::string>;

// Throws ApiError 400 naming the field on a malformed escape, invalid UTF-8 or a field given
// twice (GeoReport has no repeated fields; taking one silently would hide a client's bug).
Form ParseForm(std::string_view body);

// Whether a Content-Type header announces a form body (parameters such as charset allowed).
bool IsFormContentType(std::string_view content_type);

// The last path segment without its format suffix: "SCJG-001.json" -> "SCJG-001". Only JSON
// is served: ".xml" is ApiError 400 saying so, no suffix at all is 404 (no such route).
std::string StripFormat(const std::string& segment);

// GET requests.json's arguments (service_request_id, service_code, start_date, end_date,
// status); throws ApiError 400 naming the argument. Without any date the last 90 days up to
// `now` are searched, and a range may not span more than 90 days (the spec's limits).
cases::ServiceRequestQuery ParseRequestQuery(const std::map<std::string, std::string>& query,
                                             cases::Moment now);

// Where a request is handled when the client gives a position but no attribute[region_code]:
// `locate` (the district by point in polygon, then its nearest street) names the region, which
// is written into the form as if the client had sent it; an explicit region code is kept as it
// is. Whenever address_string is absent, the position written out becomes the address line. Throws
// ApiError 422 naming attribute[region_code] when neither a code nor lat/long came (address_string
// alone cannot be placed: there is no geocoder), and naming lat when the position is outside the
// city.
void FillRegionFromPosition(
    Form& form, const std::function<std::optional<std::string>(kernel::GeoPoint)>& locate);

// The case that a POST requests.json asks for, for `item` (with its materials), submitted by
// the client `key_id`, with the client's description (kept with the case, answered back only to
// that client). The ID number and the materials may be left out: the window collects them at
// acceptance (collect_at_window). Throws ApiError 422 naming the field as Open311 clients know it
// (attribute[mode], lat, ...) for what the catalogue-independent checks refuse; the case
// service checks the rest.
cases::CaseRequest BuildCaseRequest(const Form& form, const catalogue::Item& item,
                                    std::int64_t key_id);

// The views.
kernel::Json ServiceJson(const catalogue::Item& item, const std::string& department_name);
kernel::Json ServiceDefinitionJson(const catalogue::Item& item);
// The full view, for the client that submitted the request.
kernel::Json RequestJson(const cases::ServiceRequest& row);
// The view for a caller without the submitting client's key: the state and the service only
// (no position, description, address or personal data).
kernel::Json PublicRequestJson(const cases::ServiceRequest& row);
// The submitted description, checked: at most kMaxDescriptionBytes (ApiError 422 naming it).
constexpr std::size_t kMaxDescriptionBytes = 4000;
std::string Description(const Form& form);
// GeoReport v2 discovery (GET discovery.json): where the one production endpoint is, `url`
// being its absolute base (DAIBAN_OPEN311_URL).
kernel::Json DiscoveryJson(const std::string& url);
// The state in words (Chinese, as the applicant sees it), with the reason when there is one.
std::string StatusNotes(cases::CaseState state, const std::string& reason);
// What POST requests.json tells the client to pass on to the applicant.
std::string SubmissionNotice(const std::string& access_code);

// A field of the JSON case API (what CaseService names in its errors) as Open311 clients
// know it: "applicant.phone" -> "phone", "mode" -> "attribute[mode]". Others are unchanged.
std::string FieldName(const std::string& case_field);

// A GeoReport error: the HTTP status and the body, an array of one {code, description}.
struct Error {
  int status = 400;
  kernel::Json body;
};
Error MakeError(int status, const std::string& description);
// The status is the error's, except 422 (validation), which GeoReport spells 400; the
// description names the field ("phone: ...").
Error ErrorOf(const kernel::ApiError& error);

}  // namespace daiban::intake::open311
