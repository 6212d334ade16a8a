#include "daiban/cases/case_model.hpp"

#include <algorithm>

namespace daiban::cases {

int Case::MissingEssential() const {
  return static_cast<int>(std::count_if(materials.begin(), materials.end(), [](const auto& m) {
    return m.essential && m.IsMissing();
  }));
}

std::optional<Urgency> Case::RunningUrgency(Moment now) const {
  const bool running = state == CaseState::kAccepted || state == CaseState::kAssigned ||
                       state == CaseState::kInProgress;
  if (!clock || !running) return std::nullopt;
  return UrgencyAt(*clock, now);
}

std::vector<int> Case::MaterialsToCollect() const {
  std::vector<int> seqs;
  if (state != CaseState::kSubmitted) return seqs;
  for (const auto& m : materials) {
    if (m.status == MaterialStatus::kMissing) seqs.push_back(m.seq);
  }
  return seqs;
}

int Case::MissingDeferred() const {
  return static_cast<int>(std::count_if(materials.begin(), materials.end(), [](const auto& m) {
    return !m.essential && m.IsMissing();
  }));
}

CaseFacts Case::Facts() const {
  CaseFacts facts;
  facts.state = state;
  facts.state_before_suspension = state_before_suspension.value_or(CaseState::kInProgress);
  facts.missing_essential_materials = MissingEssential();
  facts.missing_deferred_materials = MissingDeferred();
  facts.has_agent = agent_id != 0;
  facts.express_delivery = delivery.method == DeliveryMethod::kExpress;
  return facts;
}

std::string ToWord(ApplicantKind kind) { return kind == ApplicantKind::kFirm ? "firm" : "citizen"; }

std::string ToWord(DeliveryMethod method) {
  return method == DeliveryMethod::kExpress ? "express" : "window";
}

std::string ToWord(DeliveryWindow window) {
  switch (window) {
    case DeliveryWindow::kMorning:
      return "morning";
    case DeliveryWindow::kAfternoon:
      return "afternoon";
    case DeliveryWindow::kEvening:
      return "evening";
    case DeliveryWindow::kAny:
      break;
  }
  return "any";
}

std::optional<DeliveryWindow> ParseDeliveryWindow(std::string_view word) {
  for (auto window : {DeliveryWindow::kAny, DeliveryWindow::kMorning, DeliveryWindow::kAfternoon,
                      DeliveryWindow::kEvening}) {
    if (word == ToWord(window)) return window;
  }
  return std::nullopt;
}

std::string ToWord(MaterialStatus status) {
  switch (status) {
    case MaterialStatus::kProvided:
      return "provided";
    case MaterialStatus::kMissing:
      return "missing";
    case MaterialStatus::kDeferred:
      return "deferred";
    case MaterialStatus::kSupplied:
      return "supplied";
  }
  return {};
}

std::optional<MaterialStatus> ParseMaterialStatus(std::string_view word) {
  for (auto status : {MaterialStatus::kProvided, MaterialStatus::kMissing,
                      MaterialStatus::kDeferred, MaterialStatus::kSupplied}) {
    if (ToWord(status) == word) return status;
  }
  return std::nullopt;
}

nlohmann::json CustodyData(const Actor& from, const Actor& to, std::optional<GeoPoint> position) {
  auto party = [](const Actor& actor) {
    nlohmann::json json = {{"role", ToWord(actor.role)}, {"name", actor.name}};
    // The account tells two agents (or couriers) of the same name apart.
    if (actor.user_id != 0) json["user_id"] = actor.user_id;
    return json;
  };
  return {{"from", party(from)},
          {"to", party(to)},
          {"position", position ? nlohmann::json{{"lat", position->lat}, {"lng", position->lng}}
                                : nlohmann::json(nullptr)}};
}

std::vector<CustodyLink> CustodyChain(const std::vector<CaseEvent>& timeline) {
  std::vector<CustodyLink> chain;
  for (const auto& event : timeline) {
    auto it = event.data.find("custody");
    if (it == event.data.end() || !it->is_object()) continue;
    const auto& custody = *it;
    auto party = [&custody](const char* side, const char* field) {
      auto p = custody.find(side);
      if (p == custody.end() || !p->is_object()) return std::string();
      auto value = p->find(field);
      return value != p->end() && value->is_string() ? value->get<std::string>() : std::string();
    };
    CustodyLink link;
    link.event_id = event.id;
    link.type = event.type;
    link.from_role = party("from", "role");
    link.from_name = party("from", "name");
    link.to_role = party("to", "role");
    link.to_name = party("to", "name");
    link.at = event.at;
    link.device_time = event.device_time;
    auto user_id = [&custody](const char* side) -> std::int64_t {
      auto p = custody.find(side);
      if (p == custody.end() || !p->is_object()) return 0;
      auto value = p->find("user_id");
      return value != p->end() && value->is_number_integer() ? value->get<std::int64_t>() : 0;
    };
    link.actor_role = event.actor_role;
    link.actor_name = event.actor_name;
    link.from_user_id = user_id("from");
    link.to_user_id = user_id("to");
    auto discrepancy = custody.find("discrepancy");
    if (discrepancy != custody.end() && discrepancy->is_string()) {
      link.discrepancy = discrepancy->get<std::string>();
    }
    auto position = custody.find("position");
    if (position != custody.end() && position->is_object() && position->contains("lat") &&
        position->contains("lng") && position->at("lat").is_number() &&
        position->at("lng").is_number()) {
      link.position =
          GeoPoint{position->at("lat").get<double>(), position->at("lng").get<double>()};
    }
    chain.push_back(std::move(link));
  }
  return chain;
}

std::string DeviceTimeFlag(std::optional<Moment> device_time, Moment now,
                           std::optional<Moment> since) {
  // Phone clocks drift a little; minutes of slack keep honest phones unflagged.
  constexpr std::chrono::minutes kSlack{5};
  if (!device_time) return {};
  if (*device_time > now + kSlack) return "future";
  if (since && *device_time < *since - kSlack) return "before_assignment";
  return {};
}

}  // namespace daiban::cases
