// A phone user's record and duty against the in-memory dispatch and delivery stores: the role
// decides which context answers, and the other is left alone.
#include "daiban/mobile/app/field_worker_service.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/testing/case_world.hpp"
#include "daiban/dispatch/testing/in_memory_dispatch_store.hpp"
#include "daiban/dispatch/testing/in_memory_live_state.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/tracking/testing/in_memory_delivery_store.hpp"

namespace daiban::mobile {
namespace {

using cases::testing::CaseWorld;
using kernel::Role;

constexpr std::int64_t kZhao = 4;  // an agent
constexpr std::int64_t kQian = 5;  // a courier

class NoHalls final : public tracking::HallDirectory {
 public:
  std::optional<tracking::Hall> HallOf(const std::string&) override { return std::nullopt; }
};

class FieldWorkerServiceTest : public ::testing::Test {
 protected:
  FieldWorkerServiceTest() {
    live.Rebuild({});
    agents.AddRegion("370102");
    agents.AddAccount(kZhao, "赵代办", "13800000004");
    dispatch::AgentSettings settings;
    settings.user_id = kZhao;
    settings.capacity = 2;
    settings.on_duty = true;
    settings.hours.fill("00:00-24:00");
    settings.regions = {"370102"};
    settings.departments = {"JN-GA"};
    dispatch.SaveAgent(settings);
    couriers.AddRegion("370102");
    couriers.AddAccount(kQian, "钱寄递", "13800000005");
    deliveries.SaveCourier({kQian, "中国邮政EMS", "ebike", 2, true, {36.652, 117.021}, {"370102"}});
  }

  bool AgentOnDuty() { return dispatch.OwnRecord(kAgent)->profile.on_duty; }
  bool CourierOnDuty() { return deliveries.Courier(kQian)->profile.on_duty; }

  static inline const cases::Actor kAgent = CaseWorld::Agent(kZhao);
  static inline const cases::Actor kCourier{Role::kCourier, kQian, "钱寄递", "", ""};
  CaseWorld world;
  dispatch::testing::InMemoryDispatchStore agents{world.store};
  dispatch::testing::InMemoryLiveState live{world.clock};
  kernel::Logger logger{"dispatch", kernel::LogLevel::kError, world.clock};
  dispatch::DispatchService dispatch{agents, world.cases, live, world.clock, logger, {}};
  tracking::testing::InMemoryDeliveryStore couriers{world.store};
  NoHalls halls;
  tracking::DeliveryService deliveries{couriers, world.cases, halls, world.clock};
  FieldWorkerService service{dispatch, deliveries};
};

TEST_F(FieldWorkerServiceTest, AnAgentsRecordAndDutyAreDispatchs) {
  auto own = service.Own(kAgent);
  ASSERT_TRUE(own.agent);
  EXPECT_FALSE(own.courier);
  EXPECT_EQ(own.agent->profile.capacity, 2);
  service.SetDuty(kAgent, false);
  EXPECT_FALSE(AgentOnDuty());
  EXPECT_TRUE(CourierOnDuty());
  service.SetDuty(kAgent, true);
  EXPECT_TRUE(AgentOnDuty());
}

TEST_F(FieldWorkerServiceTest, ACouriersRecordAndDutyAreTrackings) {
  auto own = service.Own(kCourier);
  ASSERT_TRUE(own.courier);
  EXPECT_FALSE(own.agent);
  EXPECT_EQ(own.courier->company, "中国邮政EMS");
  service.SetDuty(kCourier, false);
  EXPECT_FALSE(CourierOnDuty());
  EXPECT_TRUE(AgentOnDuty());
}

// An agent without a dispatch profile has an empty record; its duty is 404, as before.
TEST_F(FieldWorkerServiceTest, AnAccountWithoutAProfile) {
  const auto newcomer = CaseWorld::Agent(40, "新代办");
  EXPECT_FALSE(service.Own(newcomer).agent);
  EXPECT_THROW(service.SetDuty(newcomer, true), kernel::ApiError);
}

TEST_F(FieldWorkerServiceTest, OtherRolesAreRefused) {
  for (const auto& other : {CaseWorld::Window(), CaseWorld::Supervisor()}) {
    try {
      service.SetDuty(other, true);
      FAIL() << "only agents and couriers go on duty";
    } catch (const kernel::ApiError& e) {
      EXPECT_EQ(e.Status(), 403);
    }
    EXPECT_THROW(service.Own(other), kernel::ApiError);
  }
  EXPECT_TRUE(AgentOnDuty());
  EXPECT_TRUE(CourierOnDuty());
}

}  // namespace
}  // namespace daiban::mobile
