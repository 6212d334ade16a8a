#include "daiban/dispatch/app/dispatch_store.hpp"

namespace daiban::dispatch {

std::string ToWord(OfferState state) {
  switch (state) {
    case OfferState::kPending:
      return "pending";
    case OfferState::kAccepted:
      return "accepted";
    case OfferState::kDeclined:
      return "declined";
    case OfferState::kExpired:
      return "expired";
    case OfferState::kWithdrawn:
      return "withdrawn";
  }
  return {};
}

}  // namespace daiban::dispatch
