#include "daiban/cases/case_service.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/testing/case_world.hpp"
#include "daiban/kernel/errors.hpp"

// The case transitions against the in-memory case store (no servers): the lifecycle through
// the one state machine, what each change writes, and that a refused change writes nothing.
namespace daiban::cases {
namespace {

using nlohmann::json;
using testing::CaseWorld;

std::pair<int, std::string> Refusal(const std::function<void()>& call) {
  try {
    call();
  } catch (const kernel::ApiError& error) {
    return {error.Status(), error.Code()};
  }
  return {0, ""};
}

std::vector<std::string> Types(CaseWorld& world, const std::string& tracking) {
  std::vector<std::string> types;
  for (const auto& e : world.cases.Timeline(*world.store.Find(tracking, CaseScope::Everything())))
    types.push_back(e.type);
  return types;
}

TEST(CaseTransitionsTest, FromSubmissionToHandOverAtTheWindow) {
  CaseWorld world;
  auto c = world.Submit();
  EXPECT_EQ(c.state, CaseState::kSubmitted);
  auto accepted = world.cases.Accept(c.tracking_number, CaseWorld::Window(), {});
  EXPECT_EQ(accepted.state, CaseState::kAccepted);
  ASSERT_TRUE(accepted.clock.has_value());
  // Accepted Tuesday 10:00, 3 working days: Friday's close of office.
  EXPECT_EQ(accepted.clock->deadline, *ParseRfc3339("2026-12-04T17:00:00+08:00"));
  const auto agent = CaseWorld::Agent();
  world.cases.Transition(c.tracking_number, CaseScope::Everything(), agent, CaseAction::kAssign, "",
                         json::object(), std::nullopt,
                         [&](Case& assigned, CaseChange&) { assigned.agent_id = agent.user_id; });
  auto mine = world.cases.ReadAsStaff(c.tracking_number, agent);
  EXPECT_EQ(mine.agent_name, "赵代办");
  const CaseScope agents{.agent_id = agent.user_id};
  world.cases.Transition(c.tracking_number, agents, agent, CaseAction::kRecordProgress, "", {},
                         std::nullopt);
  world.cases.Transition(c.tracking_number, agents, agent, CaseAction::kResultObtained, "", {},
                         std::nullopt);
  auto delivered = world.cases.HandOver(c.tracking_number, CaseWorld::Window(), "刘市民", "002X");
  auto types = Types(world, c.tracking_number);
  ASSERT_GE(types.size(), 6U);
  types.resize(6);
  EXPECT_EQ(types, (std::vector<std::string>{"created", "accept", "assign", "start_progress",
                                             "result_obtained", "hand_over"}));
  EXPECT_TRUE(delivered.state == CaseState::kClosed || delivered.state == CaseState::kDelivered);
  // Each step the applicant hears of is a notice; every change is an outbox message.
  std::vector<std::string> notices;
  for (const auto& n : world.store.Notices(c.tracking_number)) notices.push_back(n.template_name);
  EXPECT_NE(std::find(notices.begin(), notices.end(), "case_accepted"), notices.end());
  EXPECT_NE(std::find(notices.begin(), notices.end(), "result_ready"), notices.end());
  EXPECT_GE(world.store.Outbox().size(), 6U);
}

TEST(CaseTransitionsTest, TheStateTableRefusesAndNothingIsWritten) {
  CaseWorld world;
  auto c = world.Submit();
  const auto before = Types(world, c.tracking_number).size();
  auto refused = Refusal([&] {
    world.cases.Transition(c.tracking_number, CaseScope::Everything(), CaseWorld::Supervisor(),
                           CaseAction::kResultObtained, "", {}, std::nullopt);
  });
  EXPECT_EQ(refused, (std::pair<int, std::string>{409, "illegal_transition"}));
  refused = Refusal([&] {
    world.cases.Transition(c.tracking_number, CaseScope::Everything(), CaseWorld::Agent(),
                           CaseAction::kAccept, "", {}, std::nullopt);
  });
  EXPECT_EQ(refused, (std::pair<int, std::string>{403, "role_not_allowed"}));
  EXPECT_EQ(Types(world, c.tracking_number).size(), before);
  EXPECT_EQ(world.store.Find(c.tracking_number, CaseScope::Everything())->version, c.version);
}

TEST(CaseTransitionsTest, WhatAnEffectThrowsAbortsTheWholeChange) {
  CaseWorld world;
  auto c = world.Submit();
  const auto outbox = world.store.Outbox().size();
  EXPECT_THROW(
      world.cases.Transition(c.tracking_number, CaseScope::Everything(), CaseWorld::Window(),
                             CaseAction::kAccept, "", {}, std::nullopt,
                             [](Case& changed, CaseChange&) {
                               changed.priority = 9;
                               throw kernel::Invalid("x", "no");
                             }),
      kernel::ApiError);
  auto stored = *world.store.Find(c.tracking_number, CaseScope::Everything());
  EXPECT_EQ(stored.state, CaseState::kSubmitted);
  EXPECT_EQ(stored.priority, 0);
  EXPECT_EQ(world.store.Outbox().size(), outbox);
}

TEST(CaseTransitionsTest, StaffReachOnlyTheirScopeAndAStaleVersionIsRefused) {
  CaseWorld world;
  auto c = world.Submit();
  const Actor elsewhere{Role::kWindow, 9, "市中区窗口", "370103", ""};
  EXPECT_EQ(Refusal([&] { world.cases.Accept(c.tracking_number, elsewhere, {}); }).first, 404);
  EXPECT_EQ(Refusal([&] { world.cases.ReadAsStaff(c.tracking_number, elsewhere); }).first, 404);
  EXPECT_EQ(Refusal([&] { world.cases.Accept(c.tracking_number, CaseWorld::Window(), {}, 7); }),
            (std::pair<int, std::string>{409, "stale_version"}));
  EXPECT_EQ(world.cases.Accept(c.tracking_number, CaseWorld::Window(), {}, c.version).state,
            CaseState::kAccepted);
}

TEST(CaseTransitionsTest, SuspensionStopsTheClockAndResumeMovesTheDeadline) {
  CaseWorld world;
  auto c = world.Submit();
  auto accepted = world.cases.Accept(c.tracking_number, CaseWorld::Window(), {});
  world.cases.Suspend(c.tracking_number, CaseWorld::Supervisor(), "等待核查");
  world.clock.Advance(std::chrono::hours(24));  // a whole working day suspended
  auto resumed = world.cases.Resume(c.tracking_number, CaseWorld::Supervisor(), "");
  EXPECT_EQ(resumed.state, CaseState::kAccepted);
  ASSERT_TRUE(resumed.clock.has_value());
  EXPECT_GT(resumed.clock->deadline, accepted.clock->deadline);
}

TEST(CaseTransitionsTest, TheApplicantRatesOnceAndABadRatingOpensAFollowup) {
  CaseWorld world;
  const auto agent = CaseWorld::Agent();
  auto c = world.Assigned(agent);
  const std::string code = world.access_code;
  const CaseScope agents{.agent_id = agent.user_id};
  world.cases.Transition(c.tracking_number, agents, agent, CaseAction::kRecordProgress, "", {},
                         std::nullopt);
  world.cases.Transition(c.tracking_number, agents, agent, CaseAction::kResultObtained, "", {},
                         std::nullopt);
  world.cases.HandOver(c.tracking_number, CaseWorld::Window(), "刘市民", "002X");
  world.cases.Rate(c.tracking_number, code, "127.0.0.1", 2, "太慢");
  ASSERT_EQ(world.store.Followups().size(), 1U);
  EXPECT_EQ(world.store.Followups()[0].region_code, "370102001");
  EXPECT_EQ(Refusal([&] { world.cases.Rate(c.tracking_number, code, "127.0.0.1", 5, ""); }),
            (std::pair<int, std::string>{409, "already_rated"}));
  // A wrong code answers like an unknown case.
  EXPECT_EQ(Refusal([&] { world.cases.ReadAsApplicant(c.tracking_number, "WRONGCOD", "1"); }).first,
            404);
}

TEST(CaseTransitionsTest, APhoneSeesWhatChangedAndWhatWasTakenAway) {
  CaseWorld world;
  const auto agent = CaseWorld::Agent();
  auto kept = world.Assigned(agent);
  auto taken = world.Assigned(agent);
  auto changes = world.cases.ChangesSince(agent, 0);
  ASSERT_EQ(changes.touched.size(), 2U);
  EXPECT_TRUE(changes.touched[0].second);
  world.cases.Transition(taken.tracking_number, CaseScope::Everything(), CaseWorld::Supervisor(),
                         CaseAction::kUnassign, "代办员请假",
                         {{"previous_agent_id", agent.user_id}}, std::nullopt);
  auto later = world.cases.ChangesSince(agent, changes.cursor);
  ASSERT_EQ(later.touched.size(), 1U);
  EXPECT_EQ(later.touched[0], (std::pair<std::string, bool>{taken.tracking_number, false}));
  EXPECT_GT(later.cursor, changes.cursor);
  EXPECT_TRUE(world.cases.ChangesSince(agent, later.cursor).touched.empty());
  (void)kept;
}

}  // namespace
}  // namespace daiban::cases
