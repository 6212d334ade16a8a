#pragma once

// DeviceTokenStore's contract as one typed suite: the in-memory store runs it in the
// unit tests (accounts_test.cpp) and PgDeviceTokenStore against PostgreSQL in the
// integration tests (accounts_pgtest.cpp), so the fake cannot drift from the real store. A world
// type gives the suite the accounts the tokens belong to, as AccountStoreContract's does:
//
//   struct World {
//     AccountStore& Store();
//     DeviceTokenStore& Tokens();
//     void Deactivate(std::int64_t user_id);  // as an administrator does
//   };
//
// Scopes narrower than everything depend on the agents' and couriers' regions (dispatch's and
// tracking's tables); the suite holds the two ends every store must agree on: everything reaches
// every phone, a scope naming nothing reaches none.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "daiban/accounts/device_auth.hpp"
#include "daiban/accounts/testing/account_store_contract.hpp"

namespace daiban::accounts::testing {

template <typename World>
class DeviceTokenStoreContract : public ::testing::Test {
 protected:
  // 2026-12-01 (a Tuesday) 10:00 China Standard Time.
  static constexpr kernel::Instant kNow{std::chrono::seconds(1796090400)};
  static constexpr kernel::Instant kLater = kNow + std::chrono::hours(1);

  DeviceTokenStore& Tokens() { return world_.Tokens(); }

  // An agent with a session and a refresh token on `device`.
  std::int64_t Agent(const std::string& phone, const std::string& device = "phone-1") {
    const auto id = world_.Store().AddUser(
        {Role::kAgent, "赵" + phone.substr(7), phone, "", kContractRegion, ""}, "hash");
    world_.Store().CreateSession("session-" + phone, id, device, kLater);
    Tokens().StoreRefresh("refresh-" + phone, id, device, kNow, kLater);
    return id;
  }
  bool SessionLive(const std::string& phone) {
    return world_.Store().FindSession("session-" + phone, kNow).has_value();
  }

  World world_;
};

TYPED_TEST_SUITE_P(DeviceTokenStoreContract);

// Rotation: a live token is spent once, for its active user; spent again (a copy in other
// hands), it revokes its device's whole chain, sessions and refresh tokens, and answers nobody.
TYPED_TEST_P(DeviceTokenStoreContract, ATokenIsSpentOnceAndASecondSpendRevokesTheChain) {
  const auto id = this->Agent("13800000001");
  this->Tokens().StoreRefresh("refresh-next", id, "phone-1", this->kNow, this->kLater);
  const auto spent = this->Tokens().SpendRefresh("refresh-13800000001", "phone-1", this->kNow);
  ASSERT_TRUE(spent.principal.has_value());
  EXPECT_EQ(spent.principal->user_id, id);
  EXPECT_EQ(spent.principal->role, Role::kAgent);
  EXPECT_EQ(spent.principal->phone, "13800000001");
  EXPECT_EQ(spent.principal->region_code, kContractRegion);
  EXPECT_FALSE(spent.chain_revoked.has_value());

  const auto again = this->Tokens().SpendRefresh("refresh-13800000001", "phone-1", this->kNow);
  EXPECT_FALSE(again.principal.has_value());
  ASSERT_TRUE(again.chain_revoked.has_value());
  EXPECT_EQ(again.chain_revoked->session_hashes, std::vector<std::string>{"session-13800000001"});
  EXPECT_EQ(again.chain_revoked->refresh_tokens, 1);  // refresh-next; the spent one was already
  EXPECT_FALSE(this->SessionLive("13800000001"));
  EXPECT_FALSE(this->Tokens().SpendRefresh("refresh-next", "phone-1", this->kNow).principal);
}

// Unknown, bound to another device, expired, or of a deactivated account: nobody, and nothing
// revoked (none of them was spent before).
TYPED_TEST_P(DeviceTokenStoreContract, OnlyALiveTokenOfItsDeviceAndAnActiveUserIsSpent) {
  const auto id = this->Agent("13800000001");
  for (const auto& [token, device, at] :
       std::vector<std::tuple<std::string, std::string, kernel::Instant>>{
           {"no-such-token", "phone-1", this->kNow},
           {"refresh-13800000001", "phone-2", this->kNow},
           {"refresh-13800000001", "phone-1", this->kLater}}) {
    const auto spent = this->Tokens().SpendRefresh(token, device, at);
    EXPECT_FALSE(spent.principal.has_value()) << token << " " << device;
    EXPECT_FALSE(spent.chain_revoked.has_value()) << token << " " << device;
  }
  EXPECT_TRUE(this->SessionLive("13800000001"));
  this->world_.Deactivate(id);
  EXPECT_FALSE(this->Tokens().SpendRefresh("refresh-13800000001", "phone-1", this->kNow).principal);
}

// A lost phone: every live session and refresh token of that device ends, the user's other
// devices go on; a scope naming nothing reaches no phone.
TYPED_TEST_P(DeviceTokenStoreContract, RevokingADeviceEndsItsSessionsAndTokensOnly) {
  const auto id = this->Agent("13800000001", "phone-1");
  this->world_.Store().CreateSession("session-other", id, "phone-2", this->kLater);
  this->Tokens().StoreRefresh("refresh-other", id, "phone-2", this->kNow, this->kLater);

  const auto nothing =
      this->Tokens().RevokeDevice(id, "phone-1", this->kNow, kernel::StaffScope::Nothing());
  EXPECT_TRUE(nothing.session_hashes.empty());
  EXPECT_EQ(nothing.refresh_tokens, 0);
  EXPECT_TRUE(this->SessionLive("13800000001"));

  const auto revoked =
      this->Tokens().RevokeDevice(id, "phone-1", this->kNow, kernel::StaffScope::Everything());
  EXPECT_EQ(revoked.session_hashes, std::vector<std::string>{"session-13800000001"});
  EXPECT_EQ(revoked.refresh_tokens, 1);
  EXPECT_FALSE(this->SessionLive("13800000001"));
  EXPECT_FALSE(this->Tokens().SpendRefresh("refresh-13800000001", "phone-1", this->kNow).principal);
  EXPECT_TRUE(this->world_.Store().FindSession("session-other", this->kNow).has_value());
  EXPECT_TRUE(this->Tokens().SpendRefresh("refresh-other", "phone-2", this->kNow).principal);

  const auto again =
      this->Tokens().RevokeDevice(id, "phone-1", this->kNow, kernel::StaffScope::Everything());
  EXPECT_TRUE(again.session_hashes.empty());
  EXPECT_EQ(again.refresh_tokens, 0);
}

REGISTER_TYPED_TEST_SUITE_P(DeviceTokenStoreContract,
                            ATokenIsSpentOnceAndASecondSpendRevokesTheChain,
                            OnlyALiveTokenOfItsDeviceAndAnActiveUserIsSpent,
                            RevokingADeviceEndsItsSessionsAndTokensOnly);

}  // namespace daiban::accounts::testing
