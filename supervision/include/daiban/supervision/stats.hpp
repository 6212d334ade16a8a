#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/working_calendar.hpp"
#include "daiban/kernel/staff_scope.hpp"
#include "daiban/kernel/vocabulary.hpp"

// Statistics for supervisors (考核): the cases created in a period, grouped by department,
// district or agent, and the metrics of each group. Pure code: the store reads the cohort,
// this computes and renders it.
namespace daiban::supervision {

using kernel::Moment;

// What a supervision read (statistics, follow-ups) covers: everything (administrators), or a
// region with its subtree and/or a department (supervisors). A scope naming neither covers
// nothing.
using SupervisionScope = kernel::StaffScope;

enum class StatsGroup { kDepartments, kRegions, kAgents };
std::string ToWord(StatsGroup group);  // "departments", "regions", "agents"

// The period of a report: China dates, both included.
struct StatsPeriod {
  cases::CivilDate from;
  cases::CivilDate to;
  // from 00:00 China time, and the next day's 00:00 after `to` (exclusive).
  Moment Start() const;
  Moment End() const;
};

inline constexpr int kDefaultStatsDays = 30;
inline constexpr int kMaxStatsDays = 366;

// The period asked for by the query values `from` and `to` (ISO dates). Missing `to` is
// `today`; missing `from` is the start of the kDefaultStatsDays days ending at `to`. Throws
// kernel::ApiError 422 naming "from" or "to" for a malformed date, `to` before `from` ("to"),
// or more than kMaxStatsDays days ("from").
StatsPeriod ResolveStatsPeriod(const std::optional<std::string>& from,
                               const std::optional<std::string>& to, cases::CivilDate today);

enum class FollowupState { kNone, kOpen, kClosed };

// One case of the cohort, with what the metrics need.
struct CohortCase {
  std::int64_t id = 0;
  std::string region_code;  // the region the case was filed in (the roll-up's key)
  std::string department_code;
  std::string department_name;
  std::string district_code;  // the district-level region of the case's region
  std::string district_name;
  std::int64_t agent_id = 0;  // 0: no agent
  std::string agent_name;
  std::string state;          // a case state word
  std::string service_class;  // zero_trip / one_trip / we_run, or "bundle" for a bundle
  std::string mode;           // proxy / assisted / led
  Moment created_at{};
  std::optional<Moment> accepted_at;
  std::optional<Moment> deadline_at;
  std::optional<Moment> suspended_at;
  std::optional<Moment> result_ready_at;
  bool reassigned = false;  // the timeline has an `unassign` event
  std::optional<int> rating;
  FollowupState followup = FollowupState::kNone;
};

// A decimal number with a fixed number of places, rounded half up from an exact fraction (so
// 2.375 is 2.38 and 1.8125 is 1.81, with no binary floating-point surprise).
struct Decimal {
  std::int64_t scaled = 0;  // the value times 10^places
  int places = 2;

  // numerator / denominator rounded half up; both non-negative, denominator > 0.
  static Decimal Of(std::int64_t numerator, std::int64_t denominator, int places);
  double Value() const;
  // Without trailing zeros: "1.5", "0.75", "2", "0.6667".
  std::string Text() const;
  bool operator==(const Decimal&) const = default;
};

struct StatsMetrics {
  int received = 0;
  int accepted = 0;
  int finished = 0;  // 办结: the result was obtained
  int on_time = 0;
  std::optional<Decimal> on_time_rate;       // on_time / finished, 4 places; none when finished = 0
  std::optional<Decimal> mean_working_days;  // accepted -> result, 2 places
  std::optional<Decimal> p90_working_days;   // nearest rank, 2 places
  int overdue = 0;
  int reassigned = 0;
  std::optional<Decimal> rating_average;  // 2 places
  int ratings = 0;
  int followups_open = 0;
  int followups_closed = 0;

  bool operator==(const StatsMetrics&) const = default;
};

struct StatsRow {
  std::string key;
  std::string name;
  StatsMetrics metrics;
};

struct StatsReport {
  StatsGroup group = StatsGroup::kDepartments;
  StatsPeriod period;
  std::vector<StatsRow> rows;  // ordered by key (agents: by account id)
  StatsMetrics totals;         // every case of the cohort, those without an agent included
  // Cases by the service class of their item ("bundle" for bundles), in the order zero_trip,
  // one_trip, we_run, bundle; and by mode: proxy, assisted, led.
  std::vector<std::pair<std::string, int>> by_class;
  std::vector<std::pair<std::string, int>> by_mode;
};

// The cases of one China day (by creation), summed per filing region, department and agent:
// what the roll-up stores so a long period is not read case by case. Codes are the key; the
// names and the district are resolved when the roll-up is read, as for a raw case. A store may
// also hand over roll-ups already summed per group of a report (key fields it does not group by
// left empty): merging is the same.
struct StatsRollup {
  cases::CivilDate day{};
  std::string region_code;
  std::string department_code;
  std::int64_t agent_id = 0;  // 0: no agent
  std::string department_name;
  std::string district_code;
  std::string district_name;
  std::string agent_name;
  // The counters only (received … followups_closed); rates and averages stay unset. `overdue`
  // counts only what does not depend on now; see running_deadlines.
  StatsMetrics counts;
  std::int64_t rating_sum = 0;
  std::array<int, 4> by_class{};  // zero_trip, one_trip, we_run, bundle
  std::array<int, 3> by_mode{};   // proxy, assisted, led
  // One working span (acceptance to result) per finished, accepted case, in any order: kept
  // whole, so the nearest-rank p90 of a merged group is exact.
  std::vector<std::int64_t> working_seconds;
  // The deadlines (seconds since the epoch) of the cases whose clock runs, not finished: each
  // is overdue once now is past it ("overdue now", counted when the report is made).
  std::vector<std::int64_t> running_deadlines;

  bool operator==(const StatsRollup&) const = default;
};

// Whether a case's clock runs (accepted, assigned, in progress): its "overdue" depends on now.
bool IsRunning(const CohortCase& c);

// The roll-up of `cohort`, one entry per (creation day, region, department, agent), ordered by
// that key; spans measured on `calendar`. A running case's deadline is kept for "overdue now"
// rather than counted. Names and districts are left empty.
std::vector<StatsRollup> RollUpCases(const std::vector<CohortCase>& cohort,
                                     const cases::WorkingCalendar& calendar);

// A short text that changes whenever the working spans measured on `calendar` could: its
// entries' dates and kinds, loaded years and office hours (not the holidays' names). A roll-up
// measured on one calendar is not used for a report on another.
std::string CalendarKey(const cases::WorkingCalendar& calendar);

// The 1-based rank of the p-th percentile of n sorted values by the nearest-rank method:
// ceil(p / 100 * n), at least 1. NearestRank(10, 90) = 9, NearestRank(11, 90) = 10.
std::size_t NearestRank(std::size_t n, int percentile);

// Whether a case counts as overdue (超期) at `now`: finished after its deadline, or not
// finished, its clock running (accepted, assigned, in_progress) and past the deadline. A
// suspended case's clock stopped when it was suspended: it is overdue when it was suspended
// after its deadline. Rejected, cancelled and not yet accepted cases are never overdue.
bool IsOverdue(const CohortCase& c, Moment now);

// The metrics of `cohort` grouped by `group`; working time on `calendar` (a working day is its
// office hours, 8 h for 09:00-17:00).
StatsReport ComputeStats(StatsGroup group, const StatsPeriod& period,
                         const std::vector<CohortCase>& cohort,
                         const cases::WorkingCalendar& calendar, Moment now);

// The same over `cohort` (cases read raw) and `rollups` (cases summed): the report is identical
// to ComputeStats over the cases the roll-ups were made from plus `cohort`.
StatsReport ComputeStats(StatsGroup group, const StatsPeriod& period,
                         const std::vector<CohortCase>& cohort,
                         const std::vector<StatsRollup>& rollups,
                         const cases::WorkingCalendar& calendar, Moment now);

// The columns of the exported table, in order (编码, 名称, 收件数, …).
const std::vector<std::string>& StatsColumnHeaders();
// The Chinese label of a service class ("bundle": 一件事) or a mode word.
std::string ServiceClassLabel(std::string_view service_class);
std::string ModeLabel(std::string_view mode);

// The report as CSV: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting, the
// column headers, one line per row, and a last line 合计 (empty key) with the totals. Rates and
// averages as decimals ("0.75"), an absent value as an empty field.
std::string RenderStatsCsv(const StatsReport& report);

// "stats-departments-2026-11-01-2026-11-30.csv" for extension "csv".
std::string StatsFileName(const StatsReport& report, std::string_view extension);

}  // namespace daiban::supervision
