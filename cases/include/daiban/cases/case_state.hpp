#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daiban/kernel/vocabulary.hpp"

// The case lifecycle (DESIGN.md §1, "Case lifecycle"): states, the roles that act on a case, the
// actions they take, and the one table that decides which action may move a case where.

namespace daiban::cases {

// Where a case stands. The words of ToWord are the ones stored and sent in the API.
enum class CaseState {
  kSubmitted,
  kAccepted,
  kAssigned,
  kInProgress,
  kSuspended,
  kResultReady,
  kOutForDelivery,
  kDelivered,
  kClosed,
  kRejected,
  kCancelled,
};

// Every CaseState, in declaration order.
inline constexpr std::array<CaseState, 11> kAllCaseStates = {
    CaseState::kSubmitted,      CaseState::kAccepted,  CaseState::kAssigned,
    CaseState::kInProgress,     CaseState::kSuspended, CaseState::kResultReady,
    CaseState::kOutForDelivery, CaseState::kDelivered, CaseState::kClosed,
    CaseState::kRejected,       CaseState::kCancelled,
};

// "submitted", "accepted", "assigned", "in_progress", "suspended", "result_ready",
// "out_for_delivery", "delivered", "closed", "rejected", "cancelled".
std::string ToWord(CaseState state);

// The state named by exactly one of ToWord's words (case-sensitive); std::nullopt otherwise.
std::optional<CaseState> ParseCaseState(std::string_view word);

// Whether work on the case may still go on: false for delivered, closed, rejected and cancelled.
bool IsOpen(CaseState state);

// The states in which a case is on its agent's task list: the agent still has work on it (a
// result handed to a courier is the courier's).
inline constexpr std::array<CaseState, 4> kTaskStates = {
    CaseState::kAssigned, CaseState::kInProgress, CaseState::kSuspended, CaseState::kResultReady};

// Who acts on a case: the platform's roles (applicant, staff, the system itself).
using kernel::kAllRoles;
using kernel::ParseRole;
using kernel::Role;
using kernel::ToWord;

// What an actor asks to do to a case.
enum class CaseAction {
  kAccept,
  kReject,
  kAssign,
  kUnassign,
  kStartProgress,
  kRecordProgress,
  kRequestSupplement,
  kSuspend,
  kResume,
  kResultObtained,
  kPickUp,
  kDeliver,
  kHandOver,
  kClose,
  kCancel,
};

// Every CaseAction, in declaration order.
inline constexpr std::array<CaseAction, 15> kAllCaseActions = {
    CaseAction::kAccept,
    CaseAction::kReject,
    CaseAction::kAssign,
    CaseAction::kUnassign,
    CaseAction::kStartProgress,
    CaseAction::kRecordProgress,
    CaseAction::kRequestSupplement,
    CaseAction::kSuspend,
    CaseAction::kResume,
    CaseAction::kResultObtained,
    CaseAction::kPickUp,
    CaseAction::kDeliver,
    CaseAction::kHandOver,
    CaseAction::kClose,
    CaseAction::kCancel,
};

// "accept", "reject", "assign", "unassign", "start_progress", "record_progress",
// "request_supplement", "suspend", "resume", "result_obtained", "pick_up", "deliver",
// "hand_over", "close", "cancel".
std::string ToWord(CaseAction action);

// The action named by exactly one of ToWord's words (case-sensitive); std::nullopt otherwise.
std::optional<CaseAction> ParseCaseAction(std::string_view word);

// What Decide needs to know about a case.
struct CaseFacts {
  CaseState state = CaseState::kSubmitted;
  // The state a suspended case returns to on resume; one of accepted, assigned, in_progress.
  // Whoever stores a transition into kSuspended records the state it left here.
  CaseState state_before_suspension = CaseState::kInProgress;
  int missing_essential_materials = 0;
  int missing_deferred_materials = 0;  // 容缺: non-essential materials still missing
  bool has_agent = false;
  bool express_delivery = false;
};

// Why Decide refused an action.
struct TransitionRefused {
  // A machine word: "illegal_transition", "role_not_allowed", "essential_material_missing",
  // "deferred_material_missing", "not_express_delivery", "no_agent", or
  // "invalid_suspension_origin" (resume with facts.state_before_suspension not one of accepted,
  // assigned, in_progress: the stored facts are inconsistent).
  std::string rule;
  // English, for people: names the current state (or role) and what the action needs.
  std::string message;
};

// The state the case moves to when `role` takes `action` on a case described by `facts`, or why
// it may not. Pure: the same arguments always give the same answer.
//
// Each action has one row in a table (DESIGN.md §1): the (role, from-state) pairs allowed, the
// target, and at most one precondition. Checks, in this order:
//  1. role_not_allowed when `role` may take `action` from no state at all (a courier never
//     accepts), whatever the state: the caller lacks the right, and the state is none of its
//     business;
//  2. illegal_transition when no role may take `action` from facts.state;
//  3. role_not_allowed when the state allows `action` but not for this role (an agent may
//     unassign, by declining, only an assigned case; an agent suspends only an in_progress one);
//  4. the action's precondition: accept needs no missing essential material, start_progress needs
//     has_agent, result_obtained needs no missing deferred (容缺) material, pick_up needs
//     express_delivery; resume needs a valid state_before_suspension.
// Actions that keep the state (record_progress; assign of an assigned case, a reassignment)
// return facts.state.
std::variant<CaseState, TransitionRefused> Decide(const CaseFacts& facts, CaseAction action,
                                                  Role role);

// The action `action` is on a case described by `facts`: record_progress on an assigned case is
// the first progress report, which starts the work (start_progress); every other action is
// itself. CaseService::Transition resolves it on the case it has locked, inside the change's
// transaction, so two first reports never both start the work and none is refused for racing.
CaseAction ActionTaken(const CaseFacts& facts, CaseAction action);

// The actions for which Decide(facts, action, role) returns a state, in kAllCaseActions order:
// what a UI may offer this role for this case.
std::vector<CaseAction> AllowedActions(const CaseFacts& facts, Role role);

}  // namespace daiban::cases
