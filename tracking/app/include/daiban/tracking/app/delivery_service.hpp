#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daiban/cases/case_service.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/tracking/app/delivery_store.hpp"

namespace daiban::tracking {

// A department's service hall, where results are picked up.
struct Hall {
  std::string key;  // the pickup key: one per hall, so pickups there are grouped
  std::string name;
  std::string address;
  GeoPoint at;
};

// Where each department's hall is; intake's catalogue provides it.
class HallDirectory {
 public:
  virtual ~HallDirectory() = default;
  virtual std::optional<Hall> HallOf(const std::string& department_code) = 0;
};

struct DeliveryOptions {
  // Planning speeds by vehicle (km/h of road distance) when a courier's recent speed is unknown.
  double foot_kmh = 5;
  double bicycle_kmh = 12;
  double ebike_kmh = 20;
  double car_kmh = 25;
  int assign_batch = 200;        // pending deliveries considered per assigner run
  int alert_after_failures = 3;  // failed visits of one leg before the supervisors are alerted
  // Time for improving one courier's stops (ReplanStops) when its list changes (the assigner
  // improves each courier it gave legs once a run).
  std::chrono::milliseconds replan_budget{50};
  int assign_candidates = 3;  // nearest eligible couriers whose plans an assignment compares
};

// What a courier sends with an action.
struct CourierReport {
  std::optional<Moment> device_time;
  std::optional<GeoPoint> position;
  Proof proof;         // delivered
  std::string reason;  // failed: not_home / refused / wrong_address / unreachable
  std::string note;
};

// A courier's action, done: the delivery after it and its case's state.
struct ActOutcome {
  DeliveryRecord delivery;
  std::string case_state;
};

// One stop of a courier's list, with the delivery it belongs to.
struct CourierStop {
  PlannedStop stop;
  DeliveryRecord delivery;
};

// Where a stop stands in a courier's list across replans: its delivery and whether it is the
// pickup or the drop-off (a delivery has at most one of each).
struct StopKey {
  std::int64_t delivery_id = 0;
  StopKind kind = StopKind::kDropoff;
  bool operator==(const StopKey&) const = default;
};
StopKey KeyOf(const CourierStop& stop);

// A page of a courier's list and, when more follow, the key of its last stop.
struct StopPage {
  std::vector<CourierStop> stops;
  std::optional<StopKey> next_after;
};

// What the public tracking page shows of a case's courier leg.
struct PublicDelivery {
  DeliveryRecord delivery;
  GeoPoint destination;                      // the drop-off, rounded like the position
  std::optional<GeoPoint> courier_position;  // rounded; only while out for delivery
  std::optional<Moment> courier_seen_at;
  std::optional<Eta> eta;
  int failed_attempts = 0;
};

// The tracking use cases (DESIGN.md §2, tracking): deliveries created from case events, couriers
// chosen and their stops ordered, the couriers' actions at the hall and at the door moving the
// case along (one case transaction each, delivery rows and attempts included), and what the
// public and the staff see of it.
class DeliveryService {
 public:
  DeliveryService(DeliveryStore& store, cases::CaseService& cases, HallDirectory& halls,
                  const kernel::Clock& clock, DeliveryOptions options = {});

  // A case event: result_ready with express delivery creates the result leg; cancelled cancels
  // legs not yet picked up. Idempotent (a repeated event creates nothing).
  void OnCaseEvent(const std::string& tracking_number, const std::string& to_state);

  // Two-way 寄递: the case's agent asks a courier to collect the applicant's originals at the
  // door and bring them to the department's hall. 409 when the case is not open or the
  // result is ready already; the same request again answers the leg already asked for.
  DeliveryRecord RequestCollection(const std::string& tracking, const cases::Actor& agent);

  // Couriers whose plans the assigner owes an improvement: it gave them legs at their cheapest
  // insertion. Kept between runs by the one elected worker that assigns, touched only by it.
  using OwedImprovements = std::set<std::int64_t>;

  // Gives each pending delivery to the courier whose plan grows least with it put in at its
  // cheapest place (road km plus lateness), among the few nearest available ones, and stores
  // that plan; the couriers that got legs are added to `owed` when given. Returns how many were
  // assigned. Run by one elected worker.
  int AssignPending(OwedImprovements* owed = nullptr);
  // Improves the owed plans, each with the whole replan budget, one courier at a time while
  // `keep_going()`: a leg that arrives meanwhile is assigned before the next improvement, not
  // after all of them (a second for twenty couriers). Returns how many are still owed.
  std::size_t ImprovePlans(OwedImprovements& owed, const std::function<bool()>& keep_going);

  // The courier's open stops in the stored order, timed from its position now.
  std::vector<CourierStop> StopsOf(const cases::Actor& courier);
  // `limit` (at least 1) of those stops, from the one after `after`. The list is the plan as it
  // stands now: when `after` has left it since (done, cancelled), the page starts again from
  // the first stop, so a phone paging through a replanned list sees a stop twice rather than
  // misses one.
  StopPage PageOfStops(const cases::Actor& courier, std::optional<StopKey> after,
                       std::size_t limit);

  // A courier's action on one of its deliveries (404 for anyone else's). delivered checks the
  // proof: a mismatching ID is refused (422 id_last4) and recorded as an attempt; failed keeps
  // the item on board and schedules the next day's window, and alerts the region's supervisors
  // once the leg has failed DeliveryOptions::alert_after_failures times.
  ActOutcome Act(const cases::Actor& courier, std::int64_t delivery_id, CourierAction action,
                 const CourierReport& report);

  // How the phone API writes an action's answer.
  using OutcomeRender = std::function<std::string(const ActOutcome&)>;
  // Act, once per (courier, Idempotency-Key): the answer (status 200, `render` of the outcome)
  // is kept under `key` in the case's transaction, so a retry gets it back (replayed) and the
  // key with another request is 409 idempotency_key_reused. What phones and their offline sync
  // call.
  cases::CaseService::Answer ActOnce(const cases::Actor& courier, std::int64_t delivery_id,
                                     CourierAction action, const CourierReport& report,
                                     const kernel::IdempotentAnswer& key,
                                     const OutcomeRender& render);

  // One of the courier's deliveries; 404 for anyone else's (it looks like an unknown one).
  DeliveryRecord OwnDelivery(const cases::Actor& courier, std::int64_t delivery_id);

  // The case's courier leg as the public sees it, if it has one.
  std::optional<PublicDelivery> PublicView(const cases::Case& c);
  // Every leg of a case with its attempts, for staff who may see the case.
  struct StaffDelivery {
    DeliveryRecord delivery;
    std::vector<AttemptRecord> attempts;
  };
  std::vector<StaffDelivery> ForCase(const cases::Case& c);

  // Couriers in `scope`; the phones and the workers read with everything.
  std::vector<CourierRecord> Couriers(const kernel::StaffScope& scope);
  std::optional<CourierRecord> Courier(
      std::int64_t id, const kernel::StaffScope& scope = kernel::StaffScope::Everything());
  void SaveCourier(const CourierSettings& settings);
  void SetDuty(std::int64_t courier_id, bool on_duty);

  // The planning speed of a vehicle.
  double SpeedOf(const std::string& vehicle) const;

 private:
  struct Visit;
  // An action's answer under its key, rendered in the case's transaction (Writes).
  struct KeptOutcome {
    const kernel::IdempotentAnswer& key;
    const OutcomeRender& render;
    std::string body;
    bool kept = false;
  };
  // Act, keeping its answer in `kept` when given.
  ActOutcome Run(const cases::Actor& courier, std::int64_t delivery_id, CourierAction action,
                 const CourierReport& report, KeptOutcome* kept);
  // The courier's actions, each one case change (Run checks the move and replans after).
  void PickUp(Visit& visit);
  void Deliver(Visit& visit);
  void Fail(Visit& visit);
  // The effect that writes a visit's delivery move, attempt and kept answer with the case.
  std::function<void(cases::Case&, cases::CaseChange&)> Writes(Visit& visit);
  // Writes(visit), with the courier handing the papers to `receiver` as the next custody link.
  std::function<void(cases::Case&, cases::CaseChange&)> GivingTo(Visit& visit,
                                                                 const cases::Actor& receiver);

  // Re-plans the courier's stops from the stored order (ReplanStops) and stores the result.
  void Replan(std::int64_t courier_id);
  // Cancels the case's legs not yet picked up and re-plans the couriers that had them.
  void CancelUnpicked(std::int64_t case_id);
  PlanInput InputFor(const CourierRecord& courier, const std::vector<DeliveryRecord>& open) const;
  // The stored order re-timed from now, without searching (what the phone and the ETA read).
  StopPlan StoredPlan(const CourierRecord& courier, const std::vector<DeliveryRecord>& open);
  // The stored order improved within `budget`; reached stops stay first.
  StopPlan ImprovedPlan(const CourierRecord& courier, const std::vector<DeliveryRecord>& open,
                        std::chrono::milliseconds budget);
  // The stored order with the legs it lacks (no stop order yet) inserted at their cheapest
  // places, no search: what an assignment compares between candidate couriers.
  StopPlan InsertedPlan(const CourierRecord& courier, const std::vector<DeliveryRecord>& open);
  // The rows a plan stores: each open leg's next stop (its order and planned time).
  static std::vector<PlanRow> PlanRows(const StopPlan& plan,
                                       const std::vector<DeliveryRecord>& open);
  Moment Now() const;

  DeliveryStore& store_;
  cases::CaseService& cases_;
  HallDirectory& halls_;
  const kernel::Clock& clock_;
  DeliveryOptions options_;
};

}  // namespace daiban::tracking
