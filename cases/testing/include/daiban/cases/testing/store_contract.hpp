#pragma once

// What the stores' contract suites share (dispatch_store_contract.hpp,
// delivery_store_contract.hpp): the regions their worlds hold, and small checks.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "daiban/kernel/errors.hpp"

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

}  // namespace daiban::cases::testing
