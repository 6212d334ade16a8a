// DispatchStore's contract for agents (dispatch_store_contract.hpp) held by the in-memory store,
// the same suite PgDispatchStore runs in dispatch_store_contract_pgtest.cpp.
#include "daiban/dispatch/testing/dispatch_store_contract.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/testing/in_memory_case_store.hpp"
#include "daiban/dispatch/testing/in_memory_dispatch_store.hpp"

namespace daiban::dispatch {
namespace {

class InMemoryDispatchWorld {
 public:
  InMemoryDispatchWorld() {
    for (const char* code : cases::testing::kContractRegions) store_.AddRegion(code);
  }

  DispatchStore& Store() { return store_; }
  std::int64_t NewAgentAccount() {
    const auto id = ++last_id_;
    store_.AddAccount(id, "代办员" + std::to_string(id), "1360000" + std::to_string(1000 + id));
    return id;
  }
  // The in-memory store knows agent accounts only: any other id is not one.
  std::int64_t NewCourierAccount() { return ++last_id_; }

 private:
  cases::testing::InMemoryCaseStore cases_;
  testing::InMemoryDispatchStore store_{cases_};
  std::int64_t last_id_ = 0;
};

}  // namespace
}  // namespace daiban::dispatch

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::dispatch::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, DispatchStoreContract, InMemoryDispatchWorld);
}  // namespace daiban::dispatch::testing
