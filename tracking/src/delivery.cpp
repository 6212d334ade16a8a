#include "daiban/tracking/delivery.hpp"

#include <array>

#include "daiban/cases/china_time.hpp"

namespace daiban::tracking {

namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr std::array<DeliveryState, 6> kStates = {
    DeliveryState::kPending, DeliveryState::kAssigned,  DeliveryState::kPickedUp,
    DeliveryState::kArrived, DeliveryState::kDelivered, DeliveryState::kCancelled};

constexpr std::array<std::string_view, 4> kFailureReasons = {"not_home", "refused", "wrong_address",
                                                             "unreachable"};

// Plausible SVG path data: what a phone's signature pad draws, nothing that could carry markup.
bool IsPathData(std::string_view text) {
  for (char ch : text) {
    const bool ok = (ch >= '0' && ch <= '9') || ch == ' ' || ch == ',' || ch == '.' || ch == '-' ||
                    std::string_view("MmLlHhVvCcSsQqTtAaZz").find(ch) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool IsHex64(std::string_view text) {
  if (text.size() != 64) return false;
  for (char ch : text) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string ToWord(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kAssigned:
      return "assigned";
    case DeliveryState::kPickedUp:
      return "picked_up";
    case DeliveryState::kArrived:
      return "arrived";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kCancelled:
      return "cancelled";
  }
  return "pending";
}

std::optional<DeliveryState> ParseDeliveryState(std::string_view word) {
  for (auto state : kStates) {
    if (word == ToWord(state)) return state;
  }
  return std::nullopt;
}

std::string ToWord(Leg leg) { return leg == Leg::kResult ? "result" : "collection"; }

std::optional<Leg> ParseLeg(std::string_view word) {
  if (word == "result") return Leg::kResult;
  if (word == "collection") return Leg::kCollection;
  return std::nullopt;
}

std::string ToWord(CourierAction action) {
  switch (action) {
    case CourierAction::kPickUp:
      return "picked_up";
    case CourierAction::kArrive:
      return "arrived";
    case CourierAction::kDeliver:
      return "delivered";
    case CourierAction::kFail:
      return "failed";
  }
  return "picked_up";
}

std::variant<DeliveryState, std::string> NextState(DeliveryState from, CourierAction action) {
  switch (action) {
    case CourierAction::kPickUp:
      if (from == DeliveryState::kAssigned) return DeliveryState::kPickedUp;
      return "only an assigned delivery can be picked up (it is " + ToWord(from) + ")";
    case CourierAction::kArrive:
      if (from == DeliveryState::kPickedUp) return DeliveryState::kArrived;
      return "arrive after picking up (the delivery is " + ToWord(from) + ")";
    case CourierAction::kDeliver:
      if (from == DeliveryState::kPickedUp || from == DeliveryState::kArrived) {
        return DeliveryState::kDelivered;
      }
      return "deliver after picking up (the delivery is " + ToWord(from) + ")";
    case CourierAction::kFail:
      // The courier keeps the item and comes back: the delivery is on board again.
      if (from == DeliveryState::kPickedUp || from == DeliveryState::kArrived) {
        return DeliveryState::kPickedUp;
      }
      return "a visit can fail only after picking up (the delivery is " + ToWord(from) + ")";
  }
  return std::string("unknown action");
}

bool IsOpen(DeliveryState state) {
  return state == DeliveryState::kAssigned || state == DeliveryState::kPickedUp ||
         state == DeliveryState::kArrived;
}

bool IsFailureReason(std::string_view reason) {
  for (auto known : kFailureReasons) {
    if (reason == known) return true;
  }
  return false;
}

TimeWindow WindowOn(cases::CivilDate date, cases::DeliveryWindow preference) {
  auto at = [&date](int hour) { return cases::FromChinaLocal(date, hours(hour)); };
  switch (preference) {
    case cases::DeliveryWindow::kMorning:
      return {at(9), at(12)};
    case cases::DeliveryWindow::kAfternoon:
      return {at(13), at(17)};
    case cases::DeliveryWindow::kEvening:
      return {at(18), at(20)};
    case cases::DeliveryWindow::kAny:
      break;
  }
  return {at(9), at(20)};
}

TimeWindow FirstWindow(cases::DeliveryWindow preference, std::chrono::sys_seconds ready,
                       minutes lead) {
  auto day = std::chrono::sys_days(cases::ChinaDateOf(ready));
  for (int i = 0; i < 2; ++i) {
    TimeWindow window = WindowOn(cases::CivilDate(day + std::chrono::days(i)), preference);
    if (window.to - lead >= ready) {
      if (window.from < ready) window.from = ready;
      return window;
    }
  }
  return WindowOn(cases::CivilDate(day + std::chrono::days(2)), preference);
}

TimeWindow RetryWindow(cases::DeliveryWindow preference, std::chrono::sys_seconds failed_at) {
  auto day = std::chrono::sys_days(cases::ChinaDateOf(failed_at));
  return WindowOn(cases::CivilDate(day + std::chrono::days(1)), preference);
}

std::optional<ProofProblem> CheckProofShape(const Proof& proof, bool needs_identity) {
  if (proof.recipient_name.empty() || proof.recipient_name.size() > 100) {
    return ProofProblem{"recipient_name", "the recipient's name is required (at most 100 bytes)"};
  }
  if (needs_identity && proof.id_last4.size() != 4) {
    return ProofProblem{"id_last4", "give the last 4 characters of the ID number"};
  }
  if (proof.signature.empty() && proof.photo_sha256.empty()) {
    return ProofProblem{"signature", "a signature or a photo (photo_sha256) is required"};
  }
  if (!proof.signature.empty() &&
      (proof.signature.size() > 32 * 1024 || !IsPathData(proof.signature))) {
    return ProofProblem{"signature", "the signature must be SVG path data of at most 32 KiB"};
  }
  if (!proof.photo_sha256.empty() && !IsHex64(proof.photo_sha256)) {
    return ProofProblem{"photo_sha256", "photo_sha256 must be 64 lowercase hex digits"};
  }
  return std::nullopt;
}

}  // namespace daiban::tracking
