#pragma once

// DispatchStore's contract for agents as one typed suite: every implementation runs the same
// tests, the in-memory store in the unit tests (dispatch_store_contract_test.cpp) and
// PgDispatchStore against PostgreSQL (dispatch_store_contract_pgtest.cpp), so the fake cannot
// drift from the real store. A world type gives the suite its store, the regions 370100 (the
// city), 370102 with its street 370102001, and 370103 (cases::testing::kContractRegions), and
// fresh accounts (cases::testing::InMemoryContractWorld, db::testing::PgContractWorld):
//
//   struct World {
//     DispatchStore& Store();
//     std::int64_t NewAccount(kernel::Role role);  // an account of that role, nothing else
//   };
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "daiban/cases/testing/store_contract.hpp"
#include "daiban/dispatch/app/dispatch_store.hpp"
#include "daiban/kernel/staff_scope.hpp"

namespace daiban::dispatch::testing {

template <typename World>
class DispatchStoreContract : public ::testing::Test {
 protected:
  static AgentSettings Settings(std::int64_t user_id, std::vector<std::string> regions) {
    AgentSettings settings;
    settings.user_id = user_id;
    settings.capacity = 3;
    settings.on_duty = true;
    settings.regions = std::move(regions);
    return settings;
  }
  static kernel::StaffScope Region(const std::string& code) {
    return kernel::StaffScope::Of(code, "");
  }
  std::vector<std::int64_t> Ids(const std::string& covering, const kernel::StaffScope& scope) {
    std::vector<std::int64_t> out;
    for (const auto& agent : Store().Agents(covering, scope)) out.push_back(agent.profile.id);
    std::sort(out.begin(), out.end());
    return out;
  }
  DispatchStore& Store() { return world_.Store(); }

  World world_;
};

TYPED_TEST_SUITE_P(DispatchStoreContract);

TYPED_TEST_P(DispatchStoreContract, ASavedAgentReadsBackWithItsCoverageExpanded) {
  const auto id = this->world_.NewAccount(kernel::Role::kAgent);
  this->Store().SaveAgent(this->Settings(id, {"370102"}));
  const auto agent = this->Store().Agent(id, kernel::StaffScope::Everything());
  ASSERT_TRUE(agent.has_value());
  EXPECT_EQ(agent->profile.id, id);
  EXPECT_EQ(agent->profile.capacity, 3);
  EXPECT_TRUE(agent->profile.on_duty);
  EXPECT_EQ(agent->profile.load, 0);
  EXPECT_TRUE(agent->active);
  EXPECT_EQ(agent->listed_regions, std::vector<std::string>{"370102"});
  // Listed as a district, it covers the district's streets, never a neighbour.
  EXPECT_TRUE(cases::testing::Contains(agent->profile.covered_regions, "370102001"));
  EXPECT_FALSE(cases::testing::Contains(agent->profile.covered_regions, "370103"));

  // Saving again replaces the settings.
  auto changed = this->Settings(id, {"370103"});
  changed.capacity = 1;
  this->Store().SaveAgent(changed);
  const auto again = this->Store().Agent(id, kernel::StaffScope::Everything());
  EXPECT_EQ(again->profile.capacity, 1);
  EXPECT_EQ(again->listed_regions, std::vector<std::string>{"370103"});
}

TYPED_TEST_P(DispatchStoreContract, OnlyAgentAccountsAndKnownRegionsAreSaved) {
  const auto courier = this->world_.NewAccount(kernel::Role::kCourier);
  EXPECT_EQ(cases::testing::RefusalStatus(
                [&] { this->Store().SaveAgent(this->Settings(courier, {"370102"})); }),
            422);
  EXPECT_EQ(cases::testing::RefusalStatus(
                [&] { this->Store().SaveAgent(this->Settings(987654, {"370102"})); }),
            422);
  const auto agent = this->world_.NewAccount(kernel::Role::kAgent);
  EXPECT_EQ(cases::testing::RefusalStatus([&] {
              this->Store().SaveAgent(this->Settings(agent, {"370102", "379999"}));
            }),
            422);
  EXPECT_FALSE(this->Store().Agent(agent, kernel::StaffScope::Everything()).has_value());
  EXPECT_FALSE(this->Store().Agent(courier, kernel::StaffScope::Everything()).has_value());
}

TYPED_TEST_P(DispatchStoreContract, DutyChangesOnlyForAnAgentInScope) {
  const auto id = this->world_.NewAccount(kernel::Role::kAgent);
  EXPECT_FALSE(this->Store().SetDuty(id, false, kernel::StaffScope::Everything()));
  this->Store().SaveAgent(this->Settings(id, {"370102"}));
  // Out of the caller's scope: refused, and nothing changed.
  EXPECT_FALSE(this->Store().SetDuty(id, false, this->Region("370103")));
  EXPECT_TRUE(this->Store().Agent(id, kernel::StaffScope::Everything())->profile.on_duty);
  EXPECT_TRUE(this->Store().SetDuty(id, false, this->Region("370102")));
  EXPECT_FALSE(this->Store().Agent(id, kernel::StaffScope::Everything())->profile.on_duty);
}

TYPED_TEST_P(DispatchStoreContract, AgentsAreListedByTheRegionTheyCoverAndTheCallersScope) {
  const auto lixia = this->world_.NewAccount(kernel::Role::kAgent);
  const auto shizhong = this->world_.NewAccount(kernel::Role::kAgent);
  this->Store().SaveAgent(this->Settings(lixia, {"370102"}));
  this->Store().SaveAgent(this->Settings(shizhong, {"370103"}));
  const auto everything = kernel::StaffScope::Everything();
  EXPECT_EQ(this->Ids("", everything), (std::vector<std::int64_t>{lixia, shizhong}));
  EXPECT_EQ(this->Ids("370102001", everything), std::vector<std::int64_t>{lixia});
  EXPECT_EQ(this->Ids("370103", everything), std::vector<std::int64_t>{shizhong});
  EXPECT_EQ(this->Ids("", this->Region("370100")), (std::vector<std::int64_t>{lixia, shizhong}));
  EXPECT_EQ(this->Ids("", this->Region("370102")), std::vector<std::int64_t>{lixia});
  EXPECT_TRUE(this->Ids("", kernel::StaffScope::Nothing()).empty());
  EXPECT_FALSE(this->Store().Agent(lixia, this->Region("370103")).has_value());
  EXPECT_TRUE(this->Store().Agent(lixia, this->Region("370102")).has_value());
}

REGISTER_TYPED_TEST_SUITE_P(DispatchStoreContract, ASavedAgentReadsBackWithItsCoverageExpanded,
                            OnlyAgentAccountsAndKnownRegionsAreSaved,
                            DutyChangesOnlyForAnAgentInScope,
                            AgentsAreListedByTheRegionTheyCoverAndTheCallersScope);

}  // namespace daiban::dispatch::testing
