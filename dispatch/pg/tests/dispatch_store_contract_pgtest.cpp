// DispatchStore's contract for agents (dispatch_store_contract.hpp) held by PgDispatchStore, the
// same suite the in-memory store runs in dispatch_store_contract_test.cpp.
#include <gtest/gtest.h>

#include "daiban/dispatch/pg/pg_dispatch_store.hpp"
#include "daiban/dispatch/testing/dispatch_store_contract.hpp"
#include "pg_contract_world.hpp"

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::dispatch::testing {
using PgWorld = db::testing::PgContractWorld<PgDispatchStore>;
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, DispatchStoreContract, PgWorld);
}  // namespace daiban::dispatch::testing
