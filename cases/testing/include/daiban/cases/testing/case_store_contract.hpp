#pragma once

// CaseStore's contract as one typed suite: every implementation runs the same tests, the
// in-memory store in the unit tests (case_store_contract_test.cpp) and PgCaseStore against
// PostgreSQL (case_store_contract_pgtest.cpp), so the fake the use cases are tested against
// cannot drift from the real store. It covers what the use cases rely on: a case created with
// its kept answer, read back, a transition writing the case, its event and its outbox row in one
// change (all or nothing), versions, scope, and the keyset order of lists. A world type
// (InMemoryCaseWorld, db::testing::PgContractWorld<PgCaseStore>) gives the suite:
//
//   struct World {
//     CaseStore& Store();
//     std::int64_t NewAccount(kernel::Role role);  // an account of that role
//     std::vector<std::string> OutboxTypes();      // the outbox rows' event types, in order
//   };
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/cases/testing/store_contract.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/idempotency.hpp"

namespace daiban::cases::testing {

template <typename World>
class CaseStoreContract : public ::testing::Test {
 protected:
  // 2026-12-01 10:00 China Standard Time.
  static constexpr Moment kNow{std::chrono::seconds(1796090400)};

  CaseStore& Store() { return world_.Store(); }
  std::vector<std::string> Tracking(const std::vector<Case>& cases) {
    std::vector<std::string> out;
    for (const auto& c : cases) out.push_back(c.tracking_number);
    return out;
  }
  // A transition as a use case writes it: the case row, its event and an outbox row.
  static void Accept(Case& c, CaseChange& change, Moment at) {
    CaseEvent event;
    event.type = "accept";
    event.from = c.state;
    event.to = CaseState::kAccepted;
    event.actor_role = kernel::Role::kWindow;
    event.at = at;
    event.reason = "materials complete";
    change.events.push_back(event);
    change.outbox.push_back({"events:cases", "case.accepted", {{"tracking", c.tracking_number}}});
    c.state = CaseState::kAccepted;
    c.accepted_at = at;
    c.clock = CaseClock{at + std::chrono::hours(72), at + std::chrono::hours(48), false};
  }

  World world_;
};

TYPED_TEST_SUITE_P(CaseStoreContract);

TYPED_TEST_P(CaseStoreContract, ACreatedCaseReadsBackWithItsEventAndKeptAnswer) {
  Case c = ContractCase("DB0001", "370102001", this->kNow);
  CaseChange change;
  CaseEvent created;
  created.type = "created";
  created.to = CaseState::kSubmitted;
  created.actor_role = kernel::Role::kApplicant;
  created.at = this->kNow;
  change.events.push_back(created);
  change.outbox.push_back({"events:cases", "case.created", {{"tracking", "DB0001"}}});
  const kernel::IdempotentAnswer answer{"applicant:h", "k-1", "hash-a", 201, R"({"state":"x"})"};
  this->Store().Create(c, change, answer);
  EXPECT_GT(c.id, 0);
  EXPECT_EQ(c.version, 1);

  const auto found = this->Store().Find("DB0001", CaseScope::Everything());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, c.id);
  EXPECT_EQ(found->state, CaseState::kSubmitted);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->item_code, kContractItem);
  EXPECT_EQ(found->subject_name, kContractItemName);
  EXPECT_EQ(found->region_code, "370102001");
  EXPECT_EQ(found->department_code, kContractDepartment);
  EXPECT_EQ(found->applicant.name, "刘市民");
  EXPECT_EQ(found->delivery.method, DeliveryMethod::kExpress);
  EXPECT_EQ(found->created_at, this->kNow);
  ASSERT_EQ(found->materials.size(), 1u);
  EXPECT_EQ(found->materials[0].name, "居民户口簿");
  const auto timeline = this->Store().Timeline(c.id);
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(timeline[0].type, "created");
  EXPECT_EQ(timeline[0].to, CaseState::kSubmitted);
  EXPECT_EQ(this->world_.OutboxTypes(), std::vector<std::string>{"case.created"});

  const auto kept = this->Store().FindAnswer("applicant:h", "k-1");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->request_hash, "hash-a");
  EXPECT_EQ(kept->status, 201);
  EXPECT_EQ(kept->body, R"({"state":"x"})");
  EXPECT_FALSE(this->Store().FindAnswer("applicant:other", "k-1").has_value());
}

TYPED_TEST_P(CaseStoreContract, ACreateWhoseKeyIsTakenWritesNothing) {
  const kernel::IdempotentAnswer answer{"applicant:h", "k-1", "hash-a", 201, "{}"};
  Case first = ContractCase("DB0001", "370102", this->kNow);
  this->Store().Create(first, {}, answer);
  Case second = ContractCase("DB0002", "370102", this->kNow);
  CaseChange change;
  change.outbox.push_back({"events:cases", "case.created", {}});
  EXPECT_THROW(this->Store().Create(second, change, answer), kernel::IdempotencyKeyTaken);
  EXPECT_FALSE(this->Store().Find("DB0002", CaseScope::Everything()).has_value());
  EXPECT_TRUE(this->world_.OutboxTypes().empty());
  EXPECT_EQ(this->Store().FindAnswer("applicant:h", "k-1")->request_hash, "hash-a");
}

TYPED_TEST_P(CaseStoreContract, ATransitionWritesTheCaseItsEventAndItsOutboxRowTogether) {
  const auto id = CreateContractCase(this->Store(), "DB0001", "370102001", this->kNow);
  const Moment later = this->kNow + std::chrono::minutes(5);
  const Case changed =
      this->Store().Change("DB0001", CaseScope::Everything(),
                           [&](Case& c, CaseChange& change) { this->Accept(c, change, later); });
  EXPECT_EQ(changed.state, CaseState::kAccepted);
  EXPECT_EQ(changed.version, 2);

  const auto found = this->Store().Find("DB0001", CaseScope::Everything());
  EXPECT_EQ(found->state, CaseState::kAccepted);
  EXPECT_EQ(found->version, 2);
  EXPECT_EQ(found->accepted_at, later);
  ASSERT_TRUE(found->clock.has_value());
  EXPECT_EQ(found->clock->deadline, later + std::chrono::hours(72));
  const auto timeline = this->Store().Timeline(id);
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[1].type, "accept");
  EXPECT_EQ(timeline[1].from, CaseState::kSubmitted);
  EXPECT_EQ(timeline[1].to, CaseState::kAccepted);
  EXPECT_EQ(timeline[1].reason, "materials complete");
  EXPECT_GT(timeline[1].id, timeline[0].id);
  EXPECT_EQ(this->world_.OutboxTypes(), std::vector<std::string>{"case.accepted"});
}

// A sync that reads the cases as they stand goes on from the newest event: every event written
// after the read has a greater id.
TYPED_TEST_P(CaseStoreContract, TheNewestEventIdIsTheLastOneWritten) {
  const auto before = this->Store().NewestEventId();
  EXPECT_GE(before, 0);
  const auto id = CreateContractCase(this->Store(), "DB0001", "370102001", this->kNow);
  const auto created = this->Store().NewestEventId();
  EXPECT_GT(created, before);
  EXPECT_EQ(created, this->Store().Timeline(id).back().id);
  this->Store().Change("DB0001", CaseScope::Everything(),
                       [&](Case& c, CaseChange& change) { this->Accept(c, change, this->kNow); });
  EXPECT_GT(this->Store().NewestEventId(), created);
  EXPECT_EQ(this->Store().NewestEventId(), this->Store().Timeline(id).back().id);
}

// A phone's task list reads whole cases with the page, as Find reads one.
TYPED_TEST_P(CaseStoreContract, AWholeListReadsEachCasesMaterialsAsFindDoes) {
  CreateContractCase(this->Store(), "DB0001", "370102001", this->kNow);
  CreateContractCase(this->Store(), "DB0002", "370102001", this->kNow);
  CaseFilter whole;
  whole.whole = true;
  whole.limit = 10;
  const auto listed = this->Store().List(whole, CaseScope::Everything());
  ASSERT_EQ(listed.size(), 2u);
  for (const auto& c : listed) {
    const auto found = this->Store().Find(c.tracking_number, CaseScope::Everything());
    ASSERT_TRUE(found.has_value());
    ASSERT_EQ(c.materials.size(), 1u) << c.tracking_number;
    EXPECT_EQ(c.materials[0].name, found->materials[0].name);
    EXPECT_EQ(c.materials[0].status, found->materials[0].status);
    EXPECT_EQ(c.steps.size(), found->steps.size());
  }
}

TYPED_TEST_P(CaseStoreContract, AChangeThatThrowsWritesNothing) {
  const auto id = CreateContractCase(this->Store(), "DB0001", "370102", this->kNow);
  // A use case refusing a stale version (the client read version 0) after changing its copy.
  const int read_version = 0;
  EXPECT_EQ(RefusalStatus([&] {
              this->Store().Change("DB0001", CaseScope::Everything(),
                                   [&](Case& c, CaseChange& change) {
                                     this->Accept(c, change, this->kNow);
                                     if (c.version != read_version) {
                                       throw kernel::Conflict("stale_version", "changed");
                                     }
                                   });
            }),
            409);
  const auto found = this->Store().Find("DB0001", CaseScope::Everything());
  EXPECT_EQ(found->state, CaseState::kSubmitted);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(this->Store().Timeline(id).size(), 1u);
  EXPECT_TRUE(this->world_.OutboxTypes().empty());
}

TYPED_TEST_P(CaseStoreContract, EachChangeSeesTheVersionTheLastOneWrote) {
  const auto id = CreateContractCase(this->Store(), "DB0001", "370102", this->kNow);
  // Two writers at once: each loads the case as the other left it, so neither change is lost.
  std::vector<int> seen(2);
  auto note = [&](int writer) {
    this->Store().Change("DB0001", CaseScope::Everything(), [&](Case& c, CaseChange& change) {
      seen[writer] = c.version;
      CaseEvent event;
      event.type = "note";
      event.at = this->kNow;
      change.events.push_back(event);
      c.priority += 1;
    });
  };
  std::thread other(note, 1);
  note(0);
  other.join();
  const auto found = this->Store().Find("DB0001", CaseScope::Everything());
  EXPECT_EQ(found->version, 3);
  EXPECT_EQ(found->priority, 2);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_EQ(this->Store().Timeline(id).size(), 3u);
}

TYPED_TEST_P(CaseStoreContract, ACaseOutOfScopeIsNeitherFoundNorChanged) {
  CreateContractCase(this->Store(), "DB0001", "370102001", this->kNow);
  EXPECT_TRUE(this->Store().Find("DB0001", {.region_code = "370102"}).has_value());
  EXPECT_TRUE(this->Store().Find("DB0001", {.region_code = "370100"}).has_value());
  EXPECT_FALSE(this->Store().Find("DB0001", {.region_code = "370103"}).has_value());
  EXPECT_FALSE(this->Store().Find("DB0001", CaseScope{}).has_value());
  EXPECT_FALSE(this->Store().Find("DB9999", CaseScope::Everything()).has_value());
  EXPECT_EQ(RefusalStatus([&] {
              this->Store().Change("DB0001", {.region_code = "370103"},
                                   [](Case& c, CaseChange&) { c.priority = 9; });
            }),
            404);
  // An agent sees the cases assigned to it only.
  const auto agent = this->world_.NewAccount(kernel::Role::kAgent);
  EXPECT_FALSE(this->Store().Find("DB0001", {.agent_id = agent}).has_value());
  MoveContractCase(this->Store(), "DB0001", CaseState::kAssigned, this->kNow, agent);
  const auto mine = this->Store().Find("DB0001", {.agent_id = agent});
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(mine->agent_id, agent);
  EXPECT_TRUE(mine->agent_name.starts_with(kernel::ToWord(kernel::Role::kAgent)));
  const auto many = this->Store().FindMany({"DB9999", "DB0001"}, {.region_code = "370102"});
  EXPECT_EQ(this->Tracking(many), std::vector<std::string>{"DB0001"});
}

TYPED_TEST_P(CaseStoreContract, ListsAreInKeysetOrderPageAfterPage) {
  // Created in this order; deadlines (from acceptance) in another, one case without.
  const Moment t0 = this->kNow;
  CreateContractCase(this->Store(), "DB0001", "370102", t0);
  CreateContractCase(this->Store(), "DB0002", "370102001", t0 + std::chrono::minutes(1));
  CreateContractCase(this->Store(), "DB0003", "370102", t0 + std::chrono::minutes(2));
  CreateContractCase(this->Store(), "DB0004", "370103", t0 + std::chrono::minutes(3));
  MoveContractCase(this->Store(), "DB0001", CaseState::kAccepted, t0 + std::chrono::hours(2));
  MoveContractCase(this->Store(), "DB0003", CaseState::kAccepted, t0 + std::chrono::hours(1));

  CaseFilter filter;
  filter.region_code = "370102";
  filter.now = t0 + std::chrono::hours(3);
  filter.limit = 2;
  // By deadline: the earlier deadline first, cases without one last, then by id.
  auto first = this->Store().List(filter, CaseScope::Everything());
  EXPECT_EQ(this->Tracking(first), (std::vector<std::string>{"DB0003", "DB0001"}));
  ASSERT_TRUE(first.back().clock.has_value());
  filter.after_deadline = first.back().clock->deadline;
  filter.after_id = first.back().id;
  auto second = this->Store().List(filter, CaseScope::Everything());
  EXPECT_EQ(this->Tracking(second), std::vector<std::string>{"DB0002"});

  // By creation time, then id.
  CaseFilter created;
  created.order = ListOrder::kCreated;
  created.now = filter.now;
  created.limit = 3;
  auto page = this->Store().List(created, CaseScope::Everything());
  EXPECT_EQ(this->Tracking(page), (std::vector<std::string>{"DB0001", "DB0002", "DB0003"}));
  created.after_created = page.back().created_at;
  created.after_id = page.back().id;
  EXPECT_EQ(this->Tracking(this->Store().List(created, CaseScope::Everything())),
            std::vector<std::string>{"DB0004"});

  // A state filter and a scope narrow the same order.
  CaseFilter accepted;
  accepted.states = {CaseState::kAccepted};
  accepted.now = filter.now;
  EXPECT_EQ(this->Tracking(this->Store().List(accepted, {.region_code = "370102"})),
            (std::vector<std::string>{"DB0003", "DB0001"}));
  EXPECT_TRUE(this->Store().List(accepted, {.region_code = "370103"}).empty());
}

REGISTER_TYPED_TEST_SUITE_P(CaseStoreContract, ACreatedCaseReadsBackWithItsEventAndKeptAnswer,
                            ACreateWhoseKeyIsTakenWritesNothing,
                            ATransitionWritesTheCaseItsEventAndItsOutboxRowTogether,
                            TheNewestEventIdIsTheLastOneWritten,
                            AWholeListReadsEachCasesMaterialsAsFindDoes,
                            AChangeThatThrowsWritesNothing, EachChangeSeesTheVersionTheLastOneWrote,
                            ACaseOutOfScopeIsNeitherFoundNorChanged,
                            ListsAreInKeysetOrderPageAfterPage);

}  // namespace daiban::cases::testing
