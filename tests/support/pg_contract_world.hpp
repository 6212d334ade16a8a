#pragma once

// A contract suite's world over a PostgreSQL store (PgCaseStore, PgDispatchStore,
// PgDeliveryStore): a migrated scratch database holding the contract's regions and catalogue
// (cases::testing::kContractRegionsSql, kContractCatalogueSql), accounts of any role, and cases
// written through PgCaseStore.
#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
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
    accounts_ = std::make_unique<accounts::PgAccountStore>(*pool_);
    store_ = std::make_unique<PgStore>(*pool_);
    cases_ = std::make_unique<cases::PgCaseStore>(*pool_);
    pool_->Transact([](pqxx::dbtransaction& tx) {
      tx.exec(cases::testing::kContractRegionsSql);
      tx.exec(cases::testing::kContractCatalogueSql);
    });
  }

  PgStore& Store() { return *store_; }
  // The scratch database's pool, for a store that needs more than the pool to be made.
  PgPool& Pool() { return *pool_; }
  // The cases the store reads (CreateContractCase, MoveContractCase make them).
  cases::CaseStore& Cases() { return *cases_; }
  // The event types of the outbox rows written so far, in order.
  std::vector<std::string> OutboxTypes() {
    std::vector<std::string> types;
    pool_->Read([&](pqxx::transaction_base& tx) {
      for (const auto& row : tx.exec("SELECT event_type FROM outbox ORDER BY id")) {
        types.push_back(row[0].as<std::string>());
      }
    });
    return types;
  }
  std::int64_t NewAccount(kernel::Role role) {
    const int n = ++added_;
    return accounts_->AddUser({role, kernel::ToWord(role) + std::to_string(n),
                               "1350000" + std::to_string(1000 + n), "", "370102", ""},
                              "unused-hash");
  }

 private:
  ScratchDatabase database_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<accounts::PgAccountStore> accounts_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<cases::PgCaseStore> cases_;
  int added_ = 0;
};

}  // namespace daiban::db::testing
