// The in-memory catalogue: CatalogueRepository's contract (catalogue_repository_contract.hpp,
// the same suite PgCatalogueRepository runs in catalogue_pgtest.cpp).
#include "daiban/catalogue/testing/catalogue_repository_contract.hpp"
#include "daiban/catalogue/testing/in_memory_catalogue_repository.hpp"

namespace daiban::catalogue::testing {
namespace {

struct InMemoryCatalogueWorld {
  CatalogueRepository& Store() { return store; }
  InMemoryCatalogueRepository store;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, CatalogueRepositoryContract, InMemoryCatalogueWorld);

}  // namespace daiban::catalogue::testing
