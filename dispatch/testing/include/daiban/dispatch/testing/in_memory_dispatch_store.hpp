#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/dispatch/app/dispatch_store.hpp"

// The dispatch store in memory, for unit tests of the dispatch use cases (no database). It keeps
// DispatchStore's contract as PgDispatchStore does: offers are made only for an accepted case
// without a live offer to an agent with room (open cases + pending offers < capacity), answered
// only while pending and unexpired, and the writes made inside a case change (AnswerOffer,
// WithdrawOffersOf, ClaimCapacity) are undone with that change when it fails. It reads the cases
// through the cases context's CaseStore (in tests the in-memory one), as PgDispatchStore reads
// the cases table.
namespace daiban::dispatch::testing {

class InMemoryDispatchStore final : public DispatchStore {
 public:
  explicit InMemoryDispatchStore(cases::CaseStore& cases) : cases_(cases) {}

  // An account with role agent (SaveAgent refuses others, as the users table would).
  void AddAccount(std::int64_t user_id, std::string name, std::string phone);
  void DeactivateAccount(std::int64_t user_id);
  // A region that agents' listed regions expand to when it lies below one. Region subtrees
  // follow the national division codes (InMemoryCaseStore::RegionWithin); a street (nine
  // digits) queues in its district (its first six).
  void AddRegion(const std::string& code);
  void SetHall(const std::string& department_code, GeoPoint hall);
  void SetPosition(std::int64_t agent_id, GeoPoint position);

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
  struct Account {
    std::string name;
    std::string phone;
    bool active = true;
  };
  struct SlaMarks {
    bool yellow = false;
    bool red = false;
    bool candidate = false;
  };
  struct State {
    std::map<std::int64_t, AgentSettings> agents;
    std::map<std::int64_t, GeoPoint> positions;
    std::map<std::int64_t, OfferRecord> offers;
    std::map<std::string, SlaMarks> marks;
    std::vector<Alert> alerts;
    std::int64_t next_offer_id = 1;
    std::int64_t next_alert_id = 1;
  };

  std::vector<cases::Case> AllCases();
  std::optional<cases::Case> FindCase(const std::string& tracking_number);
  PendingCase Terms(const cases::Case& c) const;  // under the lock
  AgentRecord Record(const AgentSettings& settings, const std::vector<cases::Case>& all) const;
  bool InScope(const AgentSettings& settings, const kernel::StaffScope& scope) const;
  bool CaseInScope(const cases::Case& c, const kernel::StaffScope& scope) const;
  int Taken(std::int64_t agent_id, const std::vector<cases::Case>& all) const;
  bool HasPendingOffer(const std::string& tracking_number) const;
  // Keeps the state as it is now for the change `tx` to restore if it fails.
  void UndoableIn(db::Tx& tx);

  cases::CaseStore& cases_;
  mutable std::recursive_mutex mutex_;
  std::map<std::int64_t, Account> accounts_;
  std::set<std::string> regions_;
  std::map<std::string, GeoPoint> halls_;
  State state_;
};

}  // namespace daiban::dispatch::testing
