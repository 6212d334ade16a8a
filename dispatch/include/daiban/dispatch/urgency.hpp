#pragma once

#include <cstdint>

// The score of a case in its region's pending queue (a Redis ZSET read lowest first), so the
// queue lists what waits, most urgent first, in the same order the assignment policies use
// (assignment_policy.hpp): earliest deadline first; between equal deadlines, higher priority
// first. Priority only breaks ties: a priority-9 case due tomorrow does not overtake a
// priority-0 case due today, because the deadline is the legal promise (承诺时限) and missing it
// is what the SLA watch escalates.
//
//   score = deadline + (kMaxQueuePriority - clamp(priority)) / (2 * kMaxQueuePriority + 2)
//
// The priority term lies in [0, 1), so a score never reaches the next second's deadline and
// floor(score) is the deadline again. Priorities outside [-kMaxQueuePriority, kMaxQueuePriority]
// are clamped (they order as the nearest bound). Steps of 1/2000 stay exact enough: a double
// resolves better than 1e-6 at today's epoch seconds. Cases with equal scores come out by
// tracking number (Redis orders equal ZSET scores by member), i.e. in the order they were filed.

namespace daiban::dispatch {

inline constexpr int kMaxQueuePriority = 999;

double UrgencyScore(std::int64_t deadline_epoch_seconds, int priority);

// The deadline a score was made from.
std::int64_t DeadlineOfScore(double score);

}  // namespace daiban::dispatch
