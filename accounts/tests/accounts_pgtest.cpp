// Staff accounts and sessions against real PostgreSQL and Redis.
#include <gtest/gtest.h>

#include "daiban/accounts/auth.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/errors.hpp"
#include "scratch_database.hpp"

namespace daiban::accounts {
namespace {

int StatusOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const kernel::ApiError& error) {
    return error.Status();
  }
  return 0;
}

// A fresh phone per test: the failure counters in Redis are keyed by phone and outlive a test.
std::string RandomPhone(kernel::IdGenerator& ids) {
  std::string digits = "139";
  for (char c : ids.HexId(4)) digits += static_cast<char>('0' + (c % 10));
  return digits;
}

kernel::HttpRequest WithToken(const std::string& token) {
  kernel::HttpRequest request;
  request.headers["authorization"] = "Bearer " + token;
  return request;
}

class AccountsPgTest : public ::testing::Test {
 protected:
  AccountsPgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    db::RedisOptions redis;
    redis.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
    redis_ = std::make_unique<db::RedisPool>(redis);
    accounts_ = std::make_unique<PgAccountRepository>(*pool_);
    // Addresses and phones differ per test run, so failure counters never collide.
    address_ = "test-" + ids_.HexId(6);
    auth_ = std::make_unique<AuthService>(*accounts_, *redis_, clock_, ids_, AuthOptions{});
    auth_->AddUser({Role::kWindow, "王窗口", phone_, "correct-horse", "", ""});
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kernel::Moment(std::chrono::seconds(1790000000))};
  kernel::RandomIdGenerator ids_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<PgAccountRepository> accounts_;
  std::unique_ptr<AuthService> auth_;
  std::string phone_ = RandomPhone(ids_);
  std::string address_;
};

TEST_F(AccountsPgTest, PasswordsAreStoredAsArgon2id) {
  auto user = accounts_->FindByPhone(phone_);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(user->password_hash, "correct-horse"));
  EXPECT_FALSE(VerifyPassword(user->password_hash, "wrong"));
}

TEST_F(AccountsPgTest, LoginGivesATokenThatResolvesUntilLogout) {
  auto login = auth_->Login(phone_, "correct-horse", address_);
  EXPECT_EQ(login.token.size(), 64u);
  auto principal = auth_->Authenticate(WithToken(login.token));
  EXPECT_EQ(principal.name, "王窗口");
  EXPECT_EQ(principal.role, Role::kWindow);
  auth_->Logout(login.token);
  EXPECT_EQ(StatusOf([&] { auth_->Authenticate(WithToken(login.token)); }), 401);
}

TEST_F(AccountsPgTest, TokensExpire) {
  auto login = auth_->Login(phone_, "correct-horse", address_);
  clock_.Advance(AuthOptions{}.session_ttl + std::chrono::seconds(1));
  redis_->Command({"DEL", "auth:session:" + TokenHash(login.token)});  // cache lapses
  EXPECT_EQ(StatusOf([&] { auth_->Authenticate(WithToken(login.token)); }), 401);
}

TEST_F(AccountsPgTest, WrongPasswordAndUnknownPhoneLookTheSame) {
  std::string wrong_message, unknown_message;
  try {
    auth_->Login(phone_, "wrong-password", address_);
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 401);
    wrong_message = error.Message();
  }
  try {
    auth_->Login("13900000000", "whatever-pass", address_);
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 401);
    unknown_message = error.Message();
  }
  EXPECT_FALSE(wrong_message.empty());
  EXPECT_EQ(wrong_message, unknown_message);
}

TEST_F(AccountsPgTest, FailedLoginsAreRateLimitedPerPhone) {
  for (int i = 0; i < AuthOptions{}.max_failures_per_phone; ++i) {
    EXPECT_EQ(StatusOf([&] {
                auth_->Login(phone_, "wrong-password", address_ + "-" + std::to_string(i));
              }),
              401);
  }
  // Even the right password is refused now, from any address.
  EXPECT_EQ(StatusOf([&] { auth_->Login(phone_, "correct-horse", address_ + "-x"); }), 429);
}

TEST_F(AccountsPgTest, FailedLoginsAreRateLimitedPerAddress) {
  AuthOptions strict;
  strict.max_failures_per_address = 3;
  AuthService auth(*accounts_, *redis_, clock_, ids_, strict);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StatusOf([&] { auth.Login(RandomPhone(ids_), "x-password", address_); }), 401);
  }
  EXPECT_EQ(StatusOf([&] { auth.Login(phone_, "correct-horse", address_); }), 429);
}

TEST_F(AccountsPgTest, BadAccountsAreRefused) {
  EXPECT_EQ(StatusOf([&] {
              auth_->AddUser({Role::kWindow, "重复", phone_, "long-enough", "", ""});
            }),
            409);
  EXPECT_EQ(StatusOf([&] {
              auth_->AddUser({Role::kWindow, "短", "13912345678", "short", "", ""});
            }),
            422);
  EXPECT_EQ(StatusOf([&] {
              auth_->AddUser({Role::kWindow, "号", "12345", "long-enough", "", ""});
            }),
            422);
  EXPECT_EQ(StatusOf([&] {
              auth_->AddUser({Role::kSupervisor, "督", "13912345678", "long-enough", "", ""});
            }),
            422);
  EXPECT_EQ(StatusOf([&] {
              auth_->AddUser({Role::kWindow, "区", "13912345679", "long-enough", "999999", ""});
            }),
            422);
}

TEST_F(AccountsPgTest, GarbageTokensAreRefused) {
  EXPECT_EQ(StatusOf([&] { auth_->Authenticate(kernel::HttpRequest{}); }), 401);
  EXPECT_EQ(StatusOf([&] { auth_->Authenticate(WithToken("not-a-token")); }), 401);
  EXPECT_EQ(StatusOf([&] { auth_->Authenticate(WithToken(std::string(5000, 'a'))); }), 401);
}

}  // namespace
}  // namespace daiban::accounts
