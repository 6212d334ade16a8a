// CaseStore's contract (case_store_contract.hpp) held by the in-memory store the use cases are
// tested against, the same suite PgCaseStore runs in case_store_contract_pgtest.cpp.
#include "daiban/cases/testing/case_store_contract.hpp"

#include <gtest/gtest.h>

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::cases::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, CaseStoreContract, InMemoryCaseWorld);
}  // namespace daiban::cases::testing
