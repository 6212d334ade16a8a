#include "daiban/dispatch/offer_policy.hpp"

#include <chrono>

namespace daiban::dispatch {

std::chrono::sys_seconds OfferExpiry(std::chrono::sys_seconds offered_at,
                                     const OfferOptions& options) {
  return offered_at + options.ttl;
}

bool IsExpired(const Offer& offer, std::chrono::sys_seconds now) { return now >= offer.expires_at; }

AfterRefusal WhatNext(int offers_made_for_case, const OfferOptions& options) {
  return offers_made_for_case >= options.max_offers_per_case ? AfterRefusal::kEscalate
                                                             : AfterRefusal::kOfferNext;
}

}  // namespace daiban::dispatch
