#include "daiban/cases/case_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace daiban::cases {
namespace {

using A = CaseAction;
using R = Role;
using S = CaseState;

// The lifecycle of DESIGN.md §1 written out again, independently of the library's table: every
// legal (action, from-state, role) triple, when the facts satisfy every precondition.
struct Legal {
  A action;
  S from;
  R role;
};

std::vector<Legal> LegalTriples() {
  std::vector<Legal> legal;
  const auto add = [&](A action, std::vector<S> from, std::vector<R> roles) {
    for (S state : from) {
      for (R role : roles) legal.push_back({action, state, role});
    }
  };
  const std::vector<R> staff = {R::kWindow, R::kSupervisor, R::kAdmin};
  add(A::kAccept, {S::kSubmitted}, staff);
  add(A::kReject, {S::kSubmitted}, staff);
  add(A::kAssign, {S::kAccepted}, {R::kAgent, R::kSupervisor, R::kAdmin, R::kSystem});
  add(A::kAssign, {S::kAssigned}, {R::kSupervisor, R::kAdmin, R::kSystem});
  add(A::kUnassign, {S::kAssigned}, {R::kAgent});
  add(A::kUnassign, {S::kAssigned, S::kInProgress, S::kSuspended},
      {R::kSupervisor, R::kAdmin, R::kSystem});
  add(A::kStartProgress, {S::kAssigned}, {R::kAgent, R::kSupervisor, R::kAdmin});
  add(A::kRecordProgress, {S::kInProgress}, {R::kAgent, R::kSupervisor, R::kAdmin});
  add(A::kRequestSupplement, {S::kInProgress}, {R::kAgent, R::kWindow, R::kSupervisor, R::kAdmin});
  add(A::kSuspend, {S::kAccepted, S::kAssigned, S::kInProgress}, staff);
  add(A::kSuspend, {S::kInProgress}, {R::kAgent});
  add(A::kResume, {S::kSuspended}, {R::kWindow, R::kSupervisor, R::kAdmin, R::kAgent, R::kSystem});
  add(A::kResultObtained, {S::kInProgress}, {R::kAgent, R::kSupervisor, R::kAdmin});
  add(A::kPickUp, {S::kResultReady}, {R::kCourier, R::kSystem});
  add(A::kDeliver, {S::kOutForDelivery}, {R::kCourier, R::kSystem});
  add(A::kHandOver, {S::kResultReady}, {R::kWindow, R::kSupervisor, R::kAdmin, R::kAgent});
  add(A::kClose, {S::kDelivered}, {R::kSystem, R::kSupervisor, R::kAdmin});
  add(A::kCancel, {S::kSubmitted, S::kAccepted, S::kAssigned, S::kInProgress, S::kSuspended},
      {R::kApplicant, R::kSupervisor, R::kAdmin});
  return legal;
}

// Where a legal action leads (resume: the state before suspension, kAssigned in these facts).
S ExpectedTarget(A action, S from) {
  switch (action) {
    case A::kAccept:
      return S::kAccepted;
    case A::kReject:
      return S::kRejected;
    case A::kAssign:
      return S::kAssigned;
    case A::kUnassign:
      return S::kAccepted;
    case A::kStartProgress:
      return S::kInProgress;
    case A::kRecordProgress:
      return from;
    case A::kRequestSupplement:
      return S::kSuspended;
    case A::kSuspend:
      return S::kSuspended;
    case A::kResume:
      return S::kAssigned;
    case A::kResultObtained:
      return S::kResultReady;
    case A::kPickUp:
      return S::kOutForDelivery;
    case A::kDeliver:
      return S::kDelivered;
    case A::kHandOver:
      return S::kDelivered;
    case A::kClose:
      return S::kClosed;
    case A::kCancel:
      return S::kCancelled;
  }
  return from;
}

// Facts in `state` that satisfy every precondition.
CaseFacts Permissive(S state) {
  CaseFacts facts;
  facts.state = state;
  facts.state_before_suspension = S::kAssigned;
  facts.has_agent = true;
  facts.express_delivery = true;
  return facts;
}

std::string Describe(A action, S state, R role) {
  return ToWord(action) + " from " + ToWord(state) + " by " + ToWord(role);
}

TEST(CaseStateTest, DecideAgreesWithTheLifecycleForEveryActionStateAndRole) {
  const std::vector<Legal> legal = LegalTriples();
  const auto is_legal = [&](A a, S s, R r) {
    return std::any_of(legal.begin(), legal.end(),
                       [&](const Legal& l) { return l.action == a && l.from == s && l.role == r; });
  };
  int combinations = 0;
  int allowed = 0;
  for (A action : kAllCaseActions) {
    // The precedence documented on Decide, derived from the triples.
    std::set<R> roles_ever;
    std::set<S> states_ever;
    for (const Legal& l : legal) {
      if (l.action != action) continue;
      roles_ever.insert(l.role);
      states_ever.insert(l.from);
    }
    for (S state : kAllCaseStates) {
      for (R role : kAllRoles) {
        ++combinations;
        const auto decision = Decide(Permissive(state), action, role);
        if (is_legal(action, state, role)) {
          ++allowed;
          ASSERT_TRUE(std::holds_alternative<S>(decision)) << Describe(action, state, role);
          EXPECT_EQ(std::get<S>(decision), ExpectedTarget(action, state))
              << Describe(action, state, role);
          continue;
        }
        ASSERT_TRUE(std::holds_alternative<TransitionRefused>(decision))
            << Describe(action, state, role);
        const TransitionRefused& refused = std::get<TransitionRefused>(decision);
        std::string expected_rule = "role_not_allowed";
        if (roles_ever.contains(role) && !states_ever.contains(state)) {
          expected_rule = "illegal_transition";
        }
        EXPECT_EQ(refused.rule, expected_rule) << Describe(action, state, role);
        EXPECT_FALSE(refused.message.empty());
        if (expected_rule == "illegal_transition") {
          EXPECT_NE(refused.message.find(ToWord(state)), std::string::npos) << refused.message;
        } else {
          EXPECT_NE(refused.message.find(ToWord(role)), std::string::npos) << refused.message;
        }
      }
    }
  }
  EXPECT_EQ(combinations, 15 * 11 * 7);
  EXPECT_EQ(allowed, static_cast<int>(legal.size()));
}

TEST(CaseStateTest, AllowedActionsListsExactlyTheLegalOnes) {
  const std::vector<Legal> legal = LegalTriples();
  for (S state : kAllCaseStates) {
    for (R role : kAllRoles) {
      std::vector<A> expected;
      for (A action : kAllCaseActions) {
        for (const Legal& l : legal) {
          if (l.action == action && l.from == state && l.role == role) {
            expected.push_back(action);
            break;
          }
        }
      }
      EXPECT_EQ(AllowedActions(Permissive(state), role), expected)
          << ToWord(state) << " / " << ToWord(role);
    }
  }
}

TEST(CaseStateTest, RolePrecedesStateOnlyWhenTheRoleNeverTakesTheAction) {
  // A courier never accepts: the state does not matter.
  EXPECT_EQ(
      std::get<TransitionRefused>(Decide(Permissive(S::kClosed), A::kAccept, R::kCourier)).rule,
      "role_not_allowed");
  // A window clerk accepts, but not a closed case.
  const auto closed =
      std::get<TransitionRefused>(Decide(Permissive(S::kClosed), A::kAccept, R::kWindow));
  EXPECT_EQ(closed.rule, "illegal_transition");
  EXPECT_NE(closed.message.find("closed"), std::string::npos);
  EXPECT_NE(closed.message.find("submitted"), std::string::npos);
  // An agent declines only an assigned case; in_progress is fine for unassign, not for agents.
  EXPECT_EQ(
      std::get<TransitionRefused>(Decide(Permissive(S::kInProgress), A::kUnassign, R::kAgent)).rule,
      "role_not_allowed");
  // An agent suspends only from in_progress.
  EXPECT_EQ(
      std::get<TransitionRefused>(Decide(Permissive(S::kAssigned), A::kSuspend, R::kAgent)).rule,
      "role_not_allowed");
  // Reassignment is for oversight, not agents.
  EXPECT_EQ(
      std::get<TransitionRefused>(Decide(Permissive(S::kAssigned), A::kAssign, R::kAgent)).rule,
      "role_not_allowed");
  EXPECT_EQ(std::get<S>(Decide(Permissive(S::kAssigned), A::kAssign, R::kSupervisor)),
            S::kAssigned);
}

TEST(CaseStateTest, AcceptNeedsEveryEssentialMaterial) {
  CaseFacts facts = Permissive(S::kSubmitted);
  facts.missing_essential_materials = 2;
  facts.missing_deferred_materials = 3;  // 容缺 does not stop acceptance
  const auto refused = std::get<TransitionRefused>(Decide(facts, A::kAccept, R::kWindow));
  EXPECT_EQ(refused.rule, "essential_material_missing");
  EXPECT_NE(refused.message.find("2"), std::string::npos);
  // The precondition comes after role and state.
  EXPECT_EQ(std::get<TransitionRefused>(Decide(facts, A::kAccept, R::kAgent)).rule,
            "role_not_allowed");
  facts.missing_essential_materials = 0;
  EXPECT_EQ(std::get<S>(Decide(facts, A::kAccept, R::kWindow)), S::kAccepted);
  // Rejecting never needs materials.
  facts.missing_essential_materials = 5;
  EXPECT_EQ(std::get<S>(Decide(facts, A::kReject, R::kWindow)), S::kRejected);
}

TEST(CaseStateTest, StartProgressNeedsAnAgent) {
  CaseFacts facts = Permissive(S::kAssigned);
  facts.has_agent = false;
  EXPECT_EQ(std::get<TransitionRefused>(Decide(facts, A::kStartProgress, R::kSupervisor)).rule,
            "no_agent");
  facts.has_agent = true;
  EXPECT_EQ(std::get<S>(Decide(facts, A::kStartProgress, R::kAgent)), S::kInProgress);
}

TEST(CaseStateTest, NoResultWhileADeferredMaterialIsMissing) {
  CaseFacts facts = Permissive(S::kInProgress);
  facts.missing_deferred_materials = 1;
  const auto refused = std::get<TransitionRefused>(Decide(facts, A::kResultObtained, R::kAgent));
  EXPECT_EQ(refused.rule, "deferred_material_missing");
  EXPECT_NE(refused.message.find("in_progress"), std::string::npos);
  // Other work goes on meanwhile.
  EXPECT_EQ(std::get<S>(Decide(facts, A::kRecordProgress, R::kAgent)), S::kInProgress);
  facts.missing_deferred_materials = 0;
  EXPECT_EQ(std::get<S>(Decide(facts, A::kResultObtained, R::kAgent)), S::kResultReady);
}

TEST(CaseStateTest, OnlyExpressDeliveryGoesOutWithACourier) {
  CaseFacts facts = Permissive(S::kResultReady);
  facts.express_delivery = false;
  EXPECT_EQ(std::get<TransitionRefused>(Decide(facts, A::kPickUp, R::kCourier)).rule,
            "not_express_delivery");
  EXPECT_EQ(std::get<S>(Decide(facts, A::kHandOver, R::kWindow)), S::kDelivered);
  EXPECT_EQ(AllowedActions(facts, R::kCourier), std::vector<A>{});
  facts.express_delivery = true;
  EXPECT_EQ(std::get<S>(Decide(facts, A::kPickUp, R::kCourier)), S::kOutForDelivery);
  EXPECT_EQ(AllowedActions(facts, R::kCourier), std::vector<A>{A::kPickUp});
}

TEST(CaseStateTest, ResumeReturnsToTheStateBeforeSuspension) {
  CaseFacts facts = Permissive(S::kSuspended);
  for (S before : {S::kAccepted, S::kAssigned, S::kInProgress}) {
    facts.state_before_suspension = before;
    EXPECT_EQ(std::get<S>(Decide(facts, A::kResume, R::kSystem)), before);
  }
  for (S before : {S::kSubmitted, S::kSuspended, S::kResultReady, S::kClosed}) {
    facts.state_before_suspension = before;
    EXPECT_EQ(std::get<TransitionRefused>(Decide(facts, A::kResume, R::kWindow)).rule,
              "invalid_suspension_origin");
  }
}

TEST(CaseStateTest, AWholeCaseFromSubmissionToClosure) {
  CaseFacts facts;
  facts.express_delivery = true;
  const auto step = [&](A action, R role) {
    const auto decision = Decide(facts, action, role);
    ASSERT_TRUE(std::holds_alternative<S>(decision))
        << std::get<TransitionRefused>(decision).message;
    const S next = std::get<S>(decision);
    if (next == S::kSuspended) facts.state_before_suspension = facts.state;
    facts.state = next;
  };
  step(A::kAccept, R::kWindow);
  step(A::kAssign, R::kAgent);
  facts.has_agent = true;
  step(A::kStartProgress, R::kAgent);
  step(A::kRequestSupplement, R::kAgent);
  EXPECT_EQ(facts.state, S::kSuspended);
  step(A::kResume, R::kSystem);
  EXPECT_EQ(facts.state, S::kInProgress);
  step(A::kRecordProgress, R::kAgent);
  step(A::kResultObtained, R::kAgent);
  step(A::kPickUp, R::kCourier);
  step(A::kDeliver, R::kCourier);
  EXPECT_FALSE(IsOpen(facts.state));
  step(A::kClose, R::kSystem);
  EXPECT_EQ(facts.state, S::kClosed);
}

TEST(CaseStateTest, WordsRoundTrip) {
  const std::vector<std::string> state_words = {
      "submitted",        "accepted",  "assigned", "in_progress", "suspended", "result_ready",
      "out_for_delivery", "delivered", "closed",   "rejected",    "cancelled"};
  for (std::size_t i = 0; i < kAllCaseStates.size(); ++i) {
    EXPECT_EQ(ToWord(kAllCaseStates[i]), state_words[i]);
    EXPECT_EQ(ParseCaseState(state_words[i]), kAllCaseStates[i]);
  }
  const std::vector<std::string> role_words = {"applicant", "window",  "supervisor", "admin",
                                               "agent",     "courier", "system"};
  for (std::size_t i = 0; i < kAllRoles.size(); ++i) {
    EXPECT_EQ(ToWord(kAllRoles[i]), role_words[i]);
    EXPECT_EQ(ParseRole(role_words[i]), kAllRoles[i]);
  }
  const std::vector<std::string> action_words = {"accept",
                                                 "reject",
                                                 "assign",
                                                 "unassign",
                                                 "start_progress",
                                                 "record_progress",
                                                 "request_supplement",
                                                 "suspend",
                                                 "resume",
                                                 "result_obtained",
                                                 "pick_up",
                                                 "deliver",
                                                 "hand_over",
                                                 "close",
                                                 "cancel"};
  for (std::size_t i = 0; i < kAllCaseActions.size(); ++i) {
    EXPECT_EQ(ToWord(kAllCaseActions[i]), action_words[i]);
    EXPECT_EQ(ParseCaseAction(action_words[i]), kAllCaseActions[i]);
  }
  EXPECT_EQ(ParseCaseState("Submitted"), std::nullopt);
  EXPECT_EQ(ParseCaseState(""), std::nullopt);
  EXPECT_EQ(ParseCaseState("in progress"), std::nullopt);
  EXPECT_EQ(ParseRole("courier "), std::nullopt);
  EXPECT_EQ(ParseCaseAction("pickup"), std::nullopt);
}

TEST(CaseStateTest, OpenStates) {
  const std::set<S> closed = {S::kDelivered, S::kClosed, S::kRejected, S::kCancelled};
  for (S state : kAllCaseStates) EXPECT_EQ(IsOpen(state), !closed.contains(state)) << ToWord(state);
}

TEST(CaseStateTest, TheFirstProgressReportStartsTheWork) {
  CaseFacts facts;
  facts.has_agent = true;
  facts.state = S::kAssigned;
  EXPECT_EQ(ActionTaken(facts, A::kRecordProgress), A::kStartProgress);
  // Later reports record progress; every other action is itself, in every state.
  facts.state = S::kInProgress;
  EXPECT_EQ(ActionTaken(facts, A::kRecordProgress), A::kRecordProgress);
  for (S state : kAllCaseStates) {
    facts.state = state;
    for (A action : kAllCaseActions) {
      if (action == A::kRecordProgress && state == S::kAssigned) continue;
      EXPECT_EQ(ActionTaken(facts, action), action) << ToWord(action) << " " << ToWord(state);
    }
  }
  // What the phone's first report then does: the assigned case is in progress.
  facts.state = S::kAssigned;
  EXPECT_EQ(std::get<S>(Decide(facts, ActionTaken(facts, A::kRecordProgress), R::kAgent)),
            S::kInProgress);
}

}  // namespace
}  // namespace daiban::cases
