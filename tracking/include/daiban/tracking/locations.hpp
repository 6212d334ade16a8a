#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

// Location fixes reported by agents' and couriers' phones, and the rules a batch of them must
// keep before anything is stored. Pure: no I/O, the caller passes "now".
//
// A batch is all or nothing: one bad fix rejects the whole request with 422 naming the item
// (`fixes[3].lat`) and nothing is stored. A phone with a patchy connection keeps its unsent
// fixes in a queue and sends them as one batch; on 422 it drops the named item and resends the
// rest, on 5xx or no answer it resends the same batch (LocationStore stores a resent fix once).
// All or nothing keeps the answer and the storage simple: the phone never has to reconcile a
// partly accepted batch.

namespace daiban::tracking {

// One GPS fix, WGS-84 as the phone measured it (DESIGN.md, Geography: never GCJ-02 here).
struct Fix {
  double lat = 0.0;
  double lng = 0.0;
  std::optional<double> accuracy_m;        // the phone's horizontal accuracy, when it gave one
  std::chrono::sys_seconds device_time{};  // fractions of a second are dropped
};

struct LocationLimits {
  // 500 fixes × ~150 bytes stays well under the route's 128 KiB body limit.
  std::size_t max_fixes = 500;
  double max_accuracy_m = 10'000.0;
  // Phone clocks drift; a fix further ahead than this is a wrong clock, not a measurement.
  std::chrono::seconds max_future{5 * 60};
  // A phone offline for longer than this has nothing useful left to report for live tracking,
  // and the history would only fill with stale fixes.
  std::chrono::seconds max_age{7 * 24 * 3600};
};

// Parses and checks `{"fixes":[{"lat":..,"lng":..,"accuracy":..,"device_time":"RFC 3339"},…]}`.
// Members other than these are ignored (newer phones may send more); "accuracy" may be absent
// or null. Throws kernel::ApiError: 400 when the body is not an object, 413 for more than
// limits.max_fixes fixes, 422 naming the first offending field (`fixes`, `fixes[i]`,
// `fixes[i].lat`, …) for anything else. Returns the fixes in the order sent.
std::vector<Fix> ParseFixBatch(const nlohmann::json& body, std::chrono::sys_seconds now,
                               const LocationLimits& limits);

// Redis's GEO sets hold latitudes only within ±85.05112878° (Web Mercator); a valid WGS-84 fix
// nearer a pole is kept in the history but cannot be a live position.
inline constexpr double kMaxLiveLatitude = 85.05112878;
bool CanBeLive(const Fix& fix);

// The fix that may move the live position: the newest of the batch by device time (the last
// sent among equals, as phones send in the order they measured), or nullptr when the batch is
// empty or that fix cannot be live.
const Fix* LiveCandidate(const std::vector<Fix>& fixes);

// Whether a WGS-84 position lies far outside the city (cases::CaseCatalogue::FarOutsideCity in
// the running service, by the district boundaries).
using FarOutsideCity = std::function<bool(double lat, double lng)>;

// Why each fix of a batch is doubtful, in the order sent: "outside_city" when it is far outside
// the city (`far_outside[i]` for `fixes[i]`), "too_fast" when reaching it from the fix before it in
// device time (the stored `previous`, then the batch's own) needs more than
// kImplausibleKmh, else empty. A doubtful fix is kept but never becomes the fix the
// next one is measured from, so one wild jump flags itself and not the good fixes after it.
std::vector<std::string> SpeedFlags(const std::optional<Fix>& previous,
                                    const std::vector<Fix>& fixes,
                                    const std::vector<bool>& far_outside);

}  // namespace daiban::tracking
