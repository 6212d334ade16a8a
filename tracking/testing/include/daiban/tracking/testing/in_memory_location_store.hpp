#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "daiban/tracking/location_store.hpp"

// The location store in memory, for unit tests (no database, no Redis). It keeps LocationStore's
// contract as PgLocationStore does: every fix goes to the history once (a resent fix with the same
// device time and coordinates is not stored again), doubtful fixes (SpeedFlags) are kept but never
// become the live position, and the live position and Latest only ever move forward in device
// time. What PgLocationStore also moves for dispatch (the agent's live hash and row) is not kept.
namespace daiban::tracking::testing {

class InMemoryLocationStore final : public LocationStore {
 public:
  // Without `far_outside`, no fix is far outside the city.
  explicit InMemoryLocationStore(FarOutsideCity far_outside = {})
      : far_outside_(std::move(far_outside)) {}

  IngestResult Ingest(std::int64_t user_id, const std::vector<Fix>& fixes,
                      std::chrono::sys_seconds received_at) override;
  std::optional<Fix> Latest(std::int64_t user_id) override;

  struct Stored {
    Fix fix;
    std::string flag;  // a word of SpeedFlags, empty when plausible
    std::chrono::sys_seconds received_at{};
  };
  std::vector<Stored> History(std::int64_t user_id) const;
  std::optional<Fix> Live(std::int64_t user_id) const;  // what Redis would hold

 private:
  FarOutsideCity far_outside_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::vector<Stored>> history_;
  std::map<std::int64_t, Fix> latest_;
  std::map<std::int64_t, Fix> live_;
};

}  // namespace daiban::tracking::testing
