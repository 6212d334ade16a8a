#include "daiban/intake/case_api.hpp"

#include <limits>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/custody.hpp"
#include "daiban/cases/list_cursor.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/mask.hpp"

namespace daiban::intake {

namespace {

using cases::Case;
using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Invalid;
using kernel::Json;

constexpr kernel::RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .blocking = true};

Json Time(const std::optional<cases::Moment>& moment) {
  return moment ? Json(cases::FormatRfc3339China(*moment)) : Json(nullptr);
}

// Typed reads from a request body, each refusing with 422 and the field's path.
std::string Text(const Json& object, const std::string& key, const std::string& path,
                 bool required = true) {
  return kernel::ReadText(object, key, path, required).value_or("");
}

const Json& Object(const Json& object, const std::string& key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_object()) throw Invalid(path, path + " must be an object");
  return *it;
}

cases::GeoPoint Point(const Json& object, const std::string& key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) throw Invalid(path, path + " must be an object");
  return kernel::ParsePositionJson(*it, path);
}

int Integer(const Json& object, const std::string& key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) {
    throw Invalid(path, path + " must be an integer");
  }
  auto value = it->get<std::int64_t>();
  if (value < -1000000 || value > 1000000) throw Invalid(path, path + " is out of range");
  return static_cast<int>(value);
}

cases::CaseRequest ParseCaseRequest(const Json& body) {
  kernel::RequireObject(body);
  cases::CaseRequest request;
  request.item_code = Text(body, "item_code", "item_code", false);
  request.bundle_code = Text(body, "bundle_code", "bundle_code", false);
  request.mode = Text(body, "mode", "mode");
  request.region_code = Text(body, "region_code", "region_code");
  const Json& applicant = Object(body, "applicant", "applicant");
  std::string kind = Text(applicant, "kind", "applicant.kind", false);
  if (kind.empty()) kind = "citizen";
  if (kind != "citizen" && kind != "firm") {
    throw Invalid("applicant.kind", "applicant.kind must be citizen or firm");
  }
  auto& a = request.applicant;
  a.kind = kind == "firm" ? cases::ApplicantKind::kFirm : cases::ApplicantKind::kCitizen;
  a.name = Text(applicant, "name", "applicant.name");
  a.phone = Text(applicant, "phone", "applicant.phone");
  a.id_number = Text(applicant, "id_number", "applicant.id_number");
  a.address = Text(applicant, "address", "applicant.address");
  a.location = Point(applicant, "location", "applicant.location");
  if (a.kind == cases::ApplicantKind::kFirm) {
    const Json& firm = Object(body, "firm", "firm");
    a.firm_name = Text(firm, "name", "firm.name");
    a.firm_credit_code = Text(firm, "credit_code", "firm.credit_code");
  }
  auto materials = body.find("materials");
  if (materials != body.end()) {
    if (!materials->is_array() || materials->size() > 200) {
      throw Invalid("materials", "materials must be an array");
    }
    for (const auto& m : *materials) {
      if (!m.is_object()) throw Invalid("materials", "each material must be an object");
      std::string status = Text(m, "status", "materials.status");
      if (status != "provided" && status != "missing") {
        throw Invalid("materials.status", "a material's status is provided or missing");
      }
      request.materials.push_back({Text(m, "item_code", "materials.item_code", false),
                                   Integer(m, "seq", "materials.seq"), status == "provided"});
    }
  }
  const Json& delivery = Object(body, "delivery", "delivery");
  std::string method = Text(delivery, "method", "delivery.method");
  if (method != "express" && method != "window") {
    throw Invalid("delivery.method", "delivery.method must be express or window");
  }
  request.delivery.method =
      method == "express" ? cases::DeliveryMethod::kExpress : cases::DeliveryMethod::kWindow;
  if (request.delivery.method == cases::DeliveryMethod::kExpress) {
    request.delivery.address = Text(delivery, "address", "delivery.address");
    request.delivery.location = Point(delivery, "location", "delivery.location");
    std::string window = Text(delivery, "window", "delivery.window", false);
    if (!window.empty()) {
      auto parsed = cases::ParseDeliveryWindow(window);
      if (!parsed) {
        throw Invalid("delivery.window",
                      "delivery.window must be any, morning, afternoon or evening");
      }
      request.delivery.window = *parsed;
    }
  }
  std::string appointment = Text(body, "appointment_at", "appointment_at", false);
  if (!appointment.empty()) {
    request.appointment_at = kernel::ParseTimeField(appointment, "appointment_at", 422);
  }
  return request;
}

Json TimelineJson(const std::vector<cases::CaseEvent>& events, bool staff) {
  Json out = Json::array();
  for (const auto& e : events) {
    Json event = {{"type", e.type},
                  {"from", e.from ? Json(ToWord(*e.from)) : Json(nullptr)},
                  {"to", e.to ? Json(ToWord(*e.to)) : Json(nullptr)},
                  {"at", cases::FormatRfc3339China(e.at)},
                  {"actor",
                   {{"role", ToWord(e.actor_role)},
                    {"name", staff ? e.actor_name : kernel::MaskName(e.actor_name)}}},
                  {"reason", e.reason}};
    if (staff) {
      event["device_time"] = Time(e.device_time);
      event["data"] = e.data;
      event["actor"]["user_id"] = e.actor_user_id;
    }
    out.push_back(std::move(event));
  }
  return out;
}

// Null while the case's clock does not run.
Json UrgencyJson(const Case& c, cases::Moment now) {
  auto urgency = c.RunningUrgency(now);
  return urgency ? Json(ToWord(*urgency)) : Json(nullptr);
}

Json CaseJson(const Case& c, const std::vector<cases::CaseEvent>& events, bool staff,
              cases::Moment now) {
  Json json = {
      {"tracking_number", c.tracking_number},
      {"state", ToWord(c.state)},
      {"subject",
       {{"kind", c.bundle_code.empty() ? "item" : "bundle"},
        {"code", c.bundle_code.empty() ? c.item_code : c.bundle_code},
        {"name", c.subject_name}}},
      {"mode", c.mode},
      {"region_code", c.region_code},
      {"department_code", c.department_code},
      {"committed_days", c.committed_days},
      {"created_at", cases::FormatRfc3339China(c.created_at)},
      {"accepted_at", Time(c.accepted_at)},
      {"deadline", c.clock ? Json(cases::FormatRfc3339China(c.clock->deadline)) : Json(nullptr)},
      {"at_risk_at",
       c.clock ? Json(cases::FormatRfc3339China(c.clock->at_risk_at)) : Json(nullptr)},
      {"deadline_provisional", c.clock && c.clock->provisional},
      {"delivery_method", ToWord(c.delivery.method)}};
  json["urgency"] = UrgencyJson(c, now);
  Json materials = Json::array();
  for (const auto& m : c.materials) {
    materials.push_back(
        {{"seq", m.seq},
         {"item_code", m.item_code},
         {"name", m.name},
         {"essential", m.essential},
         {"status", ToWord(m.status)},
         {"promised_date", m.promised_date.empty() ? Json(nullptr) : Json(m.promised_date)}});
  }
  json["materials"] = std::move(materials);
  json["to_collect"] = {{"id_number", c.IdNumberToCollect()},
                        {"materials", c.MaterialsToCollect()}};
  Json steps = Json::array();
  for (const auto& s : c.steps) {
    steps.push_back({{"order", s.order},
                     {"item_code", s.item_code},
                     {"item_name", s.item_name},
                     {"department_code", s.department_code},
                     {"deadline", Time(s.deadline)}});
  }
  json["steps"] = std::move(steps);
  json["agent"] =
      c.agent_id == 0 ? Json(nullptr) : Json{{"name", c.agent_name}, {"work_phone", c.agent_phone}};
  if (staff && c.agent_id != 0) json["agent"]["id"] = c.agent_id;
  json["rating"] =
      c.rating ? Json{{"score", c.rating->score}, {"comment", c.rating->comment}} : Json(nullptr);
  json["timeline"] = TimelineJson(events, staff);
  if (staff) {
    const auto& a = c.applicant;
    json["version"] = c.version;
    json["agent_id"] = c.agent_id == 0 ? Json(nullptr) : Json(c.agent_id);
    json["applicant"] = {
        {"kind", ToWord(a.kind)}, {"name", a.name},
        {"phone", a.phone},       {"id_number", kernel::MaskIdNumber(a.id_number)},
        {"address", a.address},   {"location", {{"lat", a.location.lat}, {"lng", a.location.lng}}}};
    if (a.kind == cases::ApplicantKind::kFirm) {
      json["firm"] = {{"name", a.firm_name}, {"credit_code", a.firm_credit_code}};
    }
    json["delivery"] = {{"method", ToWord(c.delivery.method)},
                        {"address", c.delivery.address},
                        {"window", ToWord(c.delivery.window)}};
    Json custody = Json::array();
    const auto chain = cases::CustodyChain(events);
    for (const auto& link : chain) {
      custody.push_back(
          {{"event_id", link.event_id},
           {"type", link.type},
           {"from", {{"role", link.from_role}, {"name", link.from_name}}},
           {"to", {{"role", link.to_role}, {"name", link.to_name}}},
           {"actor", {{"role", ToWord(link.actor_role)}, {"name", link.actor_name}}},
           {"at", cases::FormatRfc3339China(link.at)},
           {"device_time", Time(link.device_time)},
           {"position", link.position
                            ? Json{{"lat", link.position->lat}, {"lng", link.position->lng}}
                            : Json(nullptr)},
           {"discrepancy", link.discrepancy.empty() ? Json(nullptr) : Json(link.discrepancy)}});
    }
    const auto holder = cases::CurrentHolder(chain, c);
    json["custody_holder"] = {{"role", ToWord(holder.role)}, {"name", holder.name}};
    json["custody"] = std::move(custody);
    json["appointment_at"] = Time(c.appointment_at);
    json["result_reference"] = c.result_reference;
  } else {
    json["applicant"] = {{"name", kernel::MaskName(c.applicant.name)},
                         {"phone", kernel::MaskPhone(c.applicant.phone)}};
  }
  return json;
}

// Staff actions may carry the version they read (optimistic concurrency).
std::optional<int> OptionalVersion(const Json& body) {
  if (!body.contains("version")) return std::nullopt;
  return Integer(body, "version", "version");
}

std::string CodeParam(const HttpRequest& request) {
  auto code = request.Query("code");
  if (!code || code->empty()) throw kernel::BadRequest("the access code is required", "code");
  return *code;
}

bool HasBearer(const HttpRequest& request) { return request.Header("authorization").has_value(); }

std::optional<cases::Moment> TimeParam(const HttpRequest& request, const std::string& name) {
  auto text = request.Query(name);
  if (!text) return std::nullopt;
  return kernel::ParseTimeField(*text, name);
}

// A staff write to a case, applied once per Idempotency-Key when the caller sends one (as
// phones do): the answer, the staff view of the case as the write left it, is kept in the
// write's transaction, and a retry gets it again. Keys are the user's; the same key with
// another method, path or body is 409 idempotency_key_reused.
HttpResponse StaffWrite(cases::CaseService& service, const cases::Actor& actor,
                        const HttpRequest& request, cases::Moment now,
                        const std::function<Case(cases::KeyedWrite*)>& write) {
  auto key = kernel::StaffKeyOf(actor.user_id, request);
  auto answer = service.Once(
      key,
      [now](const Case& c, const std::vector<cases::CaseEvent>& events) {
        return kernel::DumpJson(CaseJson(c, events, true, now));
      },
      write);
  return HttpResponse::Answer(answer);
}

}  // namespace

void AddCaseRoutes(kernel::Router& router, cases::CaseService& service, accounts::AuthService& auth,
                   const kernel::Clock& clock) {
  auto now = [&clock] { return kernel::ToMoment(clock.Now()); };
  auto view = [&service, now](const Case& c, bool staff) {
    return HttpResponse::WithJson(200, CaseJson(c, service.Timeline(c), staff, now()));
  };

  router.Add(
      "POST", "/api/v1/cases",
      [&service](const HttpRequest& request) {
        auto key = kernel::ParseIdempotencyKey(request.Header("idempotency-key"));
        // Keys are scoped by the applicant the request names, so another applicant's key is
        // another key; the kept answer holds no access code, a replay gets a fresh one.
        auto parsed = ParseCaseRequest(request.JsonBody());
        auto keyed = kernel::KeyOf(cases::CaseService::ApplicantScope(parsed.applicant),
                                   std::move(key), request.body);
        auto with_code = [&service](const cases::CaseService::Answer& answer) {
          if (!answer.replayed) return answer;
          auto body = nlohmann::json::parse(answer.body);
          body["access_code"] =
              service.ReissueAccessCode(body.at("tracking_number").get<std::string>());
          return cases::CaseService::Answer{answer.status, kernel::DumpJson(body), true};
        };
        auto created = with_code(service.Submit(parsed, keyed, [](const cases::Submission& s) {
          nlohmann::json body = {{"tracking_number", s.created.tracking_number},
                                 {"state", ToWord(s.created.state)},
                                 {"created_at", cases::FormatRfc3339China(s.created.created_at)}};
          if (!s.access_code.empty()) body["access_code"] = s.access_code;
          return kernel::DumpJson(body);
        }));
        return HttpResponse::Answer(created);
      },
      kSmallBody);

  router.Add("GET", "/api/v1/cases", [&service, &auth, now](const HttpRequest& request) {
    auto actor = cases::ActorOf(auth.Authenticate(request));
    cases::CaseFilter filter;
    if (auto states = request.Query("state")) {
      std::size_t start = 0;
      while (start <= states->size()) {
        auto comma = states->find(',', start);
        if (comma == std::string::npos) comma = states->size();
        auto state = cases::ParseCaseState(states->substr(start, comma - start));
        if (!state) throw kernel::BadRequest("unknown state in 'state'", "state");
        filter.states.push_back(*state);
        start = comma + 1;
      }
    }
    filter.region_code = request.Query("region").value_or("");
    filter.department_code = request.Query("department").value_or("");
    filter.item_code = request.Query("item").value_or("");
    if (auto agent = request.Query("agent")) {
      filter.agent_id =
          kernel::ParseIntField(*agent, "agent", 1, std::numeric_limits<std::int64_t>::max());
    }
    auto flag = [&](const std::string& name) {
      auto value = request.Query(name);
      if (!value) return false;
      if (*value == "true") return true;
      if (*value == "false") return false;
      throw kernel::BadRequest(name + " must be true or false", name);
    };
    filter.at_risk = flag("at_risk");
    filter.overdue = flag("overdue");
    filter.created_from = TimeParam(request, "created_from");
    filter.created_to = TimeParam(request, "created_to");
    if (auto limit = request.Query("limit")) {
      // The use case checks the page size; this only keeps the number an int.
      filter.limit = static_cast<int>(kernel::ParseIntField(
          *limit, "limit", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    }
    if (auto order = request.Query("order")) {
      if (*order == "created") {
        filter.order = cases::ListOrder::kCreated;
      } else if (*order != "deadline") {
        throw kernel::BadRequest("order must be deadline or created", "order");
      }
    }
    if (auto cursor = request.Query("cursor")) cases::ApplyListCursor(*cursor, filter);
    auto page = service.List(filter, actor);
    Json body = {{"cases", Json::array()}, {"next_cursor", nullptr}};
    if (page.more) body["next_cursor"] = cases::ListCursor(page.cases.back(), filter.order);
    const auto at = now();
    for (const auto& c : page.cases) {
      body["cases"].push_back(
          {{"tracking_number", c.tracking_number},
           {"state", ToWord(c.state)},
           {"subject", c.subject_name},
           {"region_code", c.region_code},
           {"department_code", c.department_code},
           {"agent_id", c.agent_id == 0 ? Json(nullptr) : Json(c.agent_id)},
           {"created_at", cases::FormatRfc3339China(c.created_at)},
           {"deadline",
            c.clock ? Json(cases::FormatRfc3339China(c.clock->deadline)) : Json(nullptr)},
           {"urgency", UrgencyJson(c, at)},
           // Where the applicant is: the console's map places the case there.
           {"location", {{"lat", c.applicant.location.lat}, {"lng", c.applicant.location.lng}}}});
    }
    return HttpResponse::WithJson(200, body);
  });

  router.Add("GET", "/api/v1/cases/:tracking", [&service, &auth, view](const HttpRequest& request) {
    const auto& tracking = request.Param("tracking");
    if (HasBearer(request)) {
      auto actor = cases::ActorOf(auth.Authenticate(request));
      return view(service.ReadAsStaff(tracking, actor), true);
    }
    return view(service.ReadAsApplicant(tracking, CodeParam(request), request.client_ip), false);
  });

  router.Add(
      "POST", "/api/v1/cases/:tracking/materials",
      [&service, view](const HttpRequest& request) {
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        return view(service.SupplyMaterial(request.Param("tracking"), CodeParam(request),
                                           request.client_ip, Integer(body, "seq", "seq")),
                    false);
      },
      kSmallBody);
  router.Add(
      "POST", "/api/v1/cases/:tracking/cancel",
      [&service, view](const HttpRequest& request) {
        std::string reason;
        if (!request.body.empty()) reason = Text(request.JsonBody(), "reason", "reason", false);
        return view(service.Cancel(request.Param("tracking"), CodeParam(request), request.client_ip,
                                   reason),
                    false);
      },
      kSmallBody);
  router.Add(
      "POST", "/api/v1/cases/:tracking/rating",
      [&service, view](const HttpRequest& request) {
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        return view(
            service.Rate(request.Param("tracking"), CodeParam(request), request.client_ip,
                         Integer(body, "score", "score"), Text(body, "comment", "comment", false)),
            false);
      },
      kSmallBody);

  router.Add(
      "POST", "/api/v1/cases/:tracking/accept",
      [&service, &auth, now](const HttpRequest& request) {
        auto actor = cases::ActorOf(auth.Authenticate(request));
        std::vector<cases::Deferral> deferrals;
        cases::AcceptanceRecord record;
        std::optional<int> version;
        if (!request.body.empty()) {
          auto body = request.JsonBody();
          kernel::RequireObject(body);
          version = OptionalVersion(body);
          // What the window collects from an applicant whose channel could not send it.
          record.id_number = Text(body, "id_number", "id_number", false);
          auto received = body.find("received_materials");
          if (received != body.end()) {
            if (!received->is_array()) {
              throw Invalid("received_materials", "received_materials must be an array of seqs");
            }
            for (const auto& seq : *received) {
              if (!seq.is_number_integer() || seq.get<std::int64_t>() < 1 ||
                  seq.get<std::int64_t>() > 1000) {
                throw Invalid("received_materials", "received_materials must be material seqs");
              }
              record.received_materials.push_back(seq.get<int>());
            }
          }
          auto list = body.find("deferrals");
          if (list != body.end()) {
            if (!list->is_array()) throw Invalid("deferrals", "deferrals must be an array");
            for (const auto& d : *list) {
              if (!d.is_object()) throw Invalid("deferrals", "each deferral must be an object");
              deferrals.push_back({Integer(d, "seq", "deferrals.seq"),
                                   Text(d, "promised_date", "deferrals.promised_date")});
            }
          }
        }
        return StaffWrite(service, actor, request, now(), [&](cases::KeyedWrite* keyed) {
          return service.Accept(request.Param("tracking"), actor, deferrals, version, record,
                                keyed);
        });
      },
      kSmallBody);
  auto with_reason = [&service, &auth, now](auto action) {
    return [&service, &auth, now, action](const HttpRequest& request) {
      auto actor = cases::ActorOf(auth.Authenticate(request));
      std::string reason;
      std::optional<int> version;
      if (!request.body.empty()) {
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        reason = Text(body, "reason", "reason", false);
        version = OptionalVersion(body);
      }
      return StaffWrite(service, actor, request, now(), [&](cases::KeyedWrite* keyed) {
        return (service.*action)(request.Param("tracking"), actor, reason, version, keyed);
      });
    };
  };
  router.Add(
      "POST", "/api/v1/cases/:tracking/handover",
      [&service, &auth, now](const HttpRequest& request) {
        auto actor = cases::ActorOf(auth.Authenticate(request));
        auto body = request.JsonBody();
        kernel::RequireObject(body);
        const auto recipient = Text(body, "recipient_name", "recipient_name");
        const auto id_last4 = Text(body, "id_last4", "id_last4");
        return StaffWrite(service, actor, request, now(), [&](cases::KeyedWrite* keyed) {
          return service.HandOver(request.Param("tracking"), actor, recipient, id_last4,
                                  std::nullopt, keyed);
        });
      },
      kSmallBody);
  // After too many wrong ID numbers a hand-over is blocked (423 identity_check_blocked) until a
  // supervisor of the case's region lifts it here.
  router.Add(
      "POST", "/api/v1/cases/:tracking/handover/unblock",
      [&service, &auth, now](const HttpRequest& request) {
        auto actor = cases::ActorOf(auth.Authenticate(request));
        return StaffWrite(service, actor, request, now(), [&](cases::KeyedWrite* keyed) {
          return service.UnblockHandovers(request.Param("tracking"), actor, keyed);
        });
      },
      kSmallBody);
  router.Add("POST", "/api/v1/cases/:tracking/reject", with_reason(&cases::CaseService::Reject),
             kSmallBody);
  router.Add("POST", "/api/v1/cases/:tracking/suspend", with_reason(&cases::CaseService::Suspend),
             kSmallBody);
  router.Add("POST", "/api/v1/cases/:tracking/resume", with_reason(&cases::CaseService::Resume),
             kSmallBody);
}

}  // namespace daiban::intake
