#include "daiban/supervision/stats.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::supervision {

namespace {

using kernel::CsvField;
using std::chrono::days;
using std::chrono::seconds;
using std::chrono::sys_days;

constexpr int kRatePlaces = 4;
constexpr int kDayPlaces = 2;

std::int64_t PowerOfTen(int places) {
  std::int64_t scale = 1;
  for (int i = 0; i < places; ++i) scale *= 10;
  return scale;
}

cases::CivilDate DateParam(const std::optional<std::string>& text, const std::string& field) {
  auto date = cases::ParseIsoDate(*text);
  if (!date) throw kernel::Invalid(field, field + " must be a date like 2026-11-30");
  return *date;
}

// What one group accumulates before its figures are rounded.
struct Tally {
  StatsMetrics metrics;
  std::vector<std::int64_t> working_seconds;  // one per finished case
  std::int64_t rating_sum = 0;
};

void Count(Tally& tally, const CohortCase& c, const cases::WorkingCalendar& calendar, Moment now) {
  auto& m = tally.metrics;
  ++m.received;
  if (c.accepted_at) ++m.accepted;
  if (c.result_ready_at) {
    ++m.finished;
    if (c.deadline_at && *c.result_ready_at <= *c.deadline_at) ++m.on_time;
    if (c.accepted_at) {
      tally.working_seconds.push_back(
          calendar.WorkingTimeBetween(*c.accepted_at, *c.result_ready_at).count());
    }
  }
  if (IsOverdue(c, now)) ++m.overdue;
  if (c.reassigned) ++m.reassigned;
  if (c.rating) {
    ++m.ratings;
    tally.rating_sum += *c.rating;
  }
  if (c.followup == FollowupState::kOpen) ++m.followups_open;
  if (c.followup == FollowupState::kClosed) ++m.followups_closed;
}

// A roll-up's sums, as if each of its cases had been counted at `now`.
void Merge(Tally& tally, const StatsRollup& r, Moment now) {
  auto& m = tally.metrics;
  const auto& n = r.counts;
  m.received += n.received;
  m.accepted += n.accepted;
  m.finished += n.finished;
  m.on_time += n.on_time;
  m.overdue += n.overdue;
  // IsOverdue of a running, unfinished case: now past its deadline.
  for (const auto deadline : r.running_deadlines) {
    if (now.time_since_epoch().count() > deadline) ++m.overdue;
  }
  m.reassigned += n.reassigned;
  m.ratings += n.ratings;
  m.followups_open += n.followups_open;
  m.followups_closed += n.followups_closed;
  tally.rating_sum += r.rating_sum;
  tally.working_seconds.insert(tally.working_seconds.end(), r.working_seconds.begin(),
                               r.working_seconds.end());
}

const std::array<std::string_view, 4> kClasses = {"zero_trip", "one_trip", "we_run", "bundle"};
const std::array<std::string_view, 3> kModes = {"proxy", "assisted", "led"};

template <std::size_t N>
int IndexOf(const std::array<std::string_view, N>& words, std::string_view word) {
  for (std::size_t i = 0; i < N; ++i) {
    if (words[i] == word) return static_cast<int>(i);
  }
  return -1;
}

StatsMetrics Finish(Tally tally, std::int64_t day_seconds) {
  StatsMetrics m = tally.metrics;
  if (m.finished > 0) m.on_time_rate = Decimal::Of(m.on_time, m.finished, kRatePlaces);
  auto& spans = tally.working_seconds;
  if (!spans.empty()) {
    std::sort(spans.begin(), spans.end());
    std::int64_t sum = 0;
    for (auto s : spans) sum += s;
    const auto n = static_cast<std::int64_t>(spans.size());
    m.mean_working_days = Decimal::Of(sum, n * day_seconds, kDayPlaces);
    m.p90_working_days =
        Decimal::Of(spans[NearestRank(spans.size(), 90) - 1], day_seconds, kDayPlaces);
  }
  if (m.ratings > 0) m.rating_average = Decimal::Of(tally.rating_sum, m.ratings, kDayPlaces);
  return m;
}

std::string Field(const std::optional<Decimal>& value) { return value ? value->Text() : ""; }

void AppendLine(std::string& out, const std::string& key, const std::string& name,
                const StatsMetrics& m) {
  const std::string fields[] = {CsvField(key),
                                CsvField(name),
                                std::to_string(m.received),
                                std::to_string(m.accepted),
                                std::to_string(m.finished),
                                std::to_string(m.on_time),
                                Field(m.on_time_rate),
                                Field(m.mean_working_days),
                                Field(m.p90_working_days),
                                std::to_string(m.overdue),
                                std::to_string(m.reassigned),
                                Field(m.rating_average),
                                std::to_string(m.ratings),
                                std::to_string(m.followups_open),
                                std::to_string(m.followups_closed)};
  bool first = true;
  for (const auto& field : fields) {
    if (!first) out += ',';
    out += field;
    first = false;
  }
  out += "\r\n";
}

}  // namespace

std::string ToWord(StatsGroup group) {
  switch (group) {
    case StatsGroup::kDepartments:
      return "departments";
    case StatsGroup::kRegions:
      return "regions";
    case StatsGroup::kAgents:
      return "agents";
  }
  return "departments";
}

Moment StatsPeriod::Start() const { return cases::FromChinaLocal(from, seconds(0)); }

Moment StatsPeriod::End() const {
  return cases::FromChinaLocal(cases::CivilDate(sys_days(to) + days(1)), seconds(0));
}

StatsPeriod ResolveStatsPeriod(const std::optional<std::string>& from,
                               const std::optional<std::string>& to, cases::CivilDate today) {
  StatsPeriod period;
  period.to = to ? DateParam(to, "to") : today;
  period.from = from ? DateParam(from, "from")
                     : cases::CivilDate(sys_days(period.to) - days(kDefaultStatsDays - 1));
  const auto span = (sys_days(period.to) - sys_days(period.from)).count() + 1;
  if (span < 1) throw kernel::Invalid("to", "to must not be before from");
  if (span > kMaxStatsDays) {
    throw kernel::Invalid("from",
                          "the period covers at most " + std::to_string(kMaxStatsDays) + " days");
  }
  return period;
}

Decimal Decimal::Of(std::int64_t numerator, std::int64_t denominator, int places) {
  if (numerator < 0 || denominator <= 0) throw std::invalid_argument("Decimal::Of");
  const std::int64_t scale = PowerOfTen(places);
  // round(n * scale / d) with halves up, in integers: floor((2 n scale + d) / (2 d)).
  return {(2 * numerator * scale + denominator) / (2 * denominator), places};
}

double Decimal::Value() const {
  return static_cast<double>(scaled) / static_cast<double>(PowerOfTen(places));
}

std::string Decimal::Text() const {
  const std::int64_t scale = PowerOfTen(places);
  std::string text = std::to_string(scaled / scale);
  std::string fraction = std::to_string(scaled % scale);
  fraction.insert(0, static_cast<std::size_t>(places) - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

std::size_t NearestRank(std::size_t n, int percentile) {
  const std::size_t rank = (static_cast<std::size_t>(percentile) * n + 99) / 100;
  return std::max<std::size_t>(rank, 1);
}

bool IsOverdue(const CohortCase& c, Moment now) {
  if (!c.deadline_at) return false;
  if (c.result_ready_at) return *c.result_ready_at > *c.deadline_at;
  if (c.state == "accepted" || c.state == "assigned" || c.state == "in_progress") {
    return now > *c.deadline_at;
  }
  if (c.state == "suspended") return c.suspended_at && *c.suspended_at > *c.deadline_at;
  return false;
}

bool IsRunning(const CohortCase& c) {
  return c.state == "accepted" || c.state == "assigned" || c.state == "in_progress";
}

std::vector<StatsRollup> RollUpCases(const std::vector<CohortCase>& cohort,
                                     const cases::WorkingCalendar& calendar) {
  using Key = std::tuple<cases::CivilDate, std::string, std::string, std::int64_t>;
  std::map<Key, std::pair<StatsRollup, Tally>> by_key;
  for (const auto& c : cohort) {
    const auto day = cases::ChinaDateOf(c.created_at);
    auto& [r, tally] = by_key[Key{day, c.region_code, c.department_code, c.agent_id}];
    r.day = day;
    r.region_code = c.region_code;
    r.department_code = c.department_code;
    r.agent_id = c.agent_id;
    // Counted at the epoch, only what does not depend on now is overdue (IsOverdue); a running
    // case's deadline is kept to be compared with the report's now.
    Count(tally, c, calendar, Moment{});
    if (IsRunning(c) && !c.result_ready_at && c.deadline_at) {
      r.running_deadlines.push_back(c.deadline_at->time_since_epoch().count());
    }
    if (const int i = IndexOf(kClasses, c.service_class); i >= 0) ++r.by_class[i];
    if (const int i = IndexOf(kModes, c.mode); i >= 0) ++r.by_mode[i];
  }
  std::vector<StatsRollup> out;
  out.reserve(by_key.size());
  for (auto& [key, entry] : by_key) {
    auto& [r, tally] = entry;
    r.counts = tally.metrics;
    r.rating_sum = tally.rating_sum;
    r.working_seconds = std::move(tally.working_seconds);
    out.push_back(std::move(r));
  }
  return out;
}

std::string CalendarKey(const cases::WorkingCalendar& calendar) {
  // FNV-1a over a canonical text: short enough to store per day, and any difference in what
  // working time depends on gives another key.
  std::string text = std::to_string(calendar.office_hours().open.count()) + "-" +
                     std::to_string(calendar.office_hours().close.count());
  for (const auto& year : calendar.loaded_years()) {
    text += " y" + std::to_string(static_cast<int>(year));
  }
  for (const auto& entry : calendar.entries()) {
    text += " " + cases::FormatIsoDate(entry.date) +
            (entry.kind == cases::DayKind::kHoliday ? "h" : "w");
  }
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char ch : text) {
    hash ^= ch;
    hash *= 0x100000001b3ULL;
  }
  static const char* const kHex = "0123456789abcdef";
  std::string key = "v1-";
  for (int shift = 60; shift >= 0; shift -= 4) key += kHex[(hash >> shift) & 0xf];
  return key;
}

StatsReport ComputeStats(StatsGroup group, const StatsPeriod& period,
                         const std::vector<CohortCase>& cohort,
                         const cases::WorkingCalendar& calendar, Moment now) {
  return ComputeStats(group, period, cohort, {}, calendar, now);
}

StatsReport ComputeStats(StatsGroup group, const StatsPeriod& period,
                         const std::vector<CohortCase>& cohort,
                         const std::vector<StatsRollup>& rollups,
                         const cases::WorkingCalendar& calendar, Moment now) {
  const auto& hours = calendar.office_hours();
  const std::int64_t day_seconds =
      std::chrono::duration_cast<seconds>(hours.close - hours.open).count();

  // Groups by their sort key: the code, or the agent's id.
  struct Group {
    std::string key;
    std::string name;
    Tally tally;
  };
  std::map<std::string, Group> by_code;
  std::map<std::int64_t, Group> by_agent;
  Tally totals;
  std::vector<std::pair<std::string, int>> by_class = {
      {"zero_trip", 0}, {"one_trip", 0}, {"we_run", 0}, {"bundle", 0}};
  std::vector<std::pair<std::string, int>> by_mode = {{"proxy", 0}, {"assisted", 0}, {"led", 0}};
  auto bump = [](auto& counts, const std::string& word) {
    for (auto& [name, count] : counts) {
      if (name == word) ++count;
    }
  };

  for (const auto& c : cohort) {
    Count(totals, c, calendar, now);
    bump(by_class, c.service_class);
    bump(by_mode, c.mode);
    Group* target = nullptr;
    switch (group) {
      case StatsGroup::kDepartments:
        target = &by_code[c.department_code];
        target->key = c.department_code;
        target->name = c.department_name;
        break;
      case StatsGroup::kRegions:
        target = &by_code[c.district_code];
        target->key = c.district_code;
        target->name = c.district_name;
        break;
      case StatsGroup::kAgents:
        if (c.agent_id == 0) break;  // counted in the totals only
        target = &by_agent[c.agent_id];
        target->key = std::to_string(c.agent_id);
        target->name = c.agent_name;
        break;
    }
    if (target != nullptr) Count(target->tally, c, calendar, now);
  }
  for (const auto& r : rollups) {
    Merge(totals, r, now);
    for (std::size_t i = 0; i < kClasses.size(); ++i) by_class[i].second += r.by_class[i];
    for (std::size_t i = 0; i < kModes.size(); ++i) by_mode[i].second += r.by_mode[i];
    Group* target = nullptr;
    switch (group) {
      case StatsGroup::kDepartments:
        target = &by_code[r.department_code];
        target->key = r.department_code;
        target->name = r.department_name;
        break;
      case StatsGroup::kRegions:
        target = &by_code[r.district_code];
        target->key = r.district_code;
        target->name = r.district_name;
        break;
      case StatsGroup::kAgents:
        if (r.agent_id == 0) break;  // counted in the totals only
        target = &by_agent[r.agent_id];
        target->key = std::to_string(r.agent_id);
        target->name = r.agent_name;
        break;
    }
    if (target != nullptr) Merge(target->tally, r, now);
  }

  StatsReport report;
  report.group = group;
  report.period = period;
  auto add = [&](Group& g) {
    report.rows.push_back({g.key, g.name, Finish(std::move(g.tally), day_seconds)});
  };
  for (auto& [key, g] : by_code) add(g);
  for (auto& [id, g] : by_agent) add(g);
  report.totals = Finish(std::move(totals), day_seconds);
  report.by_class = std::move(by_class);
  report.by_mode = std::move(by_mode);
  return report;
}

const std::vector<std::string>& StatsColumnHeaders() {
  static const std::vector<std::string> headers = {
      "编码",       "名称",       "收件数",         "受理数",        "办结数",
      "按时办结数", "按时办结率", "平均办结工作日", "P90办结工作日", "超期数",
      "改派数",     "平均评分",   "评价数",         "回访未结",      "回访已结"};
  return headers;
}

std::string ServiceClassLabel(std::string_view service_class) {
  if (service_class == "zero_trip") return "零跑腿";
  if (service_class == "one_trip") return "只跑一次";
  if (service_class == "we_run") return "你不用跑我来跑";
  if (service_class == "bundle") return "一件事";
  return std::string(service_class);
}

std::string ModeLabel(std::string_view mode) {
  if (mode == "proxy") return "代办";
  if (mode == "assisted") return "帮办";
  if (mode == "led") return "领办";
  return std::string(mode);
}

std::string RenderStatsCsv(const StatsReport& report) {
  std::string out = "\xEF\xBB\xBF";  // the byte-order mark spreadsheet programs look for
  bool first = true;
  for (const auto& header : StatsColumnHeaders()) {
    if (!first) out += ',';
    out += CsvField(header);
    first = false;
  }
  out += "\r\n";
  for (const auto& row : report.rows) AppendLine(out, row.key, row.name, row.metrics);
  AppendLine(out, "", "合计", report.totals);
  return out;
}

std::string StatsFileName(const StatsReport& report, std::string_view extension) {
  return "stats-" + ToWord(report.group) + "-" + cases::FormatIsoDate(report.period.from) + "-" +
         cases::FormatIsoDate(report.period.to) + "." + std::string(extension);
}

}  // namespace daiban::supervision
