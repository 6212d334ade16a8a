#pragma once

// DeliveryStore's contract for couriers and deliveries as one typed suite: every implementation
// runs the same tests, the in-memory store in the unit tests (delivery_store_contract_test.cpp) and
// PgDeliveryStore against PostgreSQL (delivery_store_contract_pgtest.cpp), so the fake cannot
// drift from the real store. A world type gives the suite its store, the regions 370100 (the
// city), 370102 with its street 370102001, and 370103 (cases::testing::kContractRegions), and
// fresh accounts and the cases the store reads (cases::testing::InMemoryContractWorld,
// db::testing::PgContractWorld):
//
//   struct World {
//     DeliveryStore& Store();
//     std::int64_t NewAccount(kernel::Role role);  // an account of that role, nothing else
//     cases::CaseStore& Cases();                   // where the store reads cases from
//   };
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "daiban/cases/testing/store_contract.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/staff_scope.hpp"
#include "daiban/tracking/app/delivery_store.hpp"

namespace daiban::tracking::testing {

template <typename World>
class DeliveryStoreContract : public ::testing::Test {
 protected:
  // 2026-12-01 10:00 China Standard Time.
  static constexpr Moment kNow{std::chrono::seconds(1796090400)};

  static CourierSettings Settings(std::int64_t user_id, std::vector<std::string> regions) {
    return {user_id, "中国邮政EMS", "ebike", 4, true, {36.66, 117.05}, std::move(regions)};
  }
  static kernel::StaffScope Region(const std::string& code) {
    return kernel::StaffScope::Of(code, "");
  }
  DeliveryStore& Store() { return world_.Store(); }

  // A case whose result is ready, in 370102001; its id.
  std::int64_t ResultReady(const std::string& tracking) {
    const auto id = cases::testing::CreateContractCase(world_.Cases(), tracking, "370102001", kNow);
    cases::testing::MoveContractCase(world_.Cases(), tracking, cases::CaseState::kResultReady,
                                     kNow);
    return id;
  }
  // The result leg of a case: from the department's hall to the applicant, in the afternoon.
  static NewDelivery NewLeg(std::int64_t case_id, tracking::Leg leg = tracking::Leg::kResult,
                            int window_hours = 4) {
    NewDelivery d;
    d.case_id = case_id;
    d.leg = leg;
    d.region_code = "370102001";
    d.pickup_key = "dept:JN-GA";
    d.pickup_name = "公安服务大厅";
    d.pickup_address = "历下区龙鼎大道1号";
    d.pickup = {36.66, 117.10};
    d.dropoff_name = "刘市民";
    d.dropoff_address = "历下区解放路1号";
    d.dropoff = {36.67, 117.06};
    d.window = {kNow + std::chrono::hours(4), kNow + std::chrono::hours(4 + window_hours)};
    d.contents = "户口迁移证";
    return d;
  }
  // The only delivery of `leg`'s kind of the case.
  DeliveryRecord Only(std::int64_t case_id, tracking::Leg leg = tracking::Leg::kResult) {
    for (const auto& d : Store().OfCase(case_id)) {
      if (d.leg == leg) return d;
    }
    ADD_FAILURE() << "no delivery of case " << case_id;
    return {};
  }
  std::int64_t Courier(int capacity) {
    const auto id = world_.NewAccount(kernel::Role::kCourier);
    auto settings = Settings(id, {"370102"});
    settings.capacity = capacity;
    Store().SaveCourier(settings, kNow);
    return id;
  }
  // Assigns inside a change of the delivery's case, as the assigner does; `then` may make the
  // change fail.
  bool Assign(
      const std::string& tracking, std::int64_t delivery_id, std::int64_t courier,
      const std::function<void()>& then = [] {}) {
    bool assigned = false;
    world_.Cases().Change(tracking, cases::CaseScope::Everything(),
                          [&](cases::Case&, cases::CaseChange& change) {
                            change.also_in_transaction.push_back([&](db::Tx& tx) {
                              assigned = Store().Assign(tx, delivery_id, courier, kNow);
                              then();
                            });
                          });
    return assigned;
  }
  static std::vector<std::int64_t> Ids(const std::vector<DeliveryRecord>& deliveries) {
    std::vector<std::int64_t> out;
    for (const auto& d : deliveries) out.push_back(d.id);
    return out;
  }

  World world_;
};

TYPED_TEST_SUITE_P(DeliveryStoreContract);

TYPED_TEST_P(DeliveryStoreContract, ASavedCourierReadsBackWithItsCoverageExpanded) {
  const auto id = this->world_.NewAccount(kernel::Role::kCourier);
  this->Store().SaveCourier(this->Settings(id, {"370102"}), this->kNow);
  const auto courier = this->Store().Courier(id, this->kNow, kernel::StaffScope::Everything());
  ASSERT_TRUE(courier.has_value());
  EXPECT_EQ(courier->profile.id, id);
  EXPECT_EQ(courier->company, "中国邮政EMS");
  EXPECT_EQ(courier->vehicle, "ebike");
  EXPECT_EQ(courier->profile.capacity, 4);
  EXPECT_TRUE(courier->profile.on_duty);
  EXPECT_DOUBLE_EQ(courier->profile.base.lat, 36.66);
  EXPECT_DOUBLE_EQ(courier->profile.base.lng, 117.05);
  EXPECT_EQ(courier->profile.load, 0);
  EXPECT_EQ(courier->listed_regions, std::vector<std::string>{"370102"});
  // Listed as a district, it covers the district's streets, never a neighbour.
  EXPECT_TRUE(cases::testing::Contains(courier->profile.covered_regions, "370102"));
  EXPECT_TRUE(cases::testing::Contains(courier->profile.covered_regions, "370102001"));
  EXPECT_FALSE(cases::testing::Contains(courier->profile.covered_regions, "370103"));

  // Saving again replaces the profile.
  auto changed = this->Settings(id, {"370103"});
  changed.capacity = 2;
  this->Store().SaveCourier(changed, this->kNow);
  const auto again = this->Store().Courier(id, this->kNow, kernel::StaffScope::Everything());
  EXPECT_EQ(again->profile.capacity, 2);
  EXPECT_EQ(again->listed_regions, std::vector<std::string>{"370103"});
}

TYPED_TEST_P(DeliveryStoreContract, OnlyCourierAccountsAndKnownRegionsAreSaved) {
  const auto agent = this->world_.NewAccount(kernel::Role::kAgent);
  EXPECT_EQ(cases::testing::RefusalStatus(
                [&] { this->Store().SaveCourier(this->Settings(agent, {"370102"}), this->kNow); }),
            404);
  EXPECT_EQ(cases::testing::RefusalStatus(
                [&] { this->Store().SaveCourier(this->Settings(987654, {"370102"}), this->kNow); }),
            404);
  const auto courier = this->world_.NewAccount(kernel::Role::kCourier);
  EXPECT_EQ(cases::testing::RefusalStatus([&] {
              this->Store().SaveCourier(this->Settings(courier, {"370102", "379999"}), this->kNow);
            }),
            422);
  EXPECT_FALSE(
      this->Store().Courier(courier, this->kNow, kernel::StaffScope::Everything()).has_value());
  EXPECT_FALSE(
      this->Store().Courier(agent, this->kNow, kernel::StaffScope::Everything()).has_value());
}

TYPED_TEST_P(DeliveryStoreContract, DutyChangesOnlyForACourierWithAProfile) {
  const auto id = this->world_.NewAccount(kernel::Role::kCourier);
  EXPECT_FALSE(this->Store().SetDuty(id, true, this->kNow));
  this->Store().SaveCourier(this->Settings(id, {"370102"}), this->kNow);
  EXPECT_TRUE(this->Store().SetDuty(id, false, this->kNow));
  EXPECT_FALSE(
      this->Store().Courier(id, this->kNow, kernel::StaffScope::Everything())->profile.on_duty);
  EXPECT_TRUE(this->Store().SetDuty(id, true, this->kNow));
  EXPECT_TRUE(
      this->Store().Courier(id, this->kNow, kernel::StaffScope::Everything())->profile.on_duty);
}

TYPED_TEST_P(DeliveryStoreContract, AScopeSeesTheCouriersOfItsRegionsOnly) {
  const auto lixia = this->world_.NewAccount(kernel::Role::kCourier);
  const auto shizhong = this->world_.NewAccount(kernel::Role::kCourier);
  this->Store().SaveCourier(this->Settings(lixia, {"370102"}), this->kNow);
  this->Store().SaveCourier(this->Settings(shizhong, {"370103"}), this->kNow);
  auto ids = [&](const kernel::StaffScope& scope) {
    std::vector<std::int64_t> out;
    for (const auto& c : this->Store().Couriers(this->kNow, scope)) out.push_back(c.profile.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ids(kernel::StaffScope::Everything()), (std::vector<std::int64_t>{lixia, shizhong}));
  EXPECT_EQ(ids(this->Region("370100")), (std::vector<std::int64_t>{lixia, shizhong}));
  EXPECT_EQ(ids(this->Region("370102")), std::vector<std::int64_t>{lixia});
  EXPECT_EQ(ids(this->Region("370103")), std::vector<std::int64_t>{shizhong});
  // A courier serves no department: a department scope sees none, an empty scope nothing.
  EXPECT_TRUE(ids(kernel::StaffScope::Of("", "JN-SWJ")).empty());
  EXPECT_TRUE(ids(kernel::StaffScope::Nothing()).empty());
  EXPECT_FALSE(this->Store().Courier(lixia, this->kNow, this->Region("370103")).has_value());
  EXPECT_TRUE(this->Store().Courier(lixia, this->kNow, this->Region("370102")).has_value());
}

TYPED_TEST_P(DeliveryStoreContract, ALegIsCreatedOncePerCaseAndKindAndReadsBackWithItsCase) {
  const auto case_id = this->ResultReady("DB0001");
  EXPECT_TRUE(this->Store().Create(this->NewLeg(case_id), this->kNow));
  EXPECT_FALSE(this->Store().Create(this->NewLeg(case_id), this->kNow));  // a repeated event
  EXPECT_TRUE(this->Store().Create(this->NewLeg(case_id, Leg::kCollection), this->kNow));
  ASSERT_EQ(this->Store().OfCase(case_id).size(), 2u);

  const auto leg = this->Only(case_id);
  EXPECT_GT(leg.id, 0);
  EXPECT_EQ(leg.case_id, case_id);
  EXPECT_EQ(leg.tracking_number, "DB0001");
  EXPECT_EQ(leg.state, DeliveryState::kPending);
  EXPECT_EQ(leg.courier_id, 0);
  EXPECT_EQ(leg.region_code, "370102001");
  EXPECT_EQ(leg.pickup_key, "dept:JN-GA");
  EXPECT_EQ(leg.pickup_name, "公安服务大厅");
  EXPECT_DOUBLE_EQ(leg.pickup.lat, 36.66);
  EXPECT_EQ(leg.dropoff_address, "历下区解放路1号");
  EXPECT_DOUBLE_EQ(leg.dropoff.lng, 117.06);
  EXPECT_EQ(leg.window.from, this->kNow + std::chrono::hours(4));
  EXPECT_EQ(leg.window.to, this->kNow + std::chrono::hours(8));
  EXPECT_EQ(leg.contents, "户口迁移证");
  EXPECT_EQ(leg.attempts, 0);
  EXPECT_FALSE(leg.stop_order.has_value());
  EXPECT_EQ(leg.version, 1);
  EXPECT_EQ(leg.created_at, this->kNow);
  const auto found = this->Store().Find(leg.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->tracking_number, "DB0001");
  EXPECT_FALSE(this->Store().Find(leg.id + 1000).has_value());
  // Waiting for a courier, the earliest window's end first.
  const auto other_case = this->ResultReady("DB0002");
  this->Store().Create(this->NewLeg(other_case, Leg::kResult, 1), this->kNow);
  const auto pending = this->Store().Pending(10);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].id, this->Only(other_case).id);
  EXPECT_EQ(this->Store().Pending(1).size(), 1u);
}

TYPED_TEST_P(DeliveryStoreContract, APendingLegIsAssignedToACourierWithRoomOnly) {
  const auto first = this->ResultReady("DB0001");
  const auto second = this->ResultReady("DB0002");
  this->Store().Create(this->NewLeg(first), this->kNow);
  this->Store().Create(this->NewLeg(second), this->kNow);
  const auto leg = this->Only(first).id;
  const auto other_leg = this->Only(second).id;
  const auto courier = this->Courier(1);
  const auto spare = this->Courier(1);

  // A change that fails after the assignment takes it back.
  EXPECT_EQ(cases::testing::RefusalStatus([&] {
              this->Assign("DB0001", leg, courier,
                           [] { throw kernel::Conflict("stale_version", "changed"); });
            }),
            409);
  EXPECT_EQ(this->Store().Find(leg)->state, DeliveryState::kPending);

  EXPECT_FALSE(this->Assign("DB0001", leg, 987654));  // no such courier
  EXPECT_TRUE(this->Assign("DB0001", leg, courier));
  const auto assigned = this->Store().Find(leg);
  EXPECT_EQ(assigned->state, DeliveryState::kAssigned);
  EXPECT_EQ(assigned->courier_id, courier);
  EXPECT_FALSE(assigned->courier_name.empty());
  EXPECT_EQ(assigned->assigned_at, this->kNow);
  EXPECT_EQ(assigned->version, 2);
  EXPECT_EQ(this->Ids(this->Store().OpenOf(courier)), std::vector<std::int64_t>{leg});
  EXPECT_EQ(this->Ids(this->Store().Pending(10)), std::vector<std::int64_t>{other_leg});
  // Full: its capacity is one open delivery. Taken: no second courier gets it.
  EXPECT_FALSE(this->Assign("DB0002", other_leg, courier));
  EXPECT_FALSE(this->Assign("DB0001", leg, spare));
  EXPECT_TRUE(this->Store().OpenOf(spare).empty());
}

TYPED_TEST_P(DeliveryStoreContract, ASavedPlanReadsBackInPlanOrder) {
  const auto first = this->ResultReady("DB0001");
  const auto second = this->ResultReady("DB0002");
  const auto third = this->ResultReady("DB0003");
  for (auto id : {first, second, third}) this->Store().Create(this->NewLeg(id), this->kNow);
  const auto courier = this->Courier(5);
  const auto a = this->Only(first).id, b = this->Only(second).id, c = this->Only(third).id;
  const std::vector<std::pair<std::string, std::int64_t>> legs{
      {"DB0001", a}, {"DB0002", b}, {"DB0003", c}};
  for (const auto& [tracking, id] : legs) ASSERT_TRUE(this->Assign(tracking, id, courier));
  const Moment soon = this->kNow + std::chrono::minutes(20);
  const Moment later = this->kNow + std::chrono::minutes(50);
  this->Store().SavePlan({{b, 1, soon, false}, {a, 2, later, true}});
  // Planned first in plan order, the unplanned last.
  EXPECT_EQ(this->Ids(this->Store().OpenOf(courier)), (std::vector<std::int64_t>{b, a, c}));
  const auto planned = this->Store().Find(a);
  ASSERT_TRUE(planned->stop_order.has_value());
  EXPECT_EQ(*planned->stop_order, 2);
  EXPECT_EQ(planned->planned_at, later);
  EXPECT_TRUE(planned->planned_late);
  EXPECT_FALSE(this->Store().Find(b)->planned_late);
  EXPECT_FALSE(this->Store().Find(c)->stop_order.has_value());

  // A new plan replaces the old one's order.
  this->Store().SavePlan({{c, 1, soon, false}, {a, 2, later, false}, {b, 3, later, false}});
  EXPECT_EQ(this->Ids(this->Store().OpenOf(courier)), (std::vector<std::int64_t>{c, a, b}));
  EXPECT_FALSE(this->Store().Find(a)->planned_late);
  this->Store().SavePlan({});  // nothing to save
  EXPECT_EQ(*this->Store().Find(b)->stop_order, 3);
}

TYPED_TEST_P(DeliveryStoreContract, APlanSavedWithItsAssignmentCommitsOrFailsWithIt) {
  const auto first = this->ResultReady("DB0001");
  this->Store().Create(this->NewLeg(first), this->kNow);
  const auto leg = this->Only(first).id;
  const auto courier = this->Courier(3);
  const Moment soon = this->kNow + std::chrono::minutes(20);
  // As the assigner does: the leg and the plan that won it, in the case's change.
  const auto assign_with_plan = [&](bool fail) {
    this->world_.Cases().Change("DB0001", cases::CaseScope::Everything(),
                                [&](cases::Case&, cases::CaseChange& change) {
                                  change.also_in_transaction.push_back([&](db::Tx& tx) {
                                    ASSERT_TRUE(this->Store().Assign(tx, leg, courier, this->kNow));
                                    this->Store().SavePlan(tx, {{leg, 1, soon, false}});
                                    if (fail) throw kernel::Conflict("stale_version", "changed");
                                  });
                                });
  };
  EXPECT_EQ(cases::testing::RefusalStatus([&] { assign_with_plan(true); }), 409);
  EXPECT_EQ(this->Store().Find(leg)->state, DeliveryState::kPending);
  EXPECT_FALSE(this->Store().Find(leg)->stop_order.has_value());

  assign_with_plan(false);
  const auto assigned = this->Store().Find(leg);
  EXPECT_EQ(assigned->state, DeliveryState::kAssigned);
  ASSERT_TRUE(assigned->stop_order.has_value());
  EXPECT_EQ(*assigned->stop_order, 1);
  EXPECT_EQ(assigned->planned_at, soon);
}

REGISTER_TYPED_TEST_SUITE_P(DeliveryStoreContract, ASavedCourierReadsBackWithItsCoverageExpanded,
                            OnlyCourierAccountsAndKnownRegionsAreSaved,
                            DutyChangesOnlyForACourierWithAProfile,
                            AScopeSeesTheCouriersOfItsRegionsOnly,
                            ALegIsCreatedOncePerCaseAndKindAndReadsBackWithItsCase,
                            APendingLegIsAssignedToACourierWithRoomOnly,
                            ASavedPlanReadsBackInPlanOrder,
                            APlanSavedWithItsAssignmentCommitsOrFailsWithIt);

}  // namespace daiban::tracking::testing
