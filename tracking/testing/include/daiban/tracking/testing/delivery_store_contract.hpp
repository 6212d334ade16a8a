#pragma once

// DeliveryStore's contract for couriers as one typed suite: every implementation runs the same
// tests, the in-memory store in the unit tests (delivery_store_contract_test.cpp) and
// PgDeliveryStore against PostgreSQL (delivery_store_contract_pgtest.cpp), so the fake cannot
// drift from the real store. A world type gives the suite its store, the regions 370100 (the
// city), 370102 with its street 370102001, and 370103 (cases::testing::kContractRegions), and
// fresh accounts (cases::testing::InMemoryContractWorld, db::testing::PgContractWorld):
//
//   struct World {
//     DeliveryStore& Store();
//     std::int64_t NewAccount(kernel::Role role);  // an account of that role, nothing else
//   };
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "daiban/cases/testing/store_contract.hpp"
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

REGISTER_TYPED_TEST_SUITE_P(DeliveryStoreContract, ASavedCourierReadsBackWithItsCoverageExpanded,
                            OnlyCourierAccountsAndKnownRegionsAreSaved,
                            DutyChangesOnlyForACourierWithAProfile,
                            AScopeSeesTheCouriersOfItsRegionsOnly);

}  // namespace daiban::tracking::testing
