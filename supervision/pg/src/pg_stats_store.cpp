#include "daiban/supervision/pg_stats_store.hpp"

#include <pqxx/pqxx>

#include "daiban/db/scope_sql.hpp"

namespace daiban::supervision {

namespace {

// One row per case created in [$1, $2) (epoch seconds) in the staff scope (db::ScopeSql): $3
// everything, $4 region (with its subtree), $5 department; a scope naming neither region nor
// department sees nothing. The district is the region itself when it is a district, else its parent
// when that is one (regions go city > district > street), else the region itself.
constexpr const char* kCohort = "stats_cohort";
const std::string kCohortSql = R"sql(
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
       CASE WHEN f.id IS NULL THEN 0 WHEN f.closed_at IS NULL THEN 1 ELSE 2 END
  FROM cases c
  JOIN departments d ON d.code = c.department_code
  JOIN regions r ON r.code = c.region_code
  LEFT JOIN regions p ON p.code = r.parent_code
  LEFT JOIN users u ON u.id = c.agent_id
  LEFT JOIN items i ON i.code = c.item_code
  LEFT JOIN ratings rt ON rt.case_id = c.id
  LEFT JOIN followups f ON f.case_id = c.id
 WHERE c.created_at >= to_timestamp($1) AND c.created_at < to_timestamp($2)
   AND )sql" + db::ScopeSql(3).Case("c.region_code", "c.department_code") +
                               R"sql(
 ORDER BY c.id)sql";

std::optional<Moment> MomentAt(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return Moment(std::chrono::seconds(field.as<std::int64_t>()));
}

}  // namespace

PgStatsStore::PgStatsStore(db::PgPool& pool) : pool_(pool) { pool_.Prepare(kCohort, kCohortSql); }

std::vector<CohortCase> PgStatsStore::Cohort(const SupervisionScope& scope, Moment start,
                                             Moment end) {
  std::vector<CohortCase> cohort;
  // In a transaction of its own so the setting stays with this read: a year's cohort is
  // estimated costly enough to be compiled by the JIT, which took longer (1.3 s at 100,000
  // cases) than running the plan it compiles.
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec("SET LOCAL jit = off");
    auto rows = tx.exec_prepared(kCohort, static_cast<double>(start.time_since_epoch().count()),
                                 static_cast<double>(end.time_since_epoch().count()),
                                 scope.everything, scope.region_code, scope.department_code);
    cohort.reserve(rows.size());
    for (const auto& row : rows) {
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
      cohort.push_back(std::move(c));
    }
  });
  return cohort;
}

}  // namespace daiban::supervision
