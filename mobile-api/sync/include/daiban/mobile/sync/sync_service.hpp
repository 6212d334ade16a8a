#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daiban/cases/case_service.hpp"
#include "daiban/cases/progress_service.hpp"
#include "daiban/dispatch/app/dispatch_store.hpp"
#include "daiban/mobile/sync/sync_cursor.hpp"

// The phones' offline protocol (README, "The phone API"): what changed for the user since a
// cursor, and a batch of writes made offline, replayed in device-time order.
namespace daiban::mobile {

// What the sync needs of dispatch: the agent's pending offers and its answers to them.
class SyncOffers {
 public:
  virtual ~SyncOffers() = default;
  virtual std::vector<dispatch::OfferRecord> OffersOf(const cases::Actor& agent) = 0;
  virtual void Accept(std::int64_t offer_id, const cases::Actor& agent) = 0;
  virtual void Decline(std::int64_t offer_id, const cases::Actor& agent,
                       const std::string& reason) = 0;
};

// What the sync needs of tracking: one courier action on a delivery, once per (user, key); the
// answer's JSON text (the first one again for a retried key).
class SyncDeliveries {
 public:
  virtual ~SyncDeliveries() = default;
  virtual std::string Act(const cases::Actor& courier, std::int64_t delivery_id,
                          const std::string& action, const nlohmann::json& body,
                          std::optional<cases::Moment> device_time, const std::string& key) = 0;
};

// What changed for a phone's user since a cursor.
struct SyncChanges {
  // Cases still the user's that changed, in the order touched; on a cold start, the open tasks
  // in creation order.
  std::vector<cases::Case> tasks;
  // Cases taken away: tracking number and why ("reassigned", "cancelled").
  std::vector<std::pair<std::string, std::string>> removed;
  std::vector<dispatch::OfferRecord> offers;  // an agent's pending offers; none for couriers
  SyncCursor cursor;                          // where the next call goes on
  bool more = false;                          // something after the cursor was left for it
};

// The offline sync of agents' and couriers' phones.
//  - Changes: the tasks that changed since the cursor (an event id), the cases taken away, the
//    pending offers. A cold start (no cursor) reads the user's open tasks as they stand instead
//    of the whole history of its cases (at a year of history, hundreds of pages of closed cases
//    before the work at hand): a page of the task list (cases::TaskListFilter), then the events
//    from the newest one when the cold start began (events written meanwhile are read again, never
//    missed).
//  - Apply: a batch of at most kMaxItems items made offline, each with its own idempotency key
//    and device time, applied in device-time order (SyncApplyOrder). Item kinds: progress (a
//    ProgressReport), offer_accept / offer_decline, delivery (a courier action). Every item gets
//    an outcome, in the order sent: applied (with the write's answer as `result`, if it has
//    one) or refused with the error's code, message and field — a case that is not (or no
//    longer) the user's is refused as not_assigned_to_you, never as unknown.
class SyncService {
 public:
  static constexpr std::size_t kMaxItems = 200;

  SyncService(cases::CaseService& cases, cases::ProgressService& progress, SyncOffers& offers,
              SyncDeliveries& deliveries)
      : cases_(cases), progress_(progress), offers_(offers), deliveries_(deliveries) {}

  // At most `limit` events read (1..CaseService::kMaxChangesPerCall, else 400); on a cold
  // start, at most `limit` tasks and never more than cases::kTaskListPage.
  SyncChanges ChangesSince(const cases::Actor& user, const SyncCursor& since,
                           int limit = cases::CaseService::kMaxChangesPerCall);
  // `items` is the batch's JSON array; 413 beyond kMaxItems. Returns the array of outcomes.
  nlohmann::json Apply(const cases::Actor& user, const nlohmann::json& items);

 private:
  // A page of the open tasks as they stand, during a cold start.
  SyncChanges OpenWork(const cases::Actor& user, const SyncCursor& since, int limit);
  // The tasks the events after the cursor touched, and those taken away.
  SyncChanges Events(const cases::Actor& user, const SyncCursor& since, int limit);
  // The write's answer (null when it has none) for one item; throws ApiError to refuse it.
  nlohmann::json ApplyItem(const cases::Actor& user, const nlohmann::json& item,
                           nlohmann::json& outcome);

  cases::CaseService& cases_;
  cases::ProgressService& progress_;
  SyncOffers& offers_;
  SyncDeliveries& deliveries_;
};

// The order in which an offline batch is applied: by device time (any offset), the order
// sent among equal times; items without a readable time first (each is then refused).
std::vector<std::size_t> SyncApplyOrder(const nlohmann::json& items);

}  // namespace daiban::mobile
