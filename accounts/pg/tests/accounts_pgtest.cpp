// Staff accounts and sessions against real PostgreSQL and Redis, and AccountStore's contract
// (account_store_contract.hpp, the same suite the in-memory store runs in
// accounts_test.cpp).
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/device_auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/accounts/testing/account_store_contract.hpp"
#include "daiban/accounts/testing/device_token_store_contract.hpp"
#include "daiban/accounts/testing/requests.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/errors.hpp"
#include "scratch_database.hpp"

namespace daiban::accounts {
namespace {

using testing::StatusOf;
using testing::WithToken;

// A fresh phone per test: the failure counters in Redis are keyed by phone and outlive a test.
std::string RandomPhone(kernel::IdGenerator& ids) {
  std::string digits = "139";
  for (char c : ids.HexId(4)) digits += static_cast<char>('0' + (c % 10));
  return digits;
}

// A migrated scratch database holding the contract's region and department.
class PgAccountsWorld {
 public:
  PgAccountsWorld() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    pool_->Transact([](pqxx::dbtransaction& tx) {
      tx.exec(R"sql(
INSERT INTO regions (code, name, level, parent_code) VALUES
  ('370100', '济南市', 'city', NULL), ('370102', '历下区', 'district', '370100');
INSERT INTO departments (code, name, region_code, hall_name, hall_address, hall_lat, hall_lng,
                         office_hours)
VALUES ('JN-GA', '济南市公安局', '370100', '公安服务大厅', '历下区龙鼎大道1号', 36.66, 117.10,
        '09:00-17:00'))sql");
    });
    store_ = std::make_unique<PgAccountStore>(*pool_);
    tokens_ = std::make_unique<PgDeviceTokenStore>(*pool_);
  }
  AccountStore& Store() { return *store_; }
  DeviceTokenStore& Tokens() { return *tokens_; }
  void Deactivate(std::int64_t user_id) {
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      tx.exec_params("UPDATE users SET active = false WHERE id = $1", user_id);
    });
  }

 private:
  db::testing::ScratchDatabase database_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<PgAccountStore> store_;
  std::unique_ptr<PgDeviceTokenStore> tokens_;
};

class AccountsPgTest : public ::testing::Test {
 protected:
  AccountsPgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    db::RedisOptions redis;
    redis.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
    redis_ = std::make_unique<db::RedisPool>(redis);
    auth_state_ = std::make_unique<RedisAuthState>(*redis_);
    accounts_ = std::make_unique<PgAccountStore>(*pool_);
    // Addresses and phones differ per test run, so failure counters never collide.
    address_ = "test-" + ids_.HexId(6);
    auth_ = std::make_unique<AuthService>(*accounts_, *auth_state_, *auth_state_, clock_, ids_,
                                          AuthOptions{});
    auth_->AddUser({Role::kWindow, "王窗口", phone_, "correct-horse", "", ""});
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kernel::Instant(std::chrono::seconds(1790000000))};
  kernel::RandomIdGenerator ids_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<PgAccountStore> accounts_;
  std::unique_ptr<RedisAuthState> auth_state_;
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
  AuthService auth(*accounts_, *auth_state_, *auth_state_, clock_, ids_, strict);
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

// A supervisor revokes the phones of its region's agents and couriers only; out of scope the
// answer is the one of an unknown device, and nothing is revoked.
TEST_F(AccountsPgTest, SupervisorsRevokeOnlyThePhonesOfTheirScope) {
  PgDeviceTokenStore tokens(*pool_);
  DeviceAuth devices(*auth_, tokens, clock_, ids_);
  pool_->Transact([](pqxx::dbtransaction& tx) {
    tx.exec(
        "INSERT INTO regions (code, name, level, parent_code) VALUES "
        "('370100', '济南市', 'city', NULL), ('370102', '历下区', 'district', '370100'), "
        "('370103', '市中区', 'district', '370100'), "
        "('370102001', '解放路街道', 'street', '370102')");
    tx.exec(
        "INSERT INTO departments (code, name, region_code, hall_address, hall_lat, hall_lng, "
        "office_hours) VALUES ('JN-GA', '公安局', '370100', '-', 36.6, 117.0, '-'), "
        "('JN-SWJ', '税务局', '370100', '-', 36.6, 117.0, '-')");
  });
  auto phone_user = [&](Role role, const std::string& region, const std::string& department) {
    auto phone = RandomPhone(ids_);
    auto id = auth_->AddUser({role, "外勤", phone, "correct-horse", region, ""});
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      if (role == Role::kAgent) {
        tx.exec_params("INSERT INTO agents (user_id) VALUES ($1)", id);
        tx.exec_params("INSERT INTO agent_regions (agent_id, region_code) VALUES ($1, $2)", id,
                       region);
        tx.exec_params("INSERT INTO agent_departments (agent_id, department_code) VALUES ($1, $2)",
                       id, department);
      } else {
        tx.exec_params(
            "INSERT INTO couriers (user_id, company, vehicle, base_lat, base_lng, updated_at) "
            "VALUES ($1, 'EMS', 'car', 36.6, 117.0, now())",
            id);
        tx.exec_params("INSERT INTO courier_regions (courier_id, region_code) VALUES ($1, $2)", id,
                       region);
      }
    });
    devices.Login(phone, "correct-horse", address_, "phone-1");
    return id;
  };
  auto is_live = [&](std::int64_t user) {
    int live = 0;
    pool_->Read([&](pqxx::transaction_base& tx) {
      live = tx.exec_params(
                   "SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS "
                   "NULL",
                   user)[0][0]
                 .as<int>();
    });
    return live > 0;
  };
  auto agent = phone_user(Role::kAgent, "370102001", "JN-GA");
  auto courier = phone_user(Role::kCourier, "370103", "");
  const auto lixia = kernel::StaffScope::Of("370102", "");
  const auto shizhong = kernel::StaffScope::Of("370103", "");
  const auto police = kernel::StaffScope::Of("", "JN-GA");
  const auto tax = kernel::StaffScope::Of("", "JN-SWJ");

  EXPECT_EQ(StatusOf([&] { devices.RevokeDevice(shizhong, agent, "phone-1"); }), 404);
  EXPECT_EQ(StatusOf([&] { devices.RevokeDevice(tax, agent, "phone-1"); }), 404);
  EXPECT_EQ(StatusOf([&] { devices.RevokeDevice(lixia, courier, "phone-1"); }), 404);
  EXPECT_EQ(StatusOf([&] { devices.RevokeDevice(police, courier, "phone-1"); }), 404);
  EXPECT_TRUE(is_live(agent));
  EXPECT_TRUE(is_live(courier));
  // In scope, an unknown device id answers exactly like a device out of scope.
  EXPECT_EQ(StatusOf([&] { devices.RevokeDevice(lixia, agent, "no-such-phone"); }), 404);
  EXPECT_EQ(StatusOf([&] { devices.RevokeDevice(police, agent, "phone-1"); }), 0);
  EXPECT_FALSE(is_live(agent));
  EXPECT_EQ(StatusOf([&] { devices.RevokeDevice(shizhong, courier, "phone-1"); }), 0);
  EXPECT_FALSE(is_live(courier));
}

}  // namespace
}  // namespace daiban::accounts

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::accounts::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, AccountStoreContract, PgAccountsWorld);
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, DeviceTokenStoreContract, PgAccountsWorld);
}  // namespace daiban::accounts::testing
