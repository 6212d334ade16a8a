#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"

// In-memory implementations of the cases context's interfaces, for unit tests of the use cases
// (no servers). Each keeps the contract its interface states, as the PostgreSQL and Redis
// implementations do.
namespace daiban::cases::testing {

// CaseStore in memory. Like PgCaseStore: a change is all or nothing (what `apply` throws leaves
// the store as it was), a kept answer whose key is taken throws kernel::IdempotencyKeyTaken and
// writes nothing, a case out of scope is not found (404 from Change), custody events and hand-over
// guesses are read inside the change, events are numbered by one sequence across cases.
// Region subtrees follow the national division codes: a region lies below another when its
// code starts with the other's code without trailing "00" pairs (370102001 below 370102,
// 370102 below 370100). Writes of other libraries (CaseChange::also_in_transaction) run last,
// with an in-memory db::Tx, while the change holds the store: reads of this store from them (on
// the same thread) see the change, as a PostgreSQL transaction sees its own writes, and when
// one throws, the change is dropped and the fakes' writes in it are rolled back.
class InMemoryCaseStore final : public CaseStore {
 public:
  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override;
  void Create(Case& new_case, const CaseChange& change,
              const std::optional<kernel::IdempotentAnswer>& answer) override;
  std::optional<Case> Find(const std::string& tracking_number, const CaseScope& scope) override;
  Case Change(const std::string& tracking_number, const CaseScope& scope,
              const std::function<void(Case&, CaseChange&)>& apply) override;
  std::vector<CaseEvent> Timeline(std::int64_t case_id) override;
  std::vector<Case> List(const CaseFilter& filter, const CaseScope& scope) override;
  std::int64_t NewestEventId() override;
  std::vector<AgentCaseEvent> AgentEventsAfter(std::int64_t agent_id, std::int64_t after_event_id,
                                               int limit) override;

  // An agent's name and work phone, as the accounts table would give them to a case.
  void AddAgent(std::int64_t agent_id, std::string name, std::string phone);

  // What changes wrote besides cases and events, for tests to look at.
  struct Written {
    std::string tracking_number;
    OutboxMessage message;
  };
  std::vector<Written> Outbox() const;
  std::vector<ApplicantNotice> Notices(const std::string& tracking_number) const;
  std::vector<SupervisorAlert> Alerts(const std::string& tracking_number) const;
  std::vector<Followup> Followups() const;
  HandoverGuesses Guesses(const std::string& tracking_number, const std::string& subject) const;

  static bool RegionWithin(const std::string& region, const std::string& ancestor);

 private:
  struct Row {
    Case c;
    std::vector<CaseEvent> events;
    std::vector<ApplicantNotice> notices;
    std::vector<SupervisorAlert> alerts;
    std::map<std::string, HandoverGuesses> guesses;
  };
  // The whole state, copied for a change and put back only when it succeeds.
  struct State {
    std::map<std::string, Row> cases;  // by tracking number
    std::map<std::pair<std::string, std::string>, kernel::IdempotentAnswer> answers;
    std::vector<Written> outbox;
    std::vector<Followup> followups;
    std::int64_t next_case_id = 1;
    std::int64_t next_event_id = 1;
  };

  static bool InScope(const Case& c, const CaseScope& scope);
  void Write(State& state, Row& row, const CaseChange& change,
             const std::optional<kernel::IdempotentAnswer>& answer) const;
  void WithAgent(Case& c) const;

  const State& Visible() const;  // the change under way, when a change's writes read

  // Recursive: the other fakes' writes of a change read this store while it holds the change.
  mutable std::recursive_mutex mutex_;
  State state_;
  mutable State* in_change_ = nullptr;
  std::map<std::int64_t, std::pair<std::string, std::string>> agents_;
};

}  // namespace daiban::cases::testing
