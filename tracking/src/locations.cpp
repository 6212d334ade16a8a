#include "daiban/tracking/locations.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/json.hpp"
#include "daiban/tracking/routing.hpp"

namespace daiban::tracking {

namespace {

using kernel::Invalid;
using kernel::Json;

// "300 s" reads worse than "5 minutes" in an error a phone developer will see.
std::string Span(std::chrono::seconds span) {
  const auto count = span.count();
  if (count != 0 && count % 86400 == 0) return std::to_string(count / 86400) + " days";
  if (count != 0 && count % 60 == 0) return std::to_string(count / 60) + " minutes";
  return std::to_string(count) + " seconds";
}

// A finite JSON number (JSON has no NaN or infinity, but a body built in code can hold them).
double Number(const Json& item, const char* key, const std::string& path) {
  auto it = item.find(key);
  if (it == item.end() || it->is_null()) throw Invalid(path, path + " is required");
  if (!it->is_number()) throw Invalid(path, path + " must be a number");
  double value = it->get<double>();
  if (!std::isfinite(value)) throw Invalid(path, path + " must be a finite number");
  return value;
}

Fix ParseFix(const Json& item, const std::string& at, std::chrono::sys_seconds now,
             const LocationLimits& limits) {
  if (!item.is_object()) throw Invalid(at, at + " must be an object");
  Fix fix;

  // The kernel's coordinate reader: the one position rule, each coordinate named on its own.
  fix.lat = kernel::ParseCoordinateJson(item, "lat", at + ".lat", kernel::kMaxLatitude);
  fix.lng = kernel::ParseCoordinateJson(item, "lng", at + ".lng", kernel::kMaxLongitude);

  auto accuracy = item.find("accuracy");
  if (accuracy != item.end() && !accuracy->is_null()) {
    const std::string path = at + ".accuracy";
    double metres = Number(item, "accuracy", path);
    if (metres < 0.0 || metres > limits.max_accuracy_m) {
      throw Invalid(path, path + " must be between 0 and " +
                              std::to_string(static_cast<long long>(limits.max_accuracy_m)) +
                              " metres");
    }
    fix.accuracy_m = metres;
  }

  const std::string time_path = at + ".device_time";
  auto time = item.find("device_time");
  if (time == item.end() || time->is_null()) throw Invalid(time_path, time_path + " is required");
  if (!time->is_string()) throw Invalid(time_path, time_path + " must be an RFC 3339 string");
  const std::optional<std::chrono::sys_seconds> parsed =
      kernel::ParseTimeField(time->get_ref<const std::string&>(), time_path, 422);
  if (*parsed > now + limits.max_future) {
    throw Invalid(time_path, time_path + " is more than " + Span(limits.max_future) +
                                 " ahead of the server's clock (check the phone's clock)");
  }
  if (*parsed < now - limits.max_age) {
    throw Invalid(time_path, time_path + " is older than " + Span(limits.max_age));
  }
  fix.device_time = *parsed;
  return fix;
}

}  // namespace

std::vector<Fix> ParseFixBatch(const nlohmann::json& body, std::chrono::sys_seconds now,
                               const LocationLimits& limits) {
  kernel::RequireObject(body);
  auto list = body.find("fixes");
  if (list == body.end() || !list->is_array()) {
    throw Invalid("fixes", "fixes must be an array of fixes");
  }
  // Counted before any item is looked at: an oversized batch costs no validation work.
  if (list->size() > limits.max_fixes) {
    throw kernel::ApiError(
        413, "payload_too_large",
        "batch too large: at most " + std::to_string(limits.max_fixes) + " fixes per request",
        "fixes");
  }
  if (list->empty()) throw Invalid("fixes", "fixes must hold at least one fix");

  std::vector<Fix> fixes;
  fixes.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    fixes.push_back(ParseFix((*list)[i], "fixes[" + std::to_string(i) + "]", now, limits));
  }
  return fixes;
}

bool CanBeLive(const Fix& fix) { return std::abs(fix.lat) <= kMaxLiveLatitude; }

const Fix* LiveCandidate(const std::vector<Fix>& fixes) {
  const Fix* newest = nullptr;
  for (const auto& fix : fixes) {
    if (newest == nullptr || fix.device_time >= newest->device_time) newest = &fix;
  }
  return newest != nullptr && CanBeLive(*newest) ? newest : nullptr;
}

std::vector<std::string> SpeedFlags(const std::optional<Fix>& previous,
                                    const std::vector<Fix>& fixes,
                                    const std::vector<bool>& far_outside) {
  std::vector<std::size_t> order(fixes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&fixes](std::size_t a, std::size_t b) {
    return fixes[a].device_time < fixes[b].device_time;
  });
  std::vector<std::string> flags(fixes.size());
  std::optional<TimedFix> last;
  if (previous) last = TimedFix{{previous->lat, previous->lng}, previous->device_time};
  for (std::size_t i : order) {
    // Far outside the city no agent or courier is at work: a glitch, flagged like a jump.
    if (i < far_outside.size() && far_outside[i]) {
      flags[i] = "outside_city";
      continue;
    }
    TimedFix next{{fixes[i].lat, fixes[i].lng}, fixes[i].device_time};
    // A fix older than the stored one is measured from it all the same: the order of a late
    // batch is not known, but a jump is a jump.
    if (last && Implausible(*last, next)) {
      flags[i] = "too_fast";
      continue;
    }
    last = next;
  }
  return flags;
}

}  // namespace daiban::tracking
