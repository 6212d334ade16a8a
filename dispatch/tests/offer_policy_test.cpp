#include "daiban/dispatch/offer_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace daiban::dispatch {
namespace {

using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

const sys_seconds kOfferedAt = sys_days{std::chrono::year{2026} / 3 / 2} + seconds{7200};

TEST(OfferPolicyTest, ExpiryIsOfferedAtPlusTtl) {
  EXPECT_EQ(OfferExpiry(kOfferedAt, OfferOptions{}), kOfferedAt + seconds{120});
  OfferOptions options;
  options.ttl = seconds{45};
  EXPECT_EQ(OfferExpiry(kOfferedAt, options), kOfferedAt + seconds{45});
}

TEST(OfferPolicyTest, ExpiredFromTheExpiryMomentOn) {
  Offer offer;
  offer.id = 1;
  offer.tracking_number = "DB7K2M9Q";
  offer.agent_id = 7;
  offer.offered_at = kOfferedAt;
  offer.expires_at = OfferExpiry(kOfferedAt, OfferOptions{});
  EXPECT_FALSE(IsExpired(offer, kOfferedAt));
  EXPECT_FALSE(IsExpired(offer, offer.expires_at - seconds{1}));
  EXPECT_TRUE(IsExpired(offer, offer.expires_at));
  EXPECT_TRUE(IsExpired(offer, offer.expires_at + seconds{3600}));
}

TEST(OfferPolicyTest, EscalatesAfterTheLastAllowedOffer) {
  const OfferOptions options;  // 5 offers
  for (int made = 1; made < 5; ++made) {
    EXPECT_EQ(WhatNext(made, options), AfterRefusal::kOfferNext) << made;
  }
  EXPECT_EQ(WhatNext(5, options), AfterRefusal::kEscalate);
  EXPECT_EQ(WhatNext(6, options), AfterRefusal::kEscalate);

  OfferOptions one;
  one.max_offers_per_case = 1;
  EXPECT_EQ(WhatNext(1, one), AfterRefusal::kEscalate);
  OfferOptions none;
  none.max_offers_per_case = 0;
  EXPECT_EQ(WhatNext(0, none), AfterRefusal::kEscalate);
}

}  // namespace
}  // namespace daiban::dispatch
