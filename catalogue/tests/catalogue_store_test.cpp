// The in-memory catalogue: CatalogueStore's contract (catalogue_store_contract.hpp,
// the same suite PgCatalogueStore runs in catalogue_pgtest.cpp).
#include "daiban/catalogue/testing/catalogue_store_contract.hpp"
#include "daiban/catalogue/testing/in_memory_catalogue_store.hpp"

namespace daiban::catalogue::testing {
namespace {

struct InMemoryCatalogueWorld {
  CatalogueStore& Store() { return store; }
  InMemoryCatalogueStore store;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, CatalogueStoreContract, InMemoryCatalogueWorld);

}  // namespace daiban::catalogue::testing
