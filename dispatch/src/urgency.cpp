#include "daiban/dispatch/urgency.hpp"

#include <algorithm>
#include <cmath>

namespace daiban::dispatch {

double UrgencyScore(std::int64_t deadline_epoch_seconds, int priority) {
  const int clamped = std::clamp(priority, -kMaxQueuePriority, kMaxQueuePriority);
  const double offset =
      static_cast<double>(kMaxQueuePriority - clamped) / (2.0 * kMaxQueuePriority + 2.0);
  return static_cast<double>(deadline_epoch_seconds) + offset;
}

std::int64_t DeadlineOfScore(double score) { return static_cast<std::int64_t>(std::floor(score)); }

}  // namespace daiban::dispatch
