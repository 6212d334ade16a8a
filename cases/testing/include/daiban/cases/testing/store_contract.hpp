#pragma once

// What the stores' contract suites share (dispatch_store_contract.hpp,
// delivery_store_contract.hpp): the regions their worlds hold, the in-memory world, and small
// checks. The PostgreSQL world is tests/support/pg_contract_world.hpp.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/cases/testing/case_world.hpp"
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
// The one department and item the contract's cases are of (a case row needs both).
inline constexpr const char* kContractDepartment = "JN-GA";
inline constexpr const char* kContractItem = "GA-002";
inline constexpr const char* kContractItemName = "户口迁移";
inline constexpr const char* kContractCatalogueSql = R"sql(
INSERT INTO departments (code, name, region_code, hall_name, hall_address, hall_lat, hall_lng,
                         office_hours) VALUES
  ('JN-GA', '济南市公安局', '370100', '公安服务大厅', '历下区龙鼎大道1号', 36.66, 117.10,
   '09:00-17:00');
INSERT INTO items (code, name, service_class, kind, department_code, level, committed_days,
                   legal_days, conditions, modes, delivery_options, fee, legal_basis) VALUES
  ('GA-002', '户口迁移', 'we_run', 'administrative', 'JN-GA', 'city', 3, 20, '', '{proxy}',
   '{express,window}', '免费', ''))sql";

// A submitted case of the contract's item in `region_code`, created at `at`, as the use cases
// hand it to CaseStore::Create.
inline Case ContractCase(const std::string& tracking_number, const std::string& region_code,
                         Moment at) {
  Case c;
  c.tracking_number = tracking_number;
  c.access_code_hash = "hash-of-" + tracking_number;
  c.item_code = kContractItem;
  c.subject_name = kContractItemName;
  c.mode = "proxy";
  c.region_code = region_code;
  c.department_code = kContractDepartment;
  c.committed_days = 3;
  // The applicant and delivery of the use case tests' request (case_world.hpp).
  const CaseRequest request = HukouRequest(DeliveryMethod::kExpress, 1);
  c.applicant = request.applicant;
  c.delivery = request.delivery;
  c.materials.push_back(
      {1, kContractItem, 1, "居民户口簿", true, MaterialStatus::kProvided, "", std::nullopt});
  c.created_at = at;
  return c;
}

// Creates `ContractCase` in `store` with its "created" event; its id.
inline std::int64_t CreateContractCase(CaseStore& store, const std::string& tracking_number,
                                       const std::string& region_code, Moment at) {
  Case c = ContractCase(tracking_number, region_code, at);
  CaseChange change;
  CaseEvent created;
  created.type = "created";
  created.to = CaseState::kSubmitted;
  created.actor_role = kernel::Role::kApplicant;
  created.at = at;
  change.events.push_back(created);
  store.Create(c, change, std::nullopt);
  return c.id;
}

// Moves a case on in `store` to `to` at `at` (with a deadline, for a state past acceptance), as
// a use case's transition does: the case row and one event.
inline Case MoveContractCase(CaseStore& store, const std::string& tracking_number, CaseState to,
                             Moment at, std::int64_t agent_id = 0) {
  return store.Change(tracking_number, CaseScope::Everything(), [&](Case& c, CaseChange& change) {
    CaseEvent event;
    event.type = "moved";
    event.from = c.state;
    event.to = to;
    event.at = at;
    change.events.push_back(event);
    c.state = to;
    if (to != CaseState::kSubmitted && !c.accepted_at) {
      c.accepted_at = at;
      c.clock = CaseClock{at + std::chrono::hours(72), at + std::chrono::hours(48), false};
    }
    if (agent_id != 0) {
      c.agent_id = agent_id;
      c.assigned_at = at;
    }
  });
}

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

// A contract suite's world over the in-memory case store (CaseStoreContract): the accounts it
// names are agents (as the users table would give a case its agent's name and phone).
class InMemoryCaseWorld {
 public:
  CaseStore& Store() { return store_; }
  std::int64_t NewAccount(kernel::Role role) {
    const auto id = ++last_id_;
    if (role == kernel::Role::kAgent) {
      store_.AddAgent(id, kernel::ToWord(role) + std::to_string(id),
                      "1350000" + std::to_string(1000 + id));
    }
    return id;
  }
  // The event types of the outbox rows written so far, in order.
  std::vector<std::string> OutboxTypes() {
    std::vector<std::string> types;
    for (const auto& written : store_.Outbox()) types.push_back(written.message.event_type);
    return types;
  }

 private:
  InMemoryCaseStore store_;
  std::int64_t last_id_ = 0;
};

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
  // The cases the store reads (CreateContractCase, MoveContractCase make them).
  CaseStore& Cases() { return cases_; }
  std::int64_t NewAccount(kernel::Role role) {
    const auto id = ++last_id_;
    if (role == kRole) {
      store_.AddAccount(id, kernel::ToWord(role) + std::to_string(id),
                        "1350000" + std::to_string(1000 + id));
    }
    if (role == kernel::Role::kAgent) {
      cases_.AddAgent(id, kernel::ToWord(role) + std::to_string(id),
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
