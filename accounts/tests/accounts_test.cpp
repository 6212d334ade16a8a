// The accounts context against its in-memory fakes (no database, no Redis): AccountStore's
// and DeviceTokenStore's contracts (account_store_contract.hpp and
// device_token_store_contract.hpp, the same suites the PostgreSQL stores run in
// accounts_pgtest.cpp) and the sign-in use cases: a token that resolves until logout or expiry,
// one answer for a wrong password and an unknown phone, failed sign-ins limited per phone.
#include <gtest/gtest.h>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/testing/account_store_contract.hpp"
#include "daiban/accounts/testing/device_token_store_contract.hpp"
#include "daiban/accounts/testing/in_memory_accounts.hpp"
#include "daiban/accounts/testing/requests.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::accounts::testing {
namespace {

struct InMemoryAccountsWorld {
  InMemoryAccountsWorld() {
    store.AddRegion(kContractRegion);
    store.AddDepartment(kContractDepartment);
  }
  AccountStore& Store() { return store; }
  DeviceTokenStore& Tokens() { return tokens; }
  void Deactivate(std::int64_t user_id) { store.Deactivate(user_id); }

  InMemoryAccountStore store;
  InMemoryDeviceTokenStore tokens{store};
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, AccountStoreContract, InMemoryAccountsWorld);
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, DeviceTokenStoreContract, InMemoryAccountsWorld);

namespace {

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest() { auth.AddUser({Role::kWindow, "王窗口", kPhone, "correct-horse", "", ""}); }

  static constexpr const char* kPhone = "13900000001";
  static constexpr const char* kAddress = "192.0.2.7";

  kernel::ManualClock clock{kernel::Instant(std::chrono::seconds(1790000000))};
  kernel::RandomIdGenerator ids;
  InMemoryAccountStore accounts;
  InMemoryAuthState state{clock};
  AuthService auth{accounts, state, state, clock, ids, AuthOptions{}};
};

TEST_F(AuthServiceTest, ATokenResolvesUntilLogoutOrItsExpiry) {
  const auto login = auth.Login(kPhone, "correct-horse", kAddress);
  EXPECT_EQ(login.token.size(), 64u);
  EXPECT_EQ(login.expires_at, clock.Now() + AuthOptions{}.session_ttl);
  const auto principal = auth.Authenticate(WithToken(login.token));
  EXPECT_EQ(principal.name, "王窗口");
  EXPECT_EQ(principal.role, Role::kWindow);
  auth.Logout(login.token);
  EXPECT_EQ(StatusOf([&] { auth.Authenticate(WithToken(login.token)); }), 401);

  const auto second = auth.Login(kPhone, "correct-horse", kAddress);
  clock.Advance(AuthOptions{}.session_ttl + std::chrono::seconds(1));
  state.Forget(TokenHash(second.token));  // the cache's vouching lapses
  EXPECT_EQ(StatusOf([&] { auth.Authenticate(WithToken(second.token)); }), 401);
  EXPECT_EQ(StatusOf([&] { auth.Authenticate(WithToken("not-a-token")); }), 401);
}

// The same 401 and message either way, so an answer tells nothing about which phones exist.
TEST_F(AuthServiceTest, AWrongPasswordAndAnUnknownPhoneLookTheSame) {
  std::string wrong, unknown;
  try {
    auth.Login(kPhone, "wrong-password", kAddress);
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 401);
    wrong = error.Message();
  }
  try {
    auth.Login("13900000000", "whatever-pass", kAddress);
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 401);
    unknown = error.Message();
  }
  EXPECT_FALSE(wrong.empty());
  EXPECT_EQ(wrong, unknown);
}

TEST_F(AuthServiceTest, FailedSignInsAreLimitedPerPhoneForTheirWindow) {
  const AuthOptions options;
  for (int i = 0; i < options.max_failures_per_phone; ++i) {
    EXPECT_EQ(StatusOf([&] { auth.Login(kPhone, "wrong-password", kAddress); }), 401);
  }
  // Past the limit even the right password waits for the window to pass.
  EXPECT_EQ(StatusOf([&] { auth.Login(kPhone, "correct-horse", kAddress); }), 429);
  clock.Advance(options.failure_window);
  EXPECT_EQ(StatusOf([&] { auth.Login(kPhone, "correct-horse", kAddress); }), 0);
}

}  // namespace
}  // namespace daiban::accounts::testing
