#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/dispatch/app/dispatch_store.hpp"

namespace daiban::dispatch {

class PgDispatchStore final : public DispatchStore {
 public:
  explicit PgDispatchStore(db::PgPool& pool);

  void SaveAgent(const AgentSettings& settings) override;
  bool SetDuty(std::int64_t agent_id, bool on_duty, const kernel::StaffScope& scope) override;
  std::vector<AgentRecord> Agents(const std::string& covering_region,
                                  const kernel::StaffScope& scope, AgentPage page) override;
  std::vector<AgentRecord> Board(const std::string& covering_region,
                                 const kernel::StaffScope& scope, AgentPage page) override;
  std::optional<AgentRecord> Agent(std::int64_t agent_id, const kernel::StaffScope& scope) override;
  std::vector<PendingCase> WaitingCases(const std::string& region, int limit,
                                        const PendingCase* after = nullptr,
                                        std::span<const std::int64_t> open_to = {}) override;
  std::optional<PendingCase> WaitingCase(const std::string& tracking_number) override;
  std::optional<PendingCase> CaseTerms(const std::string& tracking_number) override;
  std::vector<QueueEntry> Queue(const std::string& region, const kernel::StaffScope& scope,
                                int limit) override;
  std::optional<OfferRecord> CreateOffer(const std::string& tracking_number, std::int64_t agent_id,
                                         bool needs_handoff, Moment now,
                                         Moment expires_at) override;
  std::optional<OfferRecord> Offer(std::int64_t offer_id) override;
  std::vector<OfferRecord> PendingOffers(std::int64_t agent_id) override;
  std::vector<OfferRecord> DueOffers(Moment now, int limit) override;
  int OffersMade(const std::string& tracking_number) override;
  void AnswerOffer(db::Tx& tx, std::int64_t offer_id, std::int64_t agent_id, OfferState state,
                   const std::string& reason, Moment now) override;
  bool CloseOffer(std::int64_t offer_id, OfferState state, Moment now) override;
  void WithdrawOffersOf(db::Tx& tx, const std::string& tracking_number, Moment now) override;
  std::vector<OfferRecord> WithdrawStaleOffers(const std::string& tracking_number,
                                               Moment now) override;
  void ClaimCapacity(db::Tx& tx, std::int64_t agent_id, bool over_capacity) override;
  std::vector<SlaCase> WatchedCases(int limit) override;
  void RecordSla(const std::string& tracking_number, const SlaFindings& findings,
                 Moment now) override;
  void RaiseAlert(const std::string& tracking_number, const std::string& kind,
                  const std::string& message, Moment now) override;
  std::vector<Alert> Alerts(const kernel::StaffScope& scope, int limit) override;
  bool DeclineOffer(std::int64_t offer_id, std::int64_t agent_id, const std::string& reason,
                    Moment now) override;
  std::string QueueRegion(const std::string& region) override;

 private:
  std::vector<AgentRecord> AgentsBy(const std::string& sql, const std::string& covering_region,
                                    const kernel::StaffScope& scope, AgentPage page);

  db::PgPool& pool_;
};

}  // namespace daiban::dispatch
