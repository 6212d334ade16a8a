// CaseStore's contract (case_store_contract.hpp) held by PgCaseStore, the same suite the
// in-memory store runs in case_store_contract_test.cpp.
#include <gtest/gtest.h>

#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/testing/case_store_contract.hpp"
#include "pg_contract_world.hpp"

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::cases::testing {
using PgWorld = db::testing::PgContractWorld<PgCaseStore>;
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, CaseStoreContract, PgWorld);
}  // namespace daiban::cases::testing
