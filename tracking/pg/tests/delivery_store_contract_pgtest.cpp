// DeliveryStore's contract for couriers (delivery_store_contract.hpp) held by PgDeliveryStore,
// the same suite the in-memory store runs in delivery_store_contract_test.cpp.
#include <gtest/gtest.h>

#include "daiban/tracking/pg/pg_delivery_store.hpp"
#include "daiban/tracking/testing/delivery_store_contract.hpp"
#include "pg_contract_world.hpp"

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::tracking::testing {
using PgWorld = db::testing::PgContractWorld<PgDeliveryStore>;
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, DeliveryStoreContract, PgWorld);
}  // namespace daiban::tracking::testing
