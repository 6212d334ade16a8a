#include "daiban/cases/progress_service.hpp"

#include <algorithm>
#include <array>

#include "daiban/cases/custody.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::cases {

namespace {

using nlohmann::json;

constexpr std::array<const char*, 10> kProgressKinds = {"materials_collected",
                                                        "submitted_to_window",
                                                        "supplement_requested",
                                                        "suspended",
                                                        "resumed",
                                                        "result_obtained",
                                                        "handed_to_courier",
                                                        "handed_to_applicant",
                                                        "left_at_window",
                                                        "note"};

// The hand-over a progress report records for the chain of custody, if it is one: the agent
// takes the originals from the applicant and the result from the window; it gives the
// originals to the window, and the result to a courier, to the applicant, or back to the window
// for collection. Where each link starts is the rule of custody.hpp.
std::optional<json> CustodyOf(const ProgressReport& report, const Case& c, const CaseChange& change,
                              const Actor& agent, const json& data) {
  std::optional<GeoPoint> at;
  if (data.contains("position")) {
    at = kernel::ParsePositionJson(data["position"], "position");
  }
  const Actor applicant{Role::kApplicant, 0, c.applicant.name, "", ""};
  const std::string department = data.value("department_code", std::string());
  const Actor window{Role::kWindow, 0, department.empty() ? c.department_code : department, "", ""};
  const std::string& kind = report.kind;
  if (kind == "materials_collected") {
    return TakeLink(change.CustodySoFar(), c, agent, {Role::kApplicant}, at);
  }
  if (kind == "result_obtained") {
    return TakeLink(change.CustodySoFar(), c, agent, {Role::kWindow}, at);
  }
  if (kind == "submitted_to_window" || kind == "left_at_window") {
    return GiveLink(change.CustodySoFar(), c, agent, window, at);
  }
  if (kind == "handed_to_applicant") {
    return GiveLink(change.CustodySoFar(), c, agent, applicant, at);
  }
  if (kind == "handed_to_courier") {
    auto name = report.body.find("courier_name");
    std::string courier =
        name != report.body.end() && name->is_string() ? name->get<std::string>() : "";
    return GiveLink(change.CustodySoFar(), c, agent, {Role::kCourier, 0, courier, "", ""}, at);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProgressKind> ParseProgressKind(const std::string& name) {
  if (std::find(kProgressKinds.begin(), kProgressKinds.end(), name) == kProgressKinds.end()) {
    return std::nullopt;
  }
  // A hand-over that is not a state change: only the chain of custody moves.
  return ProgressKind{name,
                      name != "note" && name != "handed_to_courier" && name != "left_at_window"};
}

CaseService::Answer ProgressService::Report(const Actor& agent, const ProgressReport& report) {
  // Phone keys are the user's own: two agents never share one.
  const auto key =
      kernel::KeyOf(kernel::UserKeyScope(agent.user_id), report.idempotency_key,
                    report.tracking_number + "\n" + report.kind + "\n" + report.body.dump());
  return cases_.Once(key, [&] { return Apply(agent, report, key); });
}

CaseService::Answer ProgressService::Apply(const Actor& agent, const ProgressReport& report,
                                           const kernel::IdempotentAnswer& key) {
  auto kind = ParseProgressKind(report.kind);
  if (!kind) throw kernel::Invalid("kind", "unknown progress kind '" + report.kind + "'");
  const auto now = kernel::ToMoment(clock_.Now());
  const CaseScope mine{.agent_id = agent.user_id};
  const json& body = report.body;
  auto text = [&](const std::string& field, bool required) {
    auto value = kernel::ReadText(body, field, field, false);
    if (!value && required) throw kernel::Invalid(field, field + " is required for " + report.kind);
    return value.value_or("");
  };
  json data = {{"kind", report.kind}};
  if (body.contains("position")) {
    const auto at = kernel::ParsePositionJson(body["position"], "position");
    data["position"] = {{"lat", at.lat}, {"lng", at.lng}};
  }
  std::string reason;
  CaseAction action = CaseAction::kRecordProgress;
  std::string result_reference;
  if (report.kind == "submitted_to_window" || report.kind == "left_at_window") {
    data["department_code"] = text("department_code", false);
  }
  std::optional<int> supplement_seq;
  std::string id_last4;
  if (report.kind == "supplement_requested") {
    reason = text("what", true);
    action = CaseAction::kRequestSupplement;
    if (body.contains("material_seq") && !body["material_seq"].is_null()) {
      if (!body["material_seq"].is_number_integer()) {
        throw kernel::Invalid("material_seq", "material_seq must be a material's number");
      }
      supplement_seq = body["material_seq"].get<int>();
      data["material_seq"] = *supplement_seq;
    }
  } else if (report.kind == "suspended") {
    reason = text("why", true);
    action = CaseAction::kSuspend;
  } else if (report.kind == "resumed") {
    reason = text("why", false);
    action = CaseAction::kResume;
  } else if (report.kind == "result_obtained") {
    result_reference = text("result_reference", true);
    action = CaseAction::kResultObtained;
  } else if (report.kind == "handed_to_applicant") {
    action = CaseAction::kHandOver;
    id_last4 = text("id_last4", true);
  } else if (report.kind == "note" || report.kind == "handed_to_courier" ||
             report.kind == "left_at_window") {
    reason = text("text", report.kind == "note");
  }
  // The agent hands the result over under the same identity rule (and guess limit) as the
  // window: a wrong ID is refused and counted before anything else is written.
  const std::string subject = CaseService::CaseHandoverSubject();
  if (action == CaseAction::kHandOver) {
    auto current = cases_.ReadAsStaff(report.tracking_number, agent);
    data = cases_.CheckHandoverIdentity(current, agent, subject, id_last4, "handover_refused", data,
                                        report.device_time);
  }
  kernel::IdempotentAnswer answer = key;
  answer.status = 200;
  auto effect = [&](Case& c, CaseChange& change) {
    if (action == CaseAction::kHandOver) CaseService::RequireHandoverOpen(change, subject);
    if (!result_reference.empty()) c.result_reference = result_reference;
    if (supplement_seq) CaseService::NeedSupplement(c, *supplement_seq);
    auto flag = DeviceTimeFlag(report.device_time, now, c.assigned_at);
    if (!flag.empty()) change.event_data["device_time_flag"] = flag;
    if (auto custody = CustodyOf(report, c, change, agent, data)) {
      change.event_data["custody"] = *custody;
    }
    answer.body =
        kernel::DumpJson({{"tracking_number", c.tracking_number},
                          {"kind", report.kind},
                          {"state", ToWord(c.state)},
                          {"device_time_flag", flag.empty() ? json(nullptr) : json(flag)}});
    change.answer = answer;
  };
  // A key taken meanwhile (IdempotencyKeyTaken) is Once's to answer.
  if (!kind->transition) {
    cases_.Note(report.tracking_number, mine, agent, report.kind, reason, data, report.device_time,
                effect);
  } else {
    // record_progress on an assigned case starts the work: CaseService resolves it on the
    // locked case (ActionTaken), so a concurrent first report cannot race it.
    cases_.Transition(report.tracking_number, mine, agent, action, reason, data, report.device_time,
                      effect);
    // Delivered in person means done, as at the window and at the door: the case closes and
    // the applicant may rate it (a day's simulation found phone hand-overs left "delivered").
    if (action == CaseAction::kHandOver) {
      cases_.Transition(report.tracking_number, CaseScope::Everything(),
                        {Role::kSystem, 0, "daiban", "", ""}, CaseAction::kClose, "handed over", {},
                        std::nullopt);
    }
  }
  return {200, answer.body, false};
}

}  // namespace daiban::cases
