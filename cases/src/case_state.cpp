#include "daiban/cases/case_state.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>

namespace daiban::cases {
namespace {

constexpr std::array<std::string_view, kAllCaseStates.size()> kStateWords = {
    "submitted",        "accepted",  "assigned", "in_progress", "suspended", "result_ready",
    "out_for_delivery", "delivered", "closed",   "rejected",    "cancelled",
};

constexpr std::array<std::string_view, kAllCaseActions.size()> kActionWords = {
    "accept",
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
    "cancel",
};

template <typename Enum, std::size_t N>
std::optional<Enum> ParseWord(const std::array<std::string_view, N>& words,
                              const std::array<Enum, N>& values, std::string_view word) {
  for (std::size_t i = 0; i < N; ++i) {
    if (words[i] == word) return values[i];
  }
  return std::nullopt;
}

// Sets of states and of roles, one bit each.
using StateSet = std::uint32_t;
using RoleSet = std::uint32_t;

constexpr StateSet Bit(CaseState state) { return StateSet{1} << static_cast<int>(state); }
constexpr RoleSet Bit(Role role) { return RoleSet{1} << static_cast<int>(role); }

constexpr StateSet States(std::initializer_list<CaseState> states) {
  StateSet set = 0;
  for (CaseState state : states) set |= Bit(state);
  return set;
}

constexpr RoleSet Roles(std::initializer_list<Role> roles) {
  RoleSet set = 0;
  for (Role role : roles) set |= Bit(role);
  return set;
}

// Where an action leads.
enum class Target {
  kFixed,             // to Rule::target
  kBeforeSuspension,  // to facts.state_before_suspension
};

// What must hold of the facts, beyond the state, for an action.
enum class Precondition {
  kNone,
  kNoEssentialMissing,
  kHasAgent,
  kNoDeferredMissing,
  kExpressDelivery,
};

// These roles may take the action from these states.
struct Grant {
  RoleSet roles = 0;
  StateSet from = 0;
};

// One action's row of the table.
struct Rule {
  CaseAction action;
  Target target_kind;
  CaseState target;  // for Target::kFixed
  Precondition precondition;
  std::array<Grant, 2> grants;  // an unused grant is empty
};

using enum CaseState;
using enum Role;

constexpr RoleSet kStaff = Roles({kWindow, kSupervisor, kAdmin});
constexpr RoleSet kOversight = Roles({kSupervisor, kAdmin});

// The lifecycle of DESIGN.md §1, one row per action, in CaseAction order: the target, the
// precondition, and which roles may act from which states.
// clang-format off
constexpr std::array<Rule, kAllCaseActions.size()> kRules = {{
    {CaseAction::kAccept, Target::kFixed, kAccepted, Precondition::kNoEssentialMissing,
     {{{kStaff, States({kSubmitted})}}}},
    {CaseAction::kReject, Target::kFixed, kRejected, Precondition::kNone,
     {{{kStaff, States({kSubmitted})}}}},
    // Taking an offer (agent) or assigning directly; oversight may also reassign an assigned case.
    {CaseAction::kAssign, Target::kFixed, kAssigned, Precondition::kNone,
     {{{Bit(kAgent), States({kAccepted})},
       {kOversight | Bit(kSystem), States({kAccepted, kAssigned})}}}},
    // Declining an offer (agent), an offer expiring, or sending a case back to the queue.
    {CaseAction::kUnassign, Target::kFixed, kAccepted, Precondition::kNone,
     {{{Bit(kAgent), States({kAssigned})},
       {kOversight | Bit(kSystem), States({kAssigned, kInProgress, kSuspended})}}}},
    {CaseAction::kStartProgress, Target::kFixed, kInProgress, Precondition::kHasAgent,
     {{{Bit(kAgent) | kOversight, States({kAssigned})}}}},
    {CaseAction::kRecordProgress, Target::kFixed, kInProgress, Precondition::kNone,
     {{{Bit(kAgent) | kOversight, States({kInProgress})}}}},
    {CaseAction::kRequestSupplement, Target::kFixed, kSuspended, Precondition::kNone,
     {{{Bit(kAgent) | kStaff, States({kInProgress})}}}},
    {CaseAction::kSuspend, Target::kFixed, kSuspended, Precondition::kNone,
     {{{kStaff, States({kAccepted, kAssigned, kInProgress})},
       {Bit(kAgent), States({kInProgress})}}}},
    {CaseAction::kResume, Target::kBeforeSuspension, kSuspended, Precondition::kNone,
     {{{kStaff | Bit(kAgent) | Bit(kSystem), States({kSuspended})}}}},
    {CaseAction::kResultObtained, Target::kFixed, kResultReady, Precondition::kNoDeferredMissing,
     {{{Bit(kAgent) | kOversight, States({kInProgress})}}}},
    {CaseAction::kPickUp, Target::kFixed, kOutForDelivery, Precondition::kExpressDelivery,
     {{{Roles({kCourier, kSystem}), States({kResultReady})}}}},
    {CaseAction::kDeliver, Target::kFixed, kDelivered, Precondition::kNone,
     {{{Roles({kCourier, kSystem}), States({kOutForDelivery})}}}},
    // The window hands the result over at the hall; the agent may hand it over in person
    // (领办, or a result obtained on the spot).
    {CaseAction::kHandOver, Target::kFixed, kDelivered, Precondition::kNone,
     {{{kStaff | Bit(kAgent), States({kResultReady})}}}},
    {CaseAction::kClose, Target::kFixed, kClosed, Precondition::kNone,
     {{{kOversight | Bit(kSystem), States({kDelivered})}}}},
    {CaseAction::kCancel, Target::kFixed, kCancelled, Precondition::kNone,
     {{{Bit(kApplicant) | kOversight,
        States({kSubmitted, kAccepted, kAssigned, kInProgress, kSuspended})}}}},
}};
// clang-format on

// Actions that are another one on a case in a given state: the report the phone sends is the
// same, the step it records differs (DESIGN.md §1: the first progress starts the work).
struct Becomes {
  CaseAction action;
  CaseState from;
  CaseAction becomes;
};

constexpr std::array<Becomes, 1> kBecomes = {{
    {CaseAction::kRecordProgress, kAssigned, CaseAction::kStartProgress},
}};

constexpr bool RulesAreInActionOrder() {
  for (std::size_t i = 0; i < kRules.size(); ++i) {
    if (kRules[i].action != kAllCaseActions[i]) return false;
  }
  return true;
}
static_assert(RulesAreInActionOrder(), "kRules must list the actions in CaseAction order");

const Rule& RuleFor(CaseAction action) { return kRules[static_cast<std::size_t>(action)]; }

// "a, b or c" of the states in `set`.
std::string DescribeStates(StateSet set) {
  std::vector<std::string> words;
  for (CaseState state : kAllCaseStates) {
    if (set & Bit(state)) words.push_back(ToWord(state));
  }
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text += (i + 1 == words.size()) ? " or " : ", ";
    text += words[i];
  }
  return text;
}

std::string DescribeRoles(RoleSet set) {
  std::string text;
  for (Role role : kAllRoles) {
    if (!(set & Bit(role))) continue;
    if (!text.empty()) text += ", ";
    text += ToWord(role);
  }
  return text;
}

TransitionRefused Refuse(std::string rule, std::string message) {
  return TransitionRefused{std::move(rule), std::move(message)};
}

}  // namespace

std::string ToWord(CaseState state) {
  return std::string(kStateWords.at(static_cast<std::size_t>(state)));
}

std::optional<CaseState> ParseCaseState(std::string_view word) {
  return ParseWord(kStateWords, kAllCaseStates, word);
}

bool IsOpen(CaseState state) {
  return state != kDelivered && state != kClosed && state != kRejected && state != kCancelled;
}

std::string ToWord(CaseAction action) {
  return std::string(kActionWords.at(static_cast<std::size_t>(action)));
}

std::optional<CaseAction> ParseCaseAction(std::string_view word) {
  return ParseWord(kActionWords, kAllCaseActions, word);
}

std::variant<CaseState, TransitionRefused> Decide(const CaseFacts& facts, CaseAction action,
                                                  Role role) {
  const Rule& rule = RuleFor(action);
  const std::string action_word = ToWord(action);
  const std::string state_word = ToWord(facts.state);

  RoleSet any_role = 0;
  StateSet any_state = 0;
  StateSet states_for_role = 0;
  for (const Grant& grant : rule.grants) {
    any_role |= grant.roles;
    any_state |= grant.from;
    if (grant.roles & Bit(role)) states_for_role |= grant.from;
  }

  if (!(any_role & Bit(role))) {
    return Refuse("role_not_allowed", "the " + ToWord(role) + " role may never " + action_word +
                                          " a case; " + action_word + " is for " +
                                          DescribeRoles(any_role));
  }
  if (!(any_state & Bit(facts.state))) {
    return Refuse("illegal_transition", "cannot " + action_word + " a case that is " + state_word +
                                            "; " + action_word + " needs a case that is " +
                                            DescribeStates(any_state));
  }
  if (!(states_for_role & Bit(facts.state))) {
    return Refuse("role_not_allowed",
                  "the " + ToWord(role) + " role may " + action_word + " only a case that is " +
                      DescribeStates(states_for_role) + "; this one is " + state_word);
  }

  switch (rule.precondition) {
    case Precondition::kNone:
      break;
    case Precondition::kNoEssentialMissing:
      if (facts.missing_essential_materials > 0) {
        return Refuse("essential_material_missing",
                      "cannot accept a case that is " + state_word + " while " +
                          std::to_string(facts.missing_essential_materials) +
                          " essential material(s) are missing; all must be present");
      }
      break;
    case Precondition::kHasAgent:
      if (!facts.has_agent) {
        return Refuse("no_agent", "cannot start progress on a case that is " + state_word +
                                      " with no agent; assign an agent first");
      }
      break;
    case Precondition::kNoDeferredMissing:
      if (facts.missing_deferred_materials > 0) {
        return Refuse("deferred_material_missing",
                      "cannot record the result of a case that is " + state_word + " while " +
                          std::to_string(facts.missing_deferred_materials) +
                          " deferred (容缺) material(s) are missing; the applicant must supply "
                          "them first");
      }
      break;
    case Precondition::kExpressDelivery:
      if (!facts.express_delivery) {
        return Refuse("not_express_delivery",
                      "cannot pick up the result of a case that is " + state_word +
                          ": the applicant did not choose express delivery; hand it over at the "
                          "window instead");
      }
      break;
  }

  if (rule.target_kind == Target::kBeforeSuspension) {
    const CaseState back = facts.state_before_suspension;
    if (!(States({kAccepted, kAssigned, kInProgress}) & Bit(back))) {
      return Refuse("invalid_suspension_origin",
                    "cannot resume a case that is " + state_word + " to " + ToWord(back) +
                        "; a suspended case returns to accepted, assigned or in_progress");
    }
    return back;
  }
  return rule.target;
}

CaseAction ActionTaken(const CaseFacts& facts, CaseAction action) {
  for (const Becomes& rule : kBecomes) {
    if (rule.action == action && rule.from == facts.state) return rule.becomes;
  }
  return action;
}

std::vector<CaseAction> AllowedActions(const CaseFacts& facts, Role role) {
  std::vector<CaseAction> allowed;
  for (CaseAction action : kAllCaseActions) {
    if (std::holds_alternative<CaseState>(Decide(facts, action, role))) allowed.push_back(action);
  }
  return allowed;
}

}  // namespace daiban::cases
