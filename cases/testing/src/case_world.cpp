#include "daiban/cases/testing/case_world.hpp"

#include "daiban/cases/china_time.hpp"

namespace daiban::cases::testing {

std::optional<CaseTerms> InMemoryCaseCatalogue::Item(const std::string& code) {
  auto found = items_.find(code);
  if (found == items_.end() || found->second.is_bundle) return std::nullopt;
  return found->second;
}

std::optional<CaseTerms> InMemoryCaseCatalogue::Bundle(const std::string& code) {
  auto found = items_.find(code);
  if (found == items_.end() || !found->second.is_bundle) return std::nullopt;
  return found->second;
}

FixedCalendar::FixedCalendar(std::set<std::chrono::year> years)
    : calendar_(std::make_shared<const WorkingCalendar>(std::vector<CalendarEntry>{},
                                                        std::move(years))) {}

CaseWorld::CaseWorld()
    : clock(*ParseRfc3339("2026-12-01T10:00:00+08:00")),
      cases(store, catalogue, calendar, guesses, clock, ids) {
  CaseTerms item;
  item.code = "GA-002";
  item.name = "户口迁移";
  item.department_code = "JN-GA";
  item.department_region_code = "370100";
  item.committed_days = 3;
  item.modes = {"proxy"};
  item.delivery_options = {"window", "express"};
  for (int seq = 1; seq <= 4; ++seq) {
    item.materials.push_back({"GA-002", seq, "材料" + std::to_string(seq), seq <= 3});
  }
  catalogue.AddItem(item);
  catalogue.AddRegion("370100");
  catalogue.AddRegion("370102");
  catalogue.AddRegion("370102001");
  store.AddAgent(4, "赵代办", "13800000004");
  store.AddAgent(14, "孙代办", "13800000014");
}

CaseRequest HukouRequest(DeliveryMethod delivery, int materials) {
  CaseRequest request;
  request.item_code = "GA-002";
  request.mode = "proxy";
  request.region_code = "370102001";
  request.applicant = {ApplicantKind::kCitizen,
                       "刘市民",
                       "13912345678",
                       "11010519491231002X",
                       "历下区解放路1号",
                       {36.66, 117.05},
                       "",
                       ""};
  for (int seq = 1; seq <= materials; ++seq) request.materials.push_back({"", seq, true});
  request.delivery.method = delivery;
  if (delivery == DeliveryMethod::kExpress) {
    request.delivery.address = "历下区解放路1号";
    request.delivery.location = GeoPoint{36.66, 117.05};
  }
  return request;
}

Case CaseWorld::Submit(DeliveryMethod delivery) {
  const CaseRequest request = HukouRequest(delivery, 4);
  Case created;
  cases.Submit(request, std::nullopt, [&](const Submission& s) {
    created = s.created;
    if (!s.access_code.empty()) access_code = s.access_code;
    return std::string("{}");
  });
  return *store.Find(created.tracking_number, CaseScope::Everything());
}

Case CaseWorld::Assigned(const Actor& agent) {
  Case c = Submit();
  cases.Accept(c.tracking_number, Window(), {});
  return cases.Transition(c.tracking_number, CaseScope::Everything(), agent, CaseAction::kAssign,
                          "", nlohmann::json::object(), std::nullopt,
                          [&](Case& assigned, CaseChange&) { assigned.agent_id = agent.user_id; });
}

}  // namespace daiban::cases::testing
