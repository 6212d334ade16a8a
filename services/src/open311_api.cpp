#include "daiban/intake/open311_api.hpp"

#include <map>

#include "daiban/accounts/auth.hpp"
#include "daiban/cases/tracking_number.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::intake {

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

constexpr kernel::RouteOptions kFormBody{.max_body_bytes = 16 * 1024, .blocking = true};
constexpr const char* kPrefix = "/open311/v2";

HttpResponse Answer(const open311::Error& error) {
  return HttpResponse::WithJson(error.status, error.body);
}

// GeoReport v2 answers errors as an array of {code, description}, not with the project's
// error JSON, so each Open311 handler maps what it throws itself; the kernel stays as it is.
kernel::HttpHandler GeoReport(kernel::HttpHandler handler, const kernel::Logger& logger) {
  return [handler = std::move(handler), &logger](const HttpRequest& request) {
    try {
      return handler(request);
    } catch (const kernel::DependencyUnavailable& error) {
      logger.Warn("dependency unavailable",
                  {{"dependency", error.Dependency()}, {"detail", error.Detail()}},
                  request.request_id);
      return Answer(open311::ErrorOf(error));
    } catch (const kernel::ApiError& error) {
      return Answer(open311::ErrorOf(error));
    } catch (const std::exception& error) {
      // A bug or an unforeseen library failure: logged in full, answered without detail.
      logger.Error("unhandled exception", {{"route", request.path}, {"what", error.what()}},
                   request.request_id);
      return Answer(open311::MakeError(500, "internal error"));
    }
  };
}

cases::Moment Now(const kernel::Clock& clock) { return kernel::ToMoment(clock.Now()); }

accounts::ApiKey Authenticate(accounts::ApiKeyStore& keys, const std::string& key) {
  if (key.empty()) throw kernel::Forbidden("api_key is required");
  auto found = keys.FindActiveKey(accounts::TokenHash(key));
  if (!found) throw kernel::Forbidden("api_key is unknown or revoked");
  return *found;
}

// An api_key given (even empty: `api_key=` is a client's mistake, refused as before) asks for
// the full view and must be valid; none at all asks for the public view.
bool HasKey(const HttpRequest& request) { return request.query.count("api_key") > 0; }

// The offered item behind a service code; retired items are no longer services.
catalogue::Item OfferedItem(catalogue::CatalogueService& catalogue, const std::string& code) {
  auto missing = [&] { return kernel::NotFound("no service '" + code + "'"); };
  try {
    auto guide = catalogue.GetGuide(code);
    if (guide.item.retired) throw missing();
    return guide.item;
  } catch (const kernel::ApiError& error) {
    if (error.Status() == 404) throw missing();
    throw;
  }
}

}  // namespace

void AddOpen311Routes(kernel::Router& router, catalogue::CatalogueService& catalogue,
                      catalogue::BoundaryService& boundaries, cases::CaseService& cases,
                      accounts::ApiKeyStore& keys, accounts::ApiKeyLimiter& limiter,
                      cases::ServiceRequestReader& requests, const kernel::Clock& clock,
                      const kernel::Logger& logger, const std::string& base_url) {
  auto add = [&](const std::string& method, const std::string& path, kernel::HttpHandler handler,
                 kernel::RouteOptions options = {}) {
    router.Add(method, kPrefix + path, GeoReport(std::move(handler), logger), options);
  };

  add("GET", "/discovery.json", [base_url](const HttpRequest&) {
    return HttpResponse::WithJson(200, open311::DiscoveryJson(base_url));
  });

  // Items are the services; bundles (一件事) are not offered through Open311.
  add("GET", "/services.json", [&catalogue](const HttpRequest&) {
    std::map<std::string, std::string> departments;
    for (const auto& d : catalogue.Departments()) departments[d.code] = d.name;
    Json services = Json::array();
    catalogue::ItemFilter filter;
    filter.limit = catalogue::CatalogueService::kMaxPageSize;
    std::string cursor;
    do {
      auto page = catalogue.ListItems(filter, cursor);
      for (const auto& item : page.items) {
        services.push_back(open311::ServiceJson(item, departments[item.department_code]));
      }
      cursor = page.next_cursor;
    } while (!cursor.empty());
    return HttpResponse::WithJson(200, services);
  });

  add("GET", "/services/:code", [&catalogue](const HttpRequest& request) {
    auto item = OfferedItem(catalogue, open311::StripFormat(request.Param("code")));
    return HttpResponse::WithJson(200, open311::ServiceDefinitionJson(item));
  });

  add(
      "POST", "/requests.json",
      [&catalogue, &boundaries, &cases, &keys, &limiter](const HttpRequest& request) {
        if (!open311::IsFormContentType(request.Header("content-type").value_or(""))) {
          throw kernel::BadRequest("the body must be application/x-www-form-urlencoded",
                                   "Content-Type");
        }
        auto form = open311::ParseForm(request.body);
        auto key = Authenticate(keys, form.count("api_key") ? form.at("api_key") : "");
        if (auto wait = limiter.Admit(key.id)) {
          auto refused =
              Answer(open311::MakeError(429, "this api_key submitted too many requests; retry in " +
                                                 std::to_string(wait->count()) + " s"));
          refused.headers.emplace_back("Retry-After", std::to_string(wait->count()));
          return refused;
        }
        std::string code = form.count("service_code") ? form.at("service_code") : "";
        if (code.empty()) throw kernel::Invalid("service_code", "service_code is required");
        catalogue::Item item;
        try {
          item = OfferedItem(catalogue, code);
        } catch (const kernel::ApiError& error) {
          // An unknown service in a submitted form is a bad field, not a missing resource.
          if (error.Status() != 404) throw;
          throw kernel::Invalid("service_code", error.Message());
        }
        open311::FillRegionFromPosition(
            form, [&boundaries](kernel::GeoPoint p) { return boundaries.RegionAt(p); });
        // The description is written with the case, in its one transaction.
        auto case_request = open311::BuildCaseRequest(form, item, key.id);
        // GeoReport has no idempotency keys: no scope and no key, nothing to replay.
        cases::Submission submitted;
        cases.Submit(case_request, std::nullopt, [&submitted](const cases::Submission& s) {
          submitted = s;
          return std::string();
        });
        // The spec's examples answer 200 with a one-element array; the access code reaches
        // the applicant only through the client, in service_notice.
        return HttpResponse::WithJson(
            200, Json::array({{{"service_request_id", submitted.created.tracking_number},
                               {"service_notice", open311::SubmissionNotice(submitted.access_code)},
                               {"account_id", nullptr}}}));
      },
      kFormBody);

  // Without a key: the public view of the named requests, and no list at all without names
  // (nobody enumerates other people's requests).
  add("GET", "/requests.json", [&keys, &requests, &clock](const HttpRequest& request) {
    auto query = open311::ParseRequestQuery(request.query, Now(clock));
    Json found = Json::array();
    if (!HasKey(request)) {
      for (const auto& row : requests.PublicRequests(query.tracking_numbers)) {
        found.push_back(open311::PublicRequestJson(row));
      }
      return HttpResponse::WithJson(200, found);
    }
    auto key = Authenticate(keys, request.Query("api_key").value_or(""));
    for (const auto& row : requests.Requests(key.id, query)) {
      found.push_back(open311::RequestJson(row));
    }
    return HttpResponse::WithJson(200, found);
  });

  add("GET", "/requests/:id", [&keys, &requests](const HttpRequest& request) {
    std::string id = open311::StripFormat(request.Param("id"));
    std::vector<std::string> tracking = {cases::NormalizeTrackingNumber(id)};
    if (!HasKey(request)) {
      auto rows = requests.PublicRequests(tracking);
      if (rows.empty()) throw kernel::NotFound("no service request '" + id + "'");
      return HttpResponse::WithJson(200, Json::array({open311::PublicRequestJson(rows.front())}));
    }
    auto key = Authenticate(keys, request.Query("api_key").value_or(""));
    cases::ServiceRequestQuery query;
    query.tracking_numbers = tracking;
    auto rows = requests.Requests(key.id, query);
    // Another client's request answers exactly like an unknown one.
    if (rows.empty()) throw kernel::NotFound("no service request '" + id + "'");
    return HttpResponse::WithJson(200, Json::array({open311::RequestJson(rows.front())}));
  });

  // Whatever else comes under /open311/v2/ still gets a GeoReport answer.
  auto unknown = [](const HttpRequest& request) -> HttpResponse {
    const std::string& rest = request.Param("*");
    auto slash = rest.rfind('/');
    open311::StripFormat(slash == std::string::npos ? rest : rest.substr(slash + 1));
    throw kernel::NotFound("no such resource: " + request.method + " " + request.path);
  };
  add("GET", "/*", unknown);
  add("POST", "/*", unknown, kFormBody);
}

}  // namespace daiban::intake
