// DeliveryStore's contract for couriers (delivery_store_contract.hpp) held by the in-memory
// store, the same suite PgDeliveryStore runs in delivery_store_contract_pgtest.cpp.
#include "daiban/tracking/testing/delivery_store_contract.hpp"

#include <gtest/gtest.h>

#include "daiban/tracking/testing/in_memory_delivery_store.hpp"

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::tracking::testing {
using InMemoryWorld =
    cases::testing::InMemoryContractWorld<InMemoryDeliveryStore, kernel::Role::kCourier>;
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, DeliveryStoreContract, InMemoryWorld);
}  // namespace daiban::tracking::testing
