#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "daiban/cases/case_model.hpp"

// Deliveries (寄递单): the states of one courier leg, the moves a courier makes on it, when it
// may be delivered, and the checks at the door. Pure: no I/O; the caller passes "now".

namespace daiban::tracking {

// pending (waiting for a courier) → assigned → picked_up → arrived → delivered. A failed attempt
// at the door returns an arrived delivery to picked_up with a new window; `cancelled` ends a
// leg whose case was cancelled before the pickup.
enum class DeliveryState { kPending, kAssigned, kPickedUp, kArrived, kDelivered, kCancelled };

// "pending", "assigned", "picked_up", "arrived", "delivered", "cancelled".
std::string ToWord(DeliveryState state);
std::optional<DeliveryState> ParseDeliveryState(std::string_view word);

// `result`: the result from the department's hall to the applicant's door; `collection`: the
// applicant's originals from the door to the hall, for the agent (two-way 寄递).
enum class Leg { kResult, kCollection };
std::string ToWord(Leg leg);
std::optional<Leg> ParseLeg(std::string_view word);

// What the courier reports.
enum class CourierAction { kPickUp, kArrive, kDeliver, kFail };
std::string ToWord(CourierAction action);

// The state a courier's action leads to, or why not (a message for people). Arriving is
// optional: a courier may deliver or fail straight from picked_up.
std::variant<DeliveryState, std::string> NextState(DeliveryState from, CourierAction action);

// Whether the courier still carries, or is yet to fetch, the delivery.
bool IsOpen(DeliveryState state);

// Why a visit at the door failed: "not_home", "refused", "wrong_address", "unreachable".
bool IsFailureReason(std::string_view reason);

// A delivery window, [from, to).
struct TimeWindow {
  std::chrono::sys_seconds from{};
  std::chrono::sys_seconds to{};
};

// Couriers deliver every day; the parts of a day in China time: any 09:00-20:00, morning
// 09:00-12:00, afternoon 13:00-17:00, evening 18:00-20:00.
TimeWindow WindowOn(cases::CivilDate date, cases::DeliveryWindow preference);

// The first window of the applicant's preference that ends at least `lead` after `ready` (the
// time a courier needs to fetch the result and ride out), starting no earlier than `ready`.
TimeWindow FirstWindow(cases::DeliveryWindow preference, std::chrono::sys_seconds ready,
                       std::chrono::minutes lead = std::chrono::minutes(90));

// After a failed attempt at `failed_at`: the preference's window on the next day.
TimeWindow RetryWindow(cases::DeliveryWindow preference, std::chrono::sys_seconds failed_at);

// A recipient's proof at the door: the last 4 characters of the applicant's ID number (letters
// in any case), the recipient's name, and a signature or a photo.
struct Proof {
  std::string recipient_name;
  std::string id_last4;
  std::string signature;     // SVG path data drawn on the phone
  std::string photo_sha256;  // a photo uploaded first through the phone API
};

// The field that makes a proof unusable and why (a 422), or std::nullopt when it is complete.
// `needs_identity`: the ID characters are required (a result handed to the applicant; not
// originals handed in at the hall).
struct ProofProblem {
  std::string field;
  std::string message;
};
std::optional<ProofProblem> CheckProofShape(const Proof& proof, bool needs_identity = true);

}  // namespace daiban::tracking
