// DispatchStore's contract for agents (dispatch_store_contract.hpp) held by PgDispatchStore, the
// same suite the in-memory store runs in dispatch_store_contract_test.cpp.
#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "daiban/accounts/pg_account_repository.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/dispatch/app/pg_dispatch_store.hpp"
#include "daiban/dispatch/testing/dispatch_store_contract.hpp"
#include "scratch_database.hpp"

namespace daiban::dispatch {
namespace {

class PgDispatchWorld {
 public:
  PgDispatchWorld() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    accounts_ = std::make_unique<accounts::PgAccountRepository>(*pool_);
    store_ = std::make_unique<PgDispatchStore>(*pool_);
    pool_->Transact([](pqxx::dbtransaction& tx) { tx.exec(cases::testing::kContractRegionsSql); });
  }

  DispatchStore& Store() { return *store_; }
  std::int64_t NewAgentAccount() { return Add(accounts::Role::kAgent); }
  std::int64_t NewCourierAccount() { return Add(accounts::Role::kCourier); }

 private:
  std::int64_t Add(accounts::Role role) {
    const std::string n = std::to_string(++added_);
    return accounts_->AddUser(
        {role, "契约" + n, "1360000" + std::to_string(1000 + added_), "", "370102", ""},
        "unused-hash");
  }

  db::testing::ScratchDatabase database_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<accounts::PgAccountRepository> accounts_;
  std::unique_ptr<PgDispatchStore> store_;
  int added_ = 0;
};

}  // namespace
}  // namespace daiban::dispatch

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::dispatch::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, DispatchStoreContract, PgDispatchWorld);
}  // namespace daiban::dispatch::testing
