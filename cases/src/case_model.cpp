#include "daiban/cases/case_model.hpp"

#include <algorithm>

namespace daiban::cases {

int Case::MissingEssential() const {
  return static_cast<int>(std::count_if(materials.begin(), materials.end(), [](const auto& m) {
    return m.essential && m.IsMissing();
  }));
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

std::string ToWord(ApplicantKind kind) {
  return kind == ApplicantKind::kFirm ? "firm" : "citizen";
}

std::string ToWord(DeliveryMethod method) {
  return method == DeliveryMethod::kExpress ? "express" : "window";
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

}  // namespace daiban::cases
