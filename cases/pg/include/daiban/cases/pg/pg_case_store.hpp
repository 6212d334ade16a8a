#pragma once

#include "daiban/cases/case_store.hpp"
#include "daiban/db/idempotency_store.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/db/tx.hpp"

namespace daiban::cases {

struct PgCaseStoreOptions {
  // The channel applicant notices go out on (a sink of the notification sender: "log",
  // "webhook", later "sms").
  std::string notice_channel = "log";
};

class PgCaseStore final : public CaseStore {
 public:
  PgCaseStore(db::PgPool& pool, PgCaseStoreOptions options = {});

  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override;
  void Create(Case& new_case, const CaseChange& change,
              const std::optional<kernel::IdempotentAnswer>& answer) override;
  std::optional<Case> Find(const std::string& tracking_number, const CaseScope& scope) override;
  std::vector<Case> FindMany(const std::vector<std::string>& tracking_numbers,
                             const CaseScope& scope) override;
  Case Change(const std::string& tracking_number, const CaseScope& scope,
              const std::function<void(Case&, CaseChange&)>& apply) override;
  std::vector<CaseEvent> Timeline(std::int64_t case_id) override;
  std::vector<Case> List(const CaseFilter& filter, const CaseScope& scope) override;
  std::int64_t NewestEventId() override;
  std::vector<AgentCaseEvent> AgentEventsAfter(std::int64_t agent_id, std::int64_t after_event_id,
                                               int limit) override;

 private:
  db::PgPool& pool_;
  PgCaseStoreOptions options_;
  db::IdempotencyStore answers_;
};

}  // namespace daiban::cases
