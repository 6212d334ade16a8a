#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daiban/kernel/staff_scope.hpp"
#include "daiban/tracking/delivery.hpp"
#include "daiban/tracking/routing.hpp"

namespace daiban::db {
class Tx;
}

namespace daiban::tracking {

// One delivery as stored, with its case's tracking number and its courier's name.
struct DeliveryRecord {
  std::int64_t id = 0;
  std::int64_t case_id = 0;
  std::string tracking_number;
  Leg leg = Leg::kResult;
  DeliveryState state = DeliveryState::kPending;
  std::int64_t courier_id = 0;  // 0: none yet
  std::string courier_name;
  std::string courier_phone;
  std::string region_code;
  std::string pickup_key;
  std::string pickup_name;
  std::string pickup_address;
  GeoPoint pickup;
  std::string dropoff_name;
  std::string dropoff_phone;
  std::string dropoff_address;
  GeoPoint dropoff;
  TimeWindow window;
  std::string contents;
  int attempts = 0;
  std::optional<int> stop_order;
  std::optional<Moment> planned_at;
  bool planned_late = false;
  int version = 1;
  Moment created_at{};
  std::optional<Moment> assigned_at;
  std::optional<Moment> picked_up_at;
  std::optional<Moment> delivered_at;
};

// A delivery to create for a case.
struct NewDelivery {
  std::int64_t case_id = 0;
  Leg leg = Leg::kResult;
  std::string region_code;
  std::string pickup_key;
  std::string pickup_name;
  std::string pickup_address;
  GeoPoint pickup;
  std::string dropoff_name;
  std::string dropoff_address;
  GeoPoint dropoff;
  TimeWindow window;
  std::string contents;
};

// A courier (寄递员) as the admin API and the assigner see it.
struct CourierRecord {
  CourierProfile profile;  // load = open deliveries; position = last plausible fix (2 h at most)
  std::string phone;
  std::string company;
  std::string vehicle;                      // foot / bicycle / ebike / car / van
  std::vector<std::string> listed_regions;  // as configured (not expanded)
  std::optional<Moment> last_seen;
};

// What an administrator sets of a courier.
struct CourierSettings {
  std::int64_t user_id = 0;
  std::string company;
  std::string vehicle;
  int capacity = 10;
  bool on_duty = false;
  GeoPoint base;
  std::vector<std::string> regions;
};

// One visit that ended at the door (or at the hall).
struct AttemptRecord {
  std::int64_t id = 0;
  std::int64_t delivery_id = 0;
  std::int64_t courier_id = 0;
  std::string outcome;  // delivered / failed / identity_mismatch
  std::string reason;
  std::string recipient_name;
  std::optional<bool> id_last4_match;
  std::string proof_kind;  // signature / photo / empty
  std::string proof;
  std::optional<GeoPoint> position;
  Moment at{};
  std::optional<Moment> device_time;
};

// A delivery's place in its courier's plan.
struct PlanRow {
  std::int64_t delivery_id = 0;
  int stop_order = 0;  // of its next stop (the pickup while not picked up, else the dropoff)
  Moment planned_at{};
  bool late = false;
};

// A delivery's move, written inside the case's transaction.
struct DeliveryMove {
  std::int64_t delivery_id = 0;
  int expected_version = 0;
  DeliveryState to = DeliveryState::kPending;
  std::optional<TimeWindow> new_window;  // a re-attempt's window
  bool count_attempt = false;            // a failed visit
};

// Storage of couriers and deliveries. Implementation: PgDeliveryStore.
class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Inserts the delivery unless its case already has a live leg of that kind; true if inserted.
  virtual bool Create(const NewDelivery& delivery, Moment now) = 0;
  // The same inside `tx` (a leg asked for with a timeline event of its case).
  virtual bool Create(db::Tx& tx, const NewDelivery& delivery, Moment now) = 0;
  virtual std::optional<DeliveryRecord> Find(std::int64_t id) = 0;
  virtual std::vector<DeliveryRecord> OfCase(std::int64_t case_id) = 0;
  // Waiting for a courier, oldest first.
  virtual std::vector<DeliveryRecord> Pending(int limit) = 0;
  // A courier's open deliveries (assigned, picked up, arrived), in plan order.
  virtual std::vector<DeliveryRecord> OpenOf(std::int64_t courier_id) = 0;
  // The courier's open deliveries that come before `leg`'s drop-off in the stored plan order:
  // those arrived (their drop-offs lead the plan) and those at or before `leg` in
  // (stop_order, id) order, `leg` included. The public page's ETA needs only these; a store may
  // answer with every open delivery (OpenOf), which gives the same stops before the leg.
  virtual std::vector<DeliveryRecord> OpenUpTo(std::int64_t courier_id, const DeliveryRecord& leg) {
    (void)leg;
    return OpenOf(courier_id);
  }
  virtual std::vector<AttemptRecord> Attempts(std::int64_t delivery_id) = 0;

  // Couriers in `scope` (kernel::StaffScope: one of their regions in the subtree).
  virtual std::vector<CourierRecord> Couriers(Moment now, const kernel::StaffScope& scope) = 0;
  virtual std::optional<CourierRecord> Courier(std::int64_t id, Moment now,
                                               const kernel::StaffScope& scope) = 0;
  // Creates or replaces a courier profile; ApiError 404 when the user is not a courier account,
  // 422 for an unknown region.
  virtual void SaveCourier(const CourierSettings& settings, Moment now) = 0;
  // False when the user has no courier profile.
  virtual bool SetDuty(std::int64_t courier_id, bool on_duty, Moment now) = 0;

  // In `tx`: gives a pending delivery to the courier if it still has room (the courier's row is
  // locked, so two assigners never overfill it). False when the delivery is no longer pending or
  // the courier is full.
  virtual bool Assign(db::Tx& tx, std::int64_t delivery_id, std::int64_t courier_id,
                      Moment now) = 0;
  // In `tx`: moves a delivery; ApiError 409 stale_delivery when its version changed.
  virtual void Move(db::Tx& tx, const DeliveryMove& move, Moment now) = 0;
  virtual void RecordAttempt(db::Tx& tx, const AttemptRecord& attempt) = 0;
  // In `tx`: an alert for the supervisors of the case's region (the alerts the dispatch queue
  // page lists), kind "delivery_failed".
  virtual void RaiseDeliveryAlert(db::Tx& tx, std::int64_t case_id, const std::string& message,
                                  Moment now) = 0;
  // True when the courier's photo with this SHA-256 was uploaded for this delivery leg.
  virtual bool HasLegPhoto(std::int64_t delivery_id, const std::string& sha256) = 0;
  // Cancels the case's legs not yet picked up (its result was handed over at the window
  // meanwhile); returns how many.
  virtual int CancelUnpicked(std::int64_t case_id, Moment now) = 0;

  // Stores a courier's plan: each row's stop order and planned time.
  virtual void SavePlan(const std::vector<PlanRow>& plan) = 0;
  // The same in `tx`, so an assignment and the plan that won it commit together.
  virtual void SavePlan(db::Tx& tx, const std::vector<PlanRow>& plan) = 0;
  // The courier's plausible fixes (not flagged) since `since`, oldest first.
  virtual std::vector<TimedFix> RecentFixes(std::int64_t courier_id, Moment since) = 0;
};

}  // namespace daiban::tracking
