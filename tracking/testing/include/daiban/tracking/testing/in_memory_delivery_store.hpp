#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/tracking/app/delivery_store.hpp"

// The delivery store in memory, for unit tests of the tracking use cases (no database). It keeps
// DeliveryStore's contract as PgDeliveryStore does: one live leg of a kind per case, a courier
// given no more open deliveries than its capacity, a move refused (409 stale_delivery) when the
// delivery's version changed, and the writes made inside a case change (Create, Assign, Move,
// RecordAttempt, RaiseDeliveryAlert) undone with that change when it fails. It reads the cases
// (tracking numbers, the applicant's phone, regions) through the cases context's CaseStore.
namespace daiban::tracking::testing {

class InMemoryDeliveryStore final : public DeliveryStore {
 public:
  explicit InMemoryDeliveryStore(cases::CaseStore& cases) : cases_(cases) {}

  // An account with role courier (SaveCourier refuses others, as the users table would).
  void AddAccount(std::int64_t user_id, std::string name, std::string phone);
  // A region couriers' listed regions expand to when it lies below one (national division
  // codes, as InMemoryCaseStore::RegionWithin reads them).
  void AddRegion(const std::string& code);
  // A plausible fix of the courier's phone (what the mobile gateway stores).
  void AddFix(std::int64_t courier_id, TimedFix fix);
  // A photo the courier uploaded for the leg (what the phone API stores).
  void AddLegPhoto(std::int64_t delivery_id, const std::string& sha256);

  struct RaisedAlert {
    std::int64_t case_id = 0;
    std::string region_code;
    std::string message;
    Moment at{};
  };
  std::vector<RaisedAlert> Alerts() const;

  bool Create(const NewDelivery& delivery, Moment now) override;
  bool Create(db::Tx& tx, const NewDelivery& delivery, Moment now) override;
  std::optional<DeliveryRecord> Find(std::int64_t id) override;
  std::vector<DeliveryRecord> OfCase(std::int64_t case_id) override;
  std::vector<DeliveryRecord> Pending(int limit) override;
  std::vector<DeliveryRecord> OpenOf(std::int64_t courier_id) override;
  std::vector<AttemptRecord> Attempts(std::int64_t delivery_id) override;
  std::vector<CourierRecord> Couriers(Moment now, const kernel::StaffScope& scope) override;
  std::optional<CourierRecord> Courier(std::int64_t id, Moment now,
                                       const kernel::StaffScope& scope) override;
  void SaveCourier(const CourierSettings& settings, Moment now) override;
  bool SetDuty(std::int64_t courier_id, bool on_duty, Moment now) override;
  bool Assign(db::Tx& tx, std::int64_t delivery_id, std::int64_t courier_id, Moment now) override;
  void Move(db::Tx& tx, const DeliveryMove& move, Moment now) override;
  void RecordAttempt(db::Tx& tx, const AttemptRecord& attempt) override;
  void RaiseDeliveryAlert(db::Tx& tx, std::int64_t case_id, const std::string& message,
                          Moment now) override;
  bool HasLegPhoto(std::int64_t delivery_id, const std::string& sha256) override;
  int CancelUnpicked(std::int64_t case_id, Moment now) override;
  void SavePlan(const std::vector<PlanRow>& plan) override;
  void SavePlan(db::Tx& tx, const std::vector<PlanRow>& plan) override;
  std::vector<TimedFix> RecentFixes(std::int64_t courier_id, Moment since) override;

 private:
  struct Account {
    std::string name;
    std::string phone;
  };
  struct State {
    std::map<std::int64_t, DeliveryRecord> deliveries;  // case facts filled when read
    std::map<std::int64_t, std::vector<AttemptRecord>> attempts;
    std::map<std::int64_t, CourierSettings> couriers;
    std::vector<RaisedAlert> alerts;
    std::int64_t next_delivery_id = 1;
    std::int64_t next_attempt_id = 1;
  };

  std::map<std::int64_t, cases::Case> CasesById();
  DeliveryRecord Filled(DeliveryRecord d, const std::map<std::int64_t, cases::Case>& cases) const;
  std::vector<DeliveryRecord> Select(const std::function<bool(const DeliveryRecord&)>& keep);
  std::vector<CourierRecord> LoadCouriers(std::int64_t only_id, Moment now,
                                          const kernel::StaffScope& scope);
  int OpenCount(std::int64_t courier_id) const;
  bool CreateLocked(const NewDelivery& delivery, Moment now);
  // Keeps the state as it is now for the change `tx` to restore if it fails.
  void UndoableIn(db::Tx& tx);
  void SavePlanLocked(const std::vector<PlanRow>& plan);

  cases::CaseStore& cases_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, Account> accounts_;
  std::set<std::string> regions_;
  std::map<std::int64_t, std::vector<TimedFix>> fixes_;
  std::set<std::pair<std::int64_t, std::string>> photos_;
  State state_;
};

}  // namespace daiban::tracking::testing
