#pragma once

// What the stores' contract suites share (dispatch_store_contract.hpp,
// delivery_store_contract.hpp): the regions their worlds hold, the in-memory world, and small
// checks. The PostgreSQL world is tests/support/pg_contract_world.hpp.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "daiban/cases/testing/in_memory_case_store.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/vocabulary.hpp"

namespace daiban::cases::testing {

// The city 370100, its district 370102 with the street 370102001, and the district 370103.
inline constexpr std::array<const char*, 4> kContractRegions = {"370100", "370102", "370102001",
                                                                "370103"};
// The same regions as rows of PostgreSQL's regions table, for a world over a scratch database.
inline constexpr const char* kContractRegionsSql = R"sql(
INSERT INTO regions (code, name, level, parent_code) VALUES
  ('370100', '济南市', 'city', NULL),
  ('370102', '历下区', 'district', '370100'),
  ('370102001', '解放路街道', 'street', '370102'),
  ('370103', '市中区', 'district', '370100'))sql";

// The status of the ApiError `call` throws; 0 when it throws none.
template <typename Call>
int RefusalStatus(Call call) {
  try {
    call();
  } catch (const kernel::ApiError& error) {
    return error.Status();
  }
  return 0;
}

inline bool Contains(const std::vector<std::string>& list, const std::string& code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

// A contract suite's world over an in-memory store of another context (InMemoryDispatchStore,
// InMemoryDeliveryStore), which reads cases from an in-memory case store and knows the accounts
// of its own role only (`kRole`): an account of any other role is an id it has never heard of.
template <typename MemoryStore, kernel::Role kRole>
class InMemoryContractWorld {
 public:
  InMemoryContractWorld() {
    for (const char* code : kContractRegions) store_.AddRegion(code);
  }

  MemoryStore& Store() { return store_; }
  std::int64_t NewAccount(kernel::Role role) {
    const auto id = ++last_id_;
    if (role == kRole) {
      store_.AddAccount(id, kernel::ToWord(role) + std::to_string(id),
                        "1350000" + std::to_string(1000 + id));
    }
    return id;
  }

 private:
  InMemoryCaseStore cases_;
  MemoryStore store_{cases_};
  std::int64_t last_id_ = 0;
};

}  // namespace daiban::cases::testing
