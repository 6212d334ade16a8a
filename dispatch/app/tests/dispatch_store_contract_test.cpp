// DispatchStore's contract for agents (dispatch_store_contract.hpp) held by the in-memory store,
// the same suite PgDispatchStore runs in dispatch_store_contract_pgtest.cpp.
#include "daiban/dispatch/testing/dispatch_store_contract.hpp"

#include <gtest/gtest.h>

#include "daiban/dispatch/testing/in_memory_dispatch_store.hpp"

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::dispatch::testing {
using InMemoryWorld =
    cases::testing::InMemoryContractWorld<InMemoryDispatchStore, kernel::Role::kAgent>;
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, DispatchStoreContract, InMemoryWorld);
}  // namespace daiban::dispatch::testing
