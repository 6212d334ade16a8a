// DeliveryStore's contract for couriers (delivery_store_contract.hpp) held by the in-memory
// store, the same suite PgDeliveryStore runs in delivery_store_contract_pgtest.cpp.
#include "daiban/tracking/testing/delivery_store_contract.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/testing/in_memory_case_store.hpp"
#include "daiban/tracking/testing/in_memory_delivery_store.hpp"

namespace daiban::tracking {
namespace {

class InMemoryDeliveryWorld {
 public:
  InMemoryDeliveryWorld() {
    for (const char* code : cases::testing::kContractRegions) store_.AddRegion(code);
  }

  DeliveryStore& Store() { return store_; }
  std::int64_t NewCourierAccount() {
    const auto id = ++last_id_;
    store_.AddAccount(id, "寄递员" + std::to_string(id), "1350000" + std::to_string(1000 + id));
    return id;
  }
  // The in-memory store knows courier accounts only: any other id is not one.
  std::int64_t NewAgentAccount() { return ++last_id_; }

 private:
  cases::testing::InMemoryCaseStore cases_;
  testing::InMemoryDeliveryStore store_{cases_};
  std::int64_t last_id_ = 0;
};

}  // namespace
}  // namespace daiban::tracking

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::tracking::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, DeliveryStoreContract, InMemoryDeliveryWorld);
}  // namespace daiban::tracking::testing
