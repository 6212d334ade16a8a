#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "daiban/tracking/locations.hpp"

namespace daiban::tracking {

// Where the phones' fixes go (the location route's store). Implementations: PgLocationStore
// (PostgreSQL's history, Redis's live position), InMemoryLocationStore (tracking/testing).
//
// Every fix goes to the history. The newest plausible fix of a batch (LiveCandidate over the fixes
// SpeedFlags leaves unflagged) becomes the user's live position, which only ever moves forward in
// device time: a batch that arrives late (a phone that was offline, a retry) is kept in the
// history but leaves a newer position alone. A resent batch is stored once: a fix already in the
// history for the user with the same device time and coordinates is not stored again, so a phone
// may retry after a lost answer.
class LocationStore {
 public:
  virtual ~LocationStore() = default;

  struct IngestResult {
    int stored = 0;           // fixes newly written to the history (a resent fix counts 0)
    bool live_moved = false;  // the live position moved to this batch's newest fix
  };

  // Stores `fixes` (validated by ParseFixBatch) for `user_id` and moves the live position.
  virtual IngestResult Ingest(std::int64_t user_id, const std::vector<Fix>& fixes,
                              std::chrono::sys_seconds received_at) = 0;

  // The user's newest plausible (unflagged) fix by device time, or nullopt when it has none.
  virtual std::optional<Fix> Latest(std::int64_t user_id) = 0;
};

}  // namespace daiban::tracking
