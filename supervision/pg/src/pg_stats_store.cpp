#include "daiban/supervision/pg/pg_stats_store.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daiban/db/array_literal.hpp"
#include "daiban/db/scope_sql.hpp"

namespace daiban::supervision {

namespace {

// The select list and joins of one row per case (CohortCase, in the order CaseOf reads it),
// after `from` (a FROM naming the cases `c`) and `where`. The district is the region itself
// when it is a district, else its parent when that is one (regions go city > district >
// street), else the region itself.
std::string CohortSql(const std::string& from, const std::string& where) {
  return R"sql(
SELECT c.id, c.department_code, d.name,
       CASE WHEN r.level = 'district' THEN r.code WHEN p.level = 'district' THEN p.code
            ELSE r.code END,
       CASE WHEN r.level = 'district' THEN r.name WHEN p.level = 'district' THEN p.name
            ELSE r.name END,
       coalesce(c.agent_id, 0), coalesce(u.name, ''), c.state,
       CASE WHEN c.bundle_code IS NOT NULL THEN 'bundle' ELSE coalesce(i.service_class, '') END,
       c.mode,
       extract(epoch FROM c.created_at)::bigint, extract(epoch FROM c.accepted_at)::bigint,
       extract(epoch FROM c.deadline_at)::bigint, extract(epoch FROM c.suspended_at)::bigint,
       extract(epoch FROM c.result_ready_at)::bigint,
       EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'unassign'),
       rt.score,
       CASE WHEN f.id IS NULL THEN 0 WHEN f.closed_at IS NULL THEN 1 ELSE 2 END,
       c.region_code
  )sql" + from +
         R"sql(
  JOIN departments d ON d.code = c.department_code
  JOIN regions r ON r.code = c.region_code
  LEFT JOIN regions p ON p.code = r.parent_code
  LEFT JOIN users u ON u.id = c.agent_id
  LEFT JOIN items i ON i.code = c.item_code
  LEFT JOIN ratings rt ON rt.case_id = c.id
  LEFT JOIN followups f ON f.case_id = c.id
 WHERE )sql" +
         where + R"sql(
 ORDER BY c.id)sql";
}

// One row per case created in [$1, $2) (epoch seconds) in the staff scope (db::ScopeSql): $3
// everything, $4 region (with its subtree), $5 department; a scope naming neither region nor
// department sees nothing.
const std::string kCohortSql = CohortSql(
    "FROM cases c", "c.created_at >= to_timestamp($1) AND c.created_at < to_timestamp($2) AND " +
                        db::ScopeSql(3).Case("c.region_code", "c.department_code"));
// The cases created on the China days $1 (a date array), in the scope $2..$4: each day one
// range of cases_created_list, read day by day (LATERAL ... OFFSET 0 keeps the planner from
// flattening it). Joined plainly, a year's report over a history of 71 days (321 days not rolled
// up: the days before the history and its weekends, all empty) walked every case in id order
// for the ORDER BY and tested it against each of the 321 days: past the 5 s statement timeout
// at 1,000,000 cases, where reading the days one by one takes 1.6 ms.
const std::string kCasesOfDaysSql = CohortSql(
    "FROM unnest($1::date[]) AS dd (day)\n"
    "  CROSS JOIN LATERAL (SELECT * FROM cases c WHERE c.created_at >= stats_day_start(dd.day)\n"
    "                        AND c.created_at < stats_day_start(dd.day + 1) OFFSET 0) c",
    db::ScopeSql(2).Case("c.region_code", "c.department_code"));

// The days of [$1, $2] rolled up on the calendar $3 and unchanged since.
constexpr const char* kCleanDays = "stats_clean_days";
constexpr const char* kCleanDaysSql = R"sql(
SELECT d.day::text FROM stats_rollup_days d
 WHERE d.day BETWEEN $1::date AND $2::date AND d.calendar_key = $3
   AND NOT EXISTS (SELECT 1 FROM stats_dirty m WHERE m.day = d.day)
 ORDER BY d.day)sql";

// The roll-up rows of the days $1 in the scope $2..$4, summed in SQL per group of the report
// $5 (departments, regions: the district, agents) so a year is a few rows, names and district
// resolved now (as the cohort resolves them). The spans and deadlines are concatenated whole.
const std::string kRollupsSql = R"sql(
SELECT g.department_code, g.department_name, g.district_code, g.district_name, g.agent_id,
       g.agent_name,
       sum(s.received), sum(s.accepted), sum(s.finished), sum(s.on_time), sum(s.overdue),
       sum(s.reassigned), sum(s.ratings), sum(s.rating_sum), sum(s.followups_open),
       sum(s.followups_closed), sum(s.zero_trip), sum(s.one_trip), sum(s.we_run), sum(s.bundle),
       sum(s.proxy), sum(s.assisted), sum(s.led),
       coalesce(string_agg(array_to_string(s.working_seconds, ','), ',')
                  FILTER (WHERE cardinality(s.working_seconds) > 0), ''),
       coalesce(string_agg(array_to_string(s.running_deadlines, ','), ',')
                  FILTER (WHERE cardinality(s.running_deadlines) > 0), '')
  FROM stats_rollup s
  JOIN departments d ON d.code = s.department_code
  JOIN regions r ON r.code = s.region_code
  LEFT JOIN regions p ON p.code = r.parent_code
  LEFT JOIN users u ON u.id = nullif(s.agent_id, 0)
 CROSS JOIN LATERAL (SELECT
         CASE WHEN $5 = 'departments' THEN s.department_code ELSE '' END AS department_code,
         CASE WHEN $5 = 'departments' THEN d.name ELSE '' END AS department_name,
         CASE WHEN $5 <> 'regions' THEN ''
              WHEN r.level = 'district' THEN r.code WHEN p.level = 'district' THEN p.code
              ELSE r.code END AS district_code,
         CASE WHEN $5 <> 'regions' THEN ''
              WHEN r.level = 'district' THEN r.name WHEN p.level = 'district' THEN p.name
              ELSE r.name END AS district_name,
         CASE WHEN $5 = 'agents' THEN s.agent_id ELSE 0 END AS agent_id,
         CASE WHEN $5 = 'agents' THEN coalesce(u.name, '') ELSE '' END AS agent_name) g
 WHERE s.day = ANY ($1::date[]) AND )sql" +
                                db::ScopeSql(2).Case("s.region_code", "s.department_code") + R"sql(
 GROUP BY 1, 2, 3, 4, 5, 6)sql";

// The days to roll up: marked dirty, or rolled up on another calendar than $1; $2 at most.
constexpr const char* kStaleDays = "stats_stale_days";
constexpr const char* kStaleDaysSql = R"sql(
SELECT day::text FROM (SELECT day FROM stats_dirty
                       UNION SELECT day FROM stats_rollup_days WHERE calendar_key <> $1) s
 ORDER BY day LIMIT $2)sql";

std::optional<Moment> MomentAt(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return Moment(std::chrono::seconds(field.as<std::int64_t>()));
}

CohortCase CaseOf(const pqxx::row& row) {
  CohortCase c;
  c.id = row[0].as<std::int64_t>();
  c.department_code = row[1].as<std::string>();
  c.department_name = row[2].as<std::string>();
  c.district_code = row[3].as<std::string>();
  c.district_name = row[4].as<std::string>();
  c.agent_id = row[5].as<std::int64_t>();
  c.agent_name = row[6].as<std::string>();
  c.state = row[7].as<std::string>();
  c.service_class = row[8].as<std::string>();
  c.mode = row[9].as<std::string>();
  c.created_at = Moment(std::chrono::seconds(row[10].as<std::int64_t>()));
  c.accepted_at = MomentAt(row[11]);
  c.deadline_at = MomentAt(row[12]);
  c.suspended_at = MomentAt(row[13]);
  c.result_ready_at = MomentAt(row[14]);
  c.reassigned = row[15].as<bool>();
  if (!row[16].is_null()) c.rating = row[16].as<int>();
  const int followup = row[17].as<int>();
  c.followup = followup == 0   ? FollowupState::kNone
               : followup == 1 ? FollowupState::kOpen
                               : FollowupState::kClosed;
  c.region_code = row[18].as<std::string>();
  return c;
}

void AppendCases(const pqxx::result& rows, std::vector<CohortCase>& out) {
  out.reserve(out.size() + rows.size());
  for (const auto& row : rows) out.push_back(CaseOf(row));
}

// "1,2,3" -> {1, 2, 3}: parsed by hand, a year's spans are hundreds of thousands of numbers.
std::vector<std::int64_t> Numbers(const pqxx::field& field) {
  std::vector<std::int64_t> out;
  const char* p = field.c_str();
  const char* const end = p + field.size();
  while (p < end) {
    std::int64_t value = 0;
    while (p < end && *p != ',') value = value * 10 + (*p++ - '0');
    out.push_back(value);
    if (p < end) ++p;
  }
  return out;
}

StatsRollup RollupOf(const pqxx::row& row) {
  StatsRollup r;
  r.department_code = row[0].as<std::string>();
  r.department_name = row[1].as<std::string>();
  r.district_code = row[2].as<std::string>();
  r.district_name = row[3].as<std::string>();
  r.agent_id = row[4].as<std::int64_t>();
  r.agent_name = row[5].as<std::string>();
  auto& m = r.counts;
  m.received = row[6].as<int>();
  m.accepted = row[7].as<int>();
  m.finished = row[8].as<int>();
  m.on_time = row[9].as<int>();
  m.overdue = row[10].as<int>();
  m.reassigned = row[11].as<int>();
  m.ratings = row[12].as<int>();
  r.rating_sum = row[13].as<std::int64_t>();
  m.followups_open = row[14].as<int>();
  m.followups_closed = row[15].as<int>();
  for (int i = 0; i < 4; ++i) r.by_class[i] = row[16 + i].as<int>();
  for (int i = 0; i < 3; ++i) r.by_mode[i] = row[20 + i].as<int>();
  r.working_seconds = Numbers(row[23]);
  r.running_deadlines = Numbers(row[24]);
  return r;
}

// A PostgreSQL array literal of dates: {2026-11-01,2026-11-02}.
std::string DateArray(const std::vector<cases::CivilDate>& days) {
  return db::ArrayOf(days, [](const cases::CivilDate& day) { return cases::FormatIsoDate(day); });
}

std::vector<cases::CivilDate> DaysOf(const pqxx::result& rows) {
  std::vector<cases::CivilDate> days;
  for (const auto& row : rows) days.push_back(*cases::ParseIsoDate(row[0].as<std::string>()));
  return days;
}

// A report's reads and the roll-up's see one snapshot each: a day's marks, its roll-up and its
// cases agree. The JIT stays off: a year's estimated cost switched it on, and compiling took
// longer (1.3 s at 100,000 cases) than running the plan it compiled.
void BeginSnapshot(pqxx::dbtransaction& tx) {
  tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  tx.exec("SET LOCAL jit = off");
}

void InsertRollups(pqxx::dbtransaction& tx, const std::vector<StatsRollup>& rollups) {
  constexpr std::size_t kRowsPerStatement = 500;
  for (std::size_t first = 0; first < rollups.size(); first += kRowsPerStatement) {
    std::string sql =
        "INSERT INTO stats_rollup (day, region_code, department_code, agent_id, received, "
        "accepted, finished, on_time, overdue, reassigned, ratings, rating_sum, followups_open, "
        "followups_closed, zero_trip, one_trip, we_run, bundle, proxy, assisted, led, "
        "working_seconds, running_deadlines) VALUES ";
    const auto last = std::min(rollups.size(), first + kRowsPerStatement);
    for (std::size_t i = first; i < last; ++i) {
      const auto& r = rollups[i];
      const auto& m = r.counts;
      if (i > first) sql += ",";
      sql += "('" + cases::FormatIsoDate(r.day) + "'," + tx.quote(r.region_code) + "," +
             tx.quote(r.department_code) + "," + std::to_string(r.agent_id);
      for (const std::int64_t n :
           {std::int64_t{m.received}, std::int64_t{m.accepted}, std::int64_t{m.finished},
            std::int64_t{m.on_time}, std::int64_t{m.overdue}, std::int64_t{m.reassigned},
            std::int64_t{m.ratings}, r.rating_sum, std::int64_t{m.followups_open},
            std::int64_t{m.followups_closed}}) {
        sql += "," + std::to_string(n);
      }
      for (const int n : r.by_class) sql += "," + std::to_string(n);
      for (const int n : r.by_mode) sql += "," + std::to_string(n);
      for (const auto* numbers : {&r.working_seconds, &r.running_deadlines}) {
        sql += ",'{";
        for (std::size_t k = 0; k < numbers->size(); ++k) {
          if (k > 0) sql += ',';
          sql += std::to_string((*numbers)[k]);
        }
        sql += "}'";
      }
      sql += ")";
    }
    tx.exec(sql);
  }
}

}  // namespace

PgStatsStore::PgStatsStore(db::PgPool& pool) : pool_(pool) {
  // The cohort, the days' cases and the roll-ups take the scope (and the roll-ups the report's
  // grouping) as parameters: sent unnamed, planned for each report's values (db::PgPool).
  pool_.Prepare(kCleanDays, kCleanDaysSql);
  pool_.Prepare(kStaleDays, kStaleDaysSql);
}

std::vector<CohortCase> PgStatsStore::Cohort(const SupervisionScope& scope, Moment start,
                                             Moment end) {
  std::vector<CohortCase> cohort;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec("SET LOCAL jit = off");
    AppendCases(tx.exec_params(kCohortSql, static_cast<double>(start.time_since_epoch().count()),
                               static_cast<double>(end.time_since_epoch().count()),
                               scope.everything, scope.region_code, scope.department_code),
                cohort);
  });
  return cohort;
}

StatsInput PgStatsStore::Read(StatsGroup group, const SupervisionScope& scope,
                              const StatsPeriod& period, const std::string& calendar_key) {
  StatsInput input;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    input = {};
    BeginSnapshot(tx);
    const auto clean = DaysOf(tx.exec_prepared(kCleanDays, cases::FormatIsoDate(period.from),
                                               cases::FormatIsoDate(period.to), calendar_key));
    // The other days of the period are read raw, whole.
    std::vector<cases::CivilDate> raw_days;
    std::size_t next_clean = 0;
    for (auto day = std::chrono::sys_days(period.from); day <= std::chrono::sys_days(period.to);
         day += std::chrono::days(1)) {
      if (next_clean < clean.size() && std::chrono::sys_days(clean[next_clean]) == day) {
        ++next_clean;
      } else {
        raw_days.emplace_back(day);
      }
    }
    if (!raw_days.empty()) {
      AppendCases(tx.exec_params(kCasesOfDaysSql, DateArray(raw_days), scope.everything,
                                 scope.region_code, scope.department_code),
                  input.cases);
    }
    if (!clean.empty()) {
      auto rows = tx.exec_params(kRollupsSql, DateArray(clean), scope.everything, scope.region_code,
                                 scope.department_code, ToWord(group));
      input.rollups.reserve(rows.size());
      for (const auto& row : rows) input.rollups.push_back(RollupOf(row));
    }
  });
  return input;
}

std::size_t PgStatsStore::RollUp(std::size_t max_days, const std::string& calendar_key,
                                 const StatsRollupFunction& roll_up) {
  std::size_t rolled = 0;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    BeginSnapshot(tx);
    const auto days =
        DaysOf(tx.exec_prepared(kStaleDays, calendar_key, static_cast<std::int64_t>(max_days)));
    rolled = days.size();
    if (days.empty()) return;
    std::vector<CohortCase> cohort;
    AppendCases(tx.exec_params(kCasesOfDaysSql, DateArray(days), true, "", ""), cohort);
    const auto rollups = roll_up(cohort);
    const auto array = DateArray(days);
    tx.exec_params("DELETE FROM stats_rollup WHERE day = ANY ($1::date[])", array);
    InsertRollups(tx, rollups);
    tx.exec_params(
        "INSERT INTO stats_rollup_days (day, calendar_key) SELECT unnest($1::date[]), $2 "
        "ON CONFLICT (day) DO UPDATE SET calendar_key = excluded.calendar_key, rolled_at = now()",
        array, calendar_key);
    // Only the marks this snapshot saw: a change committed since keeps its mark, and its day
    // is rolled up again.
    tx.exec_params("DELETE FROM stats_dirty WHERE day = ANY ($1::date[])", array);
  });
  return rolled;
}

}  // namespace daiban::supervision
