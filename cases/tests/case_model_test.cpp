#include "daiban/cases/case_model.hpp"

#include <gtest/gtest.h>

namespace daiban::cases {
namespace {

CaseEvent Event(std::int64_t id, const std::string& type, nlohmann::json data) {
  CaseEvent e;
  e.id = id;
  e.type = type;
  e.at = Moment(std::chrono::seconds(1796090400 + id * 60));
  e.data = std::move(data);
  return e;
}

TEST(RunningUrgencyTest, OnlyWhileSomeoneWorksOnTheCase) {
  Case c;
  const Moment at_risk_at(std::chrono::seconds(1796090400));
  const Moment now = at_risk_at + std::chrono::seconds(1);
  c.state = CaseState::kAccepted;
  EXPECT_FALSE(c.RunningUrgency(now).has_value());  // no clock yet
  c.clock = CaseClock{at_risk_at + std::chrono::hours(8), at_risk_at, false};
  for (auto state : {CaseState::kAccepted, CaseState::kAssigned, CaseState::kInProgress}) {
    c.state = state;
    EXPECT_EQ(c.RunningUrgency(now), Urgency::kAtRisk);
  }
  for (auto state : {CaseState::kSuspended, CaseState::kResultReady, CaseState::kClosed}) {
    c.state = state;
    EXPECT_FALSE(c.RunningUrgency(now).has_value());
  }
}

TEST(CustodyTest, DataNamesBothPartiesAndThePosition) {
  auto data = CustodyData({Role::kAgent, 4, "赵代办", "", ""}, {Role::kWindow, 0, "JN-GA", "", ""},
                          GeoPoint{36.66, 117.05});
  EXPECT_EQ(data["from"]["role"], "agent");
  EXPECT_EQ(data["from"]["name"], "赵代办");
  EXPECT_EQ(data["to"]["role"], "window");
  EXPECT_EQ(data["position"]["lat"], 36.66);
  EXPECT_TRUE(CustodyData({}, {}, std::nullopt)["position"].is_null());
}

TEST(CustodyTest, TheChainIsTheHandOversOfTheTimelineInOrder) {
  const Actor applicant{Role::kApplicant, 0, "刘市民", "", ""};
  const Actor agent{Role::kAgent, 4, "赵代办", "", ""};
  const Actor courier{Role::kCourier, 6, "钱寄递", "", ""};
  std::vector<CaseEvent> timeline = {
      Event(1, "created", nlohmann::json::object()),
      Event(2, "record_progress",
            {{"custody", CustodyData(applicant, agent, GeoPoint{36.6, 117.0})}}),
      Event(3, "note", {{"text", "电话联系"}}),
      Event(4, "pick_up", {{"custody", CustodyData(agent, courier)}}),
      // Malformed custody data is skipped field by field, never thrown on.
      Event(5, "deliver",
            {{"custody", {{"from", "x"}, {"to", {{"role", 7}}}, {"position", {{"lat", "n"}}}}}}),
      Event(6, "rated", {{"custody", "not an object"}}),
  };
  auto chain = CustodyChain(timeline);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].event_id, 2);
  EXPECT_EQ(chain[0].from_name, "刘市民");
  EXPECT_EQ(chain[0].to_role, "agent");
  ASSERT_TRUE(chain[0].position);
  EXPECT_DOUBLE_EQ(chain[0].position->lng, 117.0);
  EXPECT_EQ(chain[1].type, "pick_up");
  EXPECT_EQ(chain[1].to_name, "钱寄递");
  EXPECT_FALSE(chain[1].position);
  EXPECT_EQ(chain[2].from_role, "");
  EXPECT_EQ(chain[2].to_role, "");
  EXPECT_FALSE(chain[2].position);
  EXPECT_EQ(chain[2].at, timeline[4].at);
}

TEST(DeviceTimeFlagTest, FutureAndBeforeTheAssignmentAreFlaggedWithFiveMinutesSlack) {
  const Moment now(std::chrono::seconds(1796090400));
  const Moment assigned = now - std::chrono::hours(1);
  using std::chrono::minutes;
  EXPECT_EQ(DeviceTimeFlag(std::nullopt, now, assigned), "");
  EXPECT_EQ(DeviceTimeFlag(now, now, assigned), "");
  EXPECT_EQ(DeviceTimeFlag(now + minutes(5), now, assigned), "");
  EXPECT_EQ(DeviceTimeFlag(now + minutes(5) + std::chrono::seconds(1), now, assigned), "future");
  EXPECT_EQ(DeviceTimeFlag(assigned - minutes(5), now, assigned), "");
  EXPECT_EQ(DeviceTimeFlag(assigned - minutes(6), now, assigned), "before_assignment");
  EXPECT_EQ(DeviceTimeFlag(assigned - minutes(6), now, std::nullopt), "");
}

}  // namespace
}  // namespace daiban::cases
