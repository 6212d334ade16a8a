#pragma once

// DispatchStore's contract for agents and offers as one typed suite: every implementation runs the
// same tests, the in-memory store in the unit tests (dispatch_store_contract_test.cpp) and
// PgDispatchStore against PostgreSQL (dispatch_store_contract_pgtest.cpp), so the fake cannot
// drift from the real store. A world type gives the suite its store, the regions 370100 (the
// city), 370102 with its street 370102001, and 370103 (cases::testing::kContractRegions), and
// fresh accounts and the cases the store reads (cases::testing::InMemoryContractWorld,
// db::testing::PgContractWorld):
//
//   struct World {
//     DispatchStore& Store();
//     std::int64_t NewAccount(kernel::Role role);  // an account of that role, nothing else
//     cases::CaseStore& Cases();                   // where the store reads cases from
//   };
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/testing/store_contract.hpp"
#include "daiban/db/tx.hpp"
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
    for (const auto& agent : Store().Agents(covering, scope, {})) out.push_back(agent.profile.id);
    std::sort(out.begin(), out.end());
    return out;
  }
  DispatchStore& Store() { return world_.Store(); }

  // 2026-12-01 10:00 China Standard Time.
  static constexpr Moment kNow{std::chrono::seconds(1796090400)};
  static constexpr std::chrono::seconds kOfferFor{30};
  // An accepted case in `region`, waiting for an offer.
  void Accepted(const std::string& tracking, const std::string& region = "370102001") {
    cases::testing::CreateContractCase(world_.Cases(), tracking, region, kNow);
    cases::testing::MoveContractCase(world_.Cases(), tracking, cases::CaseState::kAccepted, kNow);
  }
  // An agent on duty covering 370102 with room for `capacity` cases.
  std::int64_t Agent(int capacity = 3) {
    const auto id = world_.NewAccount(kernel::Role::kAgent);
    auto settings = Settings(id, {"370102"});
    settings.capacity = capacity;
    Store().SaveAgent(settings);
    return id;
  }
  std::optional<OfferRecord> Offer(const std::string& tracking, std::int64_t agent) {
    return Store().CreateOffer(tracking, agent, false, kNow, kNow + kOfferFor);
  }
  // The agent takes the offer as the use case does: in the change that assigns it the case, so
  // the offer and the case move together or not at all (`then` may make the change fail).
  void Take(
      const std::string& tracking, std::int64_t offer_id, std::int64_t agent, Moment at,
      const std::function<void()>& then = [] {}) {
    world_.Cases().Change(
        tracking, cases::CaseScope::Everything(), [&](cases::Case& c, cases::CaseChange& change) {
          c.state = cases::CaseState::kAssigned;
          c.agent_id = agent;
          change.also_in_transaction.push_back([&, offer_id, agent](db::Tx& tx) {
            Store().AnswerOffer(tx, offer_id, agent, OfferState::kAccepted, "", at);
            then();
          });
        });
  }
  std::vector<std::int64_t> PendingIds(std::int64_t agent) {
    std::vector<std::int64_t> out;
    for (const auto& offer : Store().PendingOffers(agent)) out.push_back(offer.id);
    return out;
  }

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

TYPED_TEST_P(DispatchStoreContract, AgentsArePagedByIdAfterTheFilters) {
  const auto first = this->world_.NewAccount(kernel::Role::kAgent);
  const auto elsewhere = this->world_.NewAccount(kernel::Role::kAgent);
  const auto second = this->world_.NewAccount(kernel::Role::kAgent);
  const auto third = this->world_.NewAccount(kernel::Role::kAgent);
  for (auto id : {first, second, third}) this->Store().SaveAgent(this->Settings(id, {"370102"}));
  this->Store().SaveAgent(this->Settings(elsewhere, {"370103"}));
  auto page = [&](std::int64_t after, int limit) {
    std::vector<std::int64_t> ids;
    for (const auto& agent : this->Store().Agents("", this->Region("370102"), {after, limit}))
      ids.push_back(agent.profile.id);
    return ids;
  };
  // The agent out of scope takes no place on a page.
  EXPECT_EQ(page(0, 2), (std::vector<std::int64_t>{first, second}));
  EXPECT_EQ(page(second, 2), std::vector<std::int64_t>{third});
  EXPECT_TRUE(page(third, 2).empty());
  EXPECT_EQ(page(0, 0), (std::vector<std::int64_t>{first, second, third}));  // 0: all
}

TYPED_TEST_P(DispatchStoreContract, TheBoardShowsTheAgentsWithoutWhatOnlyAssignmentReads) {
  const auto first = this->Agent();
  const auto second = this->Agent();
  this->Accepted("DB0001");
  ASSERT_TRUE(this->Offer("DB0001", second).has_value());
  const auto everything = kernel::StaffScope::Everything();
  for (const AgentPage page : {AgentPage{0, 0}, AgentPage{0, 1}, AgentPage{first, 5}}) {
    const auto agents = this->Store().Agents("", everything, page);
    const auto board = this->Store().Board("", everything, page);
    ASSERT_EQ(board.size(), agents.size());
    for (std::size_t i = 0; i < board.size(); ++i) {
      const auto& shown = board[i];
      const auto& full = agents[i];
      EXPECT_EQ(shown.profile.id, full.profile.id);
      EXPECT_EQ(shown.profile.name, full.profile.name);
      EXPECT_EQ(shown.phone, full.phone);
      EXPECT_EQ(shown.profile.capacity, full.profile.capacity);
      EXPECT_EQ(shown.profile.on_duty, full.profile.on_duty);
      EXPECT_EQ(shown.profile.departments, full.profile.departments);
      EXPECT_EQ(shown.listed_regions, full.listed_regions);
      EXPECT_EQ(shown.open_cases, full.open_cases);
      EXPECT_EQ(shown.pending_offers, full.pending_offers);
      EXPECT_EQ(shown.profile.load, full.profile.load);
      EXPECT_EQ(shown.active, full.active);
      EXPECT_FALSE(full.profile.covered_regions.empty());
      EXPECT_TRUE(shown.profile.covered_regions.empty());
      EXPECT_TRUE(shown.profile.appointments.empty());
    }
  }
  const auto board = this->Store().Board("", everything, {});
  ASSERT_EQ(board.size(), 2u);
  EXPECT_EQ(board[1].profile.id, second);
  EXPECT_EQ(board[1].pending_offers, 1);
  EXPECT_EQ(board[1].profile.load, 1);
  EXPECT_EQ(board[1].listed_regions, std::vector<std::string>{"370102"});
}

TYPED_TEST_P(DispatchStoreContract, AnOfferIsMadeForAnAcceptedCaseOnlyAndOneAtATime) {
  const auto agent = this->Agent();
  const auto other = this->Agent();
  cases::testing::CreateContractCase(this->world_.Cases(), "DB0001", "370102001", this->kNow);
  EXPECT_FALSE(this->Offer("DB0001", agent).has_value());  // still submitted
  EXPECT_FALSE(this->Offer("DB9999", agent).has_value());  // no such case
  cases::testing::MoveContractCase(this->world_.Cases(), "DB0001", cases::CaseState::kAccepted,
                                   this->kNow);
  EXPECT_FALSE(this->Offer("DB0001", 987654).has_value());  // no such agent

  const auto offer = this->Offer("DB0001", agent);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->tracking_number, "DB0001");
  EXPECT_EQ(offer->region_code, "370102001");
  EXPECT_EQ(offer->agent_id, agent);
  EXPECT_EQ(offer->state, OfferState::kPending);
  EXPECT_EQ(offer->offered_at, this->kNow);
  EXPECT_EQ(offer->expires_at, this->kNow + this->kOfferFor);
  // One live offer per case: a second dispatcher's offer to another agent is not made.
  EXPECT_FALSE(this->Offer("DB0001", other).has_value());
  EXPECT_FALSE(this->Offer("DB0001", agent).has_value());

  const auto read = this->Store().Offer(offer->id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->agent_id, agent);
  EXPECT_EQ(read->state, OfferState::kPending);
  EXPECT_EQ(this->PendingIds(agent), std::vector<std::int64_t>{offer->id});
  EXPECT_TRUE(this->PendingIds(other).empty());
  EXPECT_EQ(this->PendingIds(0), std::vector<std::int64_t>{offer->id});
  EXPECT_EQ(this->Store().OffersMade("DB0001"), 1);
}

TYPED_TEST_P(DispatchStoreContract, AnAgentIsOfferedNoMoreThanItsCapacity) {
  const auto agent = this->Agent(1);
  this->Accepted("DB0001");
  this->Accepted("DB0002");
  ASSERT_TRUE(this->Offer("DB0001", agent).has_value());
  // A pending offer holds a place, as an open case does.
  EXPECT_FALSE(this->Offer("DB0002", agent).has_value());
  EXPECT_EQ(this->Store().OffersMade("DB0002"), 0);
}

TYPED_TEST_P(DispatchStoreContract, ATakenOfferMovesWithTheCaseChange) {
  const auto agent = this->Agent();
  const auto other = this->Agent();
  this->Accepted("DB0001");
  const auto offer = this->Offer("DB0001", agent);
  ASSERT_TRUE(offer.has_value());
  // Another agent cannot take it; a change that fails after taking it leaves it pending.
  EXPECT_EQ(
      cases::testing::RefusalStatus([&] { this->Take("DB0001", offer->id, other, this->kNow); }),
      409);
  EXPECT_EQ(cases::testing::RefusalStatus([&] {
              this->Take("DB0001", offer->id, agent, this->kNow,
                         [] { throw kernel::Conflict("agent_full", "no room"); });
            }),
            409);
  EXPECT_EQ(this->Store().Offer(offer->id)->state, OfferState::kPending);

  this->Take("DB0001", offer->id, agent, this->kNow + std::chrono::seconds(10));
  EXPECT_EQ(this->Store().Offer(offer->id)->state, OfferState::kAccepted);
  EXPECT_TRUE(this->PendingIds(agent).empty());
  // Taken once: a second answer is refused.
  EXPECT_EQ(cases::testing::RefusalStatus([&] {
              this->Take("DB0001", offer->id, agent, this->kNow + std::chrono::seconds(11));
            }),
            409);
}

TYPED_TEST_P(DispatchStoreContract, ADeclinedOfferKeepsItsReasonAndFreesTheCase) {
  const auto agent = this->Agent();
  const auto other = this->Agent();
  this->Accepted("DB0001");
  const auto offer = this->Offer("DB0001", agent);
  ASSERT_TRUE(offer.has_value());
  EXPECT_FALSE(this->Store().DeclineOffer(offer->id, other, "不是我的", this->kNow));
  EXPECT_TRUE(this->Store().DeclineOffer(offer->id, agent, "路程太远", this->kNow));
  EXPECT_FALSE(this->Store().DeclineOffer(offer->id, agent, "again", this->kNow));
  const auto declined = this->Store().Offer(offer->id);
  EXPECT_EQ(declined->state, OfferState::kDeclined);
  EXPECT_EQ(declined->decline_reason, "路程太远");
  EXPECT_TRUE(this->PendingIds(0).empty());
  // The case waits again: the next offer goes to another agent.
  const auto next = this->Offer("DB0001", other);
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->id, offer->id);
  EXPECT_EQ(this->Store().OffersMade("DB0001"), 2);
}

TYPED_TEST_P(DispatchStoreContract, AnOfferPastItsTimeIsDueThenExpiresOnce) {
  const auto agent = this->Agent();
  this->Accepted("DB0001");
  const auto offer = this->Offer("DB0001", agent);
  ASSERT_TRUE(offer.has_value());
  const Moment before = this->kNow + this->kOfferFor - std::chrono::seconds(1);
  const Moment after = this->kNow + this->kOfferFor + std::chrono::seconds(1);
  EXPECT_TRUE(this->Store().DueOffers(before, 10).empty());
  const auto due = this->Store().DueOffers(after, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, offer->id);
  // Past its time it can no longer be taken.
  EXPECT_EQ(cases::testing::RefusalStatus([&] { this->Take("DB0001", offer->id, agent, after); }),
            409);
  EXPECT_TRUE(this->Store().CloseOffer(offer->id, OfferState::kExpired, after));
  EXPECT_FALSE(this->Store().CloseOffer(offer->id, OfferState::kExpired, after));
  EXPECT_EQ(this->Store().Offer(offer->id)->state, OfferState::kExpired);
  EXPECT_TRUE(this->Store().DueOffers(after, 10).empty());
  EXPECT_TRUE(this->Offer("DB0001", agent).has_value());  // and the case can be offered again
}

// The waiting list open to some agents skips the cases every one of them has declined or let
// expire; a case one of them has not refused stays on it.
TYPED_TEST_P(DispatchStoreContract, TheWaitingListOpenToAgentsSkipsWhatAllOfThemRefused) {
  const auto first = this->Agent();
  const auto second = this->Agent();
  const auto third = this->Agent();
  for (const std::string tracking : {"DB0001", "DB0002", "DB0003"}) this->Accepted(tracking);
  auto refuse = [&](const std::string& tracking, std::int64_t agent, OfferState how) {
    const auto offer = this->Offer(tracking, agent);
    ASSERT_TRUE(offer.has_value());
    if (how == OfferState::kDeclined) {
      ASSERT_TRUE(this->Store().DeclineOffer(offer->id, agent, "不在附近", this->kNow));
    } else {
      ASSERT_TRUE(this->Store().CloseOffer(offer->id, OfferState::kExpired, this->kNow));
    }
  };
  refuse("DB0001", first, OfferState::kDeclined);
  refuse("DB0001", second, OfferState::kExpired);
  refuse("DB0002", first, OfferState::kDeclined);
  auto listed = [&](std::vector<std::int64_t> open_to) {
    std::vector<std::string> out;
    for (const auto& c : this->Store().WaitingCases("370102", 10, nullptr, open_to)) {
      out.push_back(c.tracking_number);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using Listed = std::vector<std::string>;
  EXPECT_EQ(listed({}), (Listed{"DB0001", "DB0002", "DB0003"}));
  EXPECT_EQ(listed({first, second}), (Listed{"DB0002", "DB0003"}));
  EXPECT_EQ(listed({first}), (Listed{"DB0003"}));
  EXPECT_EQ(listed({first, second, third}), (Listed{"DB0001", "DB0002", "DB0003"}));
}

REGISTER_TYPED_TEST_SUITE_P(
    DispatchStoreContract, ASavedAgentReadsBackWithItsCoverageExpanded,
    OnlyAgentAccountsAndKnownRegionsAreSaved, DutyChangesOnlyForAnAgentInScope,
    AgentsAreListedByTheRegionTheyCoverAndTheCallersScope, AgentsArePagedByIdAfterTheFilters,
    TheBoardShowsTheAgentsWithoutWhatOnlyAssignmentReads,
    AnOfferIsMadeForAnAcceptedCaseOnlyAndOneAtATime, AnAgentIsOfferedNoMoreThanItsCapacity,
    ATakenOfferMovesWithTheCaseChange, ADeclinedOfferKeepsItsReasonAndFreesTheCase,
    AnOfferPastItsTimeIsDueThenExpiresOnce, TheWaitingListOpenToAgentsSkipsWhatAllOfThemRefused);

}  // namespace daiban::dispatch::testing
