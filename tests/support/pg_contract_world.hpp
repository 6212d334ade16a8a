#pragma once

// A contract suite's world over a PostgreSQL store (PgDispatchStore, PgDeliveryStore): a
// migrated scratch database holding the contract's regions (cases::testing::kContractRegionsSql)
// and accounts of any role.
#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "daiban/accounts/pg_account_repository.hpp"
#include "daiban/cases/testing/store_contract.hpp"
#include "daiban/db/pg_pool.hpp"
#include "scratch_database.hpp"

namespace daiban::db::testing {

template <typename PgStore>
class PgContractWorld {
 public:
  PgContractWorld() {
    database_.Migrate();
    pool_ = std::make_unique<PgPool>(PgOptions{.url = database_.Url(), .pool_size = 2});
    accounts_ = std::make_unique<accounts::PgAccountRepository>(*pool_);
    store_ = std::make_unique<PgStore>(*pool_);
    pool_->Transact([](pqxx::dbtransaction& tx) { tx.exec(cases::testing::kContractRegionsSql); });
  }

  PgStore& Store() { return *store_; }
  std::int64_t NewAccount(kernel::Role role) {
    const int n = ++added_;
    return accounts_->AddUser({role, kernel::ToWord(role) + std::to_string(n),
                               "1350000" + std::to_string(1000 + n), "", "370102", ""},
                              "unused-hash");
  }

 private:
  ScratchDatabase database_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<accounts::PgAccountRepository> accounts_;
  std::unique_ptr<PgStore> store_;
  int added_ = 0;
};

}  // namespace daiban::db::testing
