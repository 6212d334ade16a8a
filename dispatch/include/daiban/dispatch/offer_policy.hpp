#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// Offers (DESIGN.md §1): an accepted case is offered to one agent at a time; the agent takes it,
// declines it, or lets it expire. While an offer is pending the case stays `accepted`. These rules
// decide when an offer lapses and what follows a refusal; storing offers is the service's job.

namespace daiban::dispatch {

struct Offer {
  std::int64_t id = 0;
  std::string tracking_number;
  std::int64_t agent_id = 0;
  std::chrono::sys_seconds offered_at{};
  std::chrono::sys_seconds expires_at{};
};

struct OfferOptions {
  // How long an agent has to answer.
  std::chrono::seconds ttl{120};
  // Offers of one case (declined or expired ones included) before a supervisor must step in.
  int max_offers_per_case = 5;
};

// The moment an offer made at `offered_at` lapses: offered_at + ttl.
std::chrono::sys_seconds OfferExpiry(std::chrono::sys_seconds offered_at,
                                     const OfferOptions& options);

// True from expires_at on: an answer arriving at expires_at itself is too late, so the expiry
// worker and a late "take" can never both win.
bool IsExpired(const Offer& offer, std::chrono::sys_seconds now);

// What follows a declined or expired offer.
enum class AfterRefusal {
  kOfferNext,  // offer the case to the next agent (the refusing one joins excluded_agents)
  kEscalate,   // stop offering; the case goes to the region's supervisors for direct assignment
};

// Promises kEscalate once `offers_made_for_case` (all offers of the case so far, the refused one
// included) has reached max_offers_per_case, kOfferNext before. A max of 0 or less escalates at
// once.
AfterRefusal WhatNext(int offers_made_for_case, const OfferOptions& options);

}  // namespace daiban::dispatch
