#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/tracking/app/delivery_store.hpp"

namespace daiban::tracking {

class PgDeliveryStore final : public DeliveryStore {
 public:
  explicit PgDeliveryStore(db::PgPool& pool);

  bool Create(const NewDelivery& delivery, Moment now) override;
  bool Create(db::Tx& tx, const NewDelivery& delivery, Moment now) override;
  std::optional<DeliveryRecord> Find(std::int64_t id) override;
  std::vector<DeliveryRecord> OfCase(std::int64_t case_id) override;
  std::vector<DeliveryRecord> Pending(int limit) override;
  std::vector<DeliveryRecord> OpenOf(std::int64_t courier_id) override;
  std::vector<DeliveryRecord> OpenUpTo(std::int64_t courier_id, const DeliveryRecord& leg) override;
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
  std::vector<DeliveryRecord> Deliveries(const std::string& where_and_order, std::int64_t param);
  std::vector<CourierRecord> LoadCouriers(std::int64_t only_id, Moment now,
                                          const kernel::StaffScope& scope);

  db::PgPool& pool_;
};

}  // namespace daiban::tracking
