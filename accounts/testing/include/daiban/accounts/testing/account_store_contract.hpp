#pragma once

// AccountStore's contract as one typed suite: the in-memory store runs it in the unit
// tests (accounts_test.cpp) and PgAccountStore against PostgreSQL in the integration tests
// (accounts_pgtest.cpp), so the fake cannot drift from the real store. A world type gives the
// suite a store whose region kRegion and department kDepartment exist:
//
//   struct World {
//     AccountStore& Store();
//     void Deactivate(std::int64_t user_id);  // as an administrator does
//   };
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "daiban/accounts/auth.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::accounts::testing {

inline constexpr const char* kContractRegion = "370102";
inline constexpr const char* kContractDepartment = "JN-GA";

template <typename World>
class AccountStoreContract : public ::testing::Test {
 protected:
  // 2026-12-01 (a Tuesday) 10:00 China Standard Time.
  static constexpr kernel::Instant kNow{std::chrono::seconds(1796090400)};

  AccountStore& Store() { return world_.Store(); }

  std::int64_t Add(const std::string& phone, Role role = Role::kSupervisor,
                   const std::string& region = kContractRegion,
                   const std::string& department = "") {
    return Store().AddUser({role, "王" + phone.substr(7), phone, "", region, department},
                           "hash-of-" + phone);
  }

  // "<status> <code> <field>" of the ApiError `call` throws; "" when it throws none.
  static std::string Refusal(const std::function<void()>& call) {
    try {
      call();
    } catch (const kernel::ApiError& error) {
      return std::to_string(error.Status()) + " " + error.Code() + " " + error.Field();
    }
    return "";
  }

  World world_;
};

TYPED_TEST_SUITE_P(AccountStoreContract);

TYPED_TEST_P(AccountStoreContract, AnAccountIsFoundByItsPhone) {
  const auto id = this->Add("13800000001", Role::kSupervisor, kContractRegion);
  const auto other = this->Add("13800000002", Role::kWindow, "", kContractDepartment);
  EXPECT_GT(id, 0);
  EXPECT_NE(id, other);

  const auto found = this->Store().FindByPhone("13800000001");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->principal.user_id, id);
  EXPECT_EQ(found->principal.role, Role::kSupervisor);
  EXPECT_EQ(found->principal.name, "王0001");
  EXPECT_EQ(found->principal.phone, "13800000001");
  EXPECT_EQ(found->principal.region_code, kContractRegion);
  EXPECT_EQ(found->principal.department_code, "");
  EXPECT_EQ(found->password_hash, "hash-of-13800000001");
  EXPECT_TRUE(found->active);
  EXPECT_EQ(this->Store().FindByPhone("13800000002")->principal.department_code,
            kContractDepartment);
  EXPECT_FALSE(this->Store().FindByPhone("13800000009").has_value());
}

TYPED_TEST_P(AccountStoreContract, APhoneIsTakenOnceAndScopesMustExist) {
  this->Add("13800000001");
  EXPECT_EQ(this->Refusal([&] { this->Add("13800000001", Role::kWindow, ""); }),
            "409 phone_taken phone");
  EXPECT_EQ(this->Refusal([&] { this->Add("13800000003", Role::kSupervisor, "379999"); }),
            "422 validation_failed region");
  EXPECT_EQ(this->Refusal([&] { this->Add("13800000004", Role::kWindow, "", "NO-SUCH"); }),
            "422 validation_failed department");
  EXPECT_FALSE(this->Store().FindByPhone("13800000003").has_value());
  EXPECT_FALSE(this->Store().FindByPhone("13800000004").has_value());
}

TYPED_TEST_P(AccountStoreContract, ASessionResolvesUntilItExpiresOrIsRevoked) {
  const auto id = this->Add("13800000001");
  const auto later = this->kNow + std::chrono::hours(1);
  this->Store().CreateSession("hash-a", id, "", later);
  this->Store().CreateSession("hash-b", id, "phone-1", later);

  const auto principal = this->Store().FindSession("hash-a", this->kNow);
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ(principal->user_id, id);
  EXPECT_EQ(principal->region_code, kContractRegion);
  EXPECT_FALSE(this->Store().FindSession("hash-a", later).has_value()) << "expired at its end";
  EXPECT_FALSE(this->Store().FindSession("no-such-hash", this->kNow).has_value());

  EXPECT_TRUE(this->Store().RevokeSession("hash-a", this->kNow));
  EXPECT_FALSE(this->Store().RevokeSession("hash-a", this->kNow)) << "revoked once";
  EXPECT_FALSE(this->Store().RevokeSession("no-such-hash", this->kNow));
  EXPECT_FALSE(this->Store().FindSession("hash-a", this->kNow).has_value());
  EXPECT_TRUE(this->Store().FindSession("hash-b", this->kNow).has_value());
}

TYPED_TEST_P(AccountStoreContract, ADeactivatedAccountsSessionsNoLongerResolve) {
  const auto id = this->Add("13800000001");
  this->Store().CreateSession("hash-a", id, "", this->kNow + std::chrono::hours(1));
  this->world_.Deactivate(id);
  EXPECT_FALSE(this->Store().FindSession("hash-a", this->kNow).has_value());
  EXPECT_FALSE(this->Store().FindByPhone("13800000001")->active);
}

REGISTER_TYPED_TEST_SUITE_P(AccountStoreContract, AnAccountIsFoundByItsPhone,
                            APhoneIsTakenOnceAndScopesMustExist,
                            ASessionResolvesUntilItExpiresOrIsRevoked,
                            ADeactivatedAccountsSessionsNoLongerResolve);

}  // namespace daiban::accounts::testing
