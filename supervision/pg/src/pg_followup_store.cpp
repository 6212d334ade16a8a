#include "daiban/supervision/pg/pg_followup_store.hpp"

#include <pqxx/pqxx>

#include "daiban/db/idempotency_store.hpp"
#include "daiban/db/scope_sql.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::supervision {

namespace {

// The columns of a follow-up, in the order FromRow reads them.
constexpr const char* kSelect = R"sql(
SELECT f.id, c.tracking_number, coalesce(i.name, b.name, ''), f.region_code,
       coalesce(rt.score, 0), coalesce(rt.comment, ''),
       extract(epoch FROM coalesce(rt.created_at, f.opened_at))::bigint,
       extract(epoch FROM f.opened_at)::bigint, extract(epoch FROM f.due_at)::bigint,
       extract(epoch FROM f.closed_at)::bigint, coalesce(f.closed_by, 0), coalesce(u.name, ''),
       f.call_notes, f.outcome
  FROM followups f
  JOIN cases c ON c.id = f.case_id
  LEFT JOIN items i ON i.code = c.item_code
  LEFT JOIN bundles b ON b.code = c.bundle_code
  LEFT JOIN ratings rt ON rt.case_id = c.id
  LEFT JOIN users u ON u.id = f.closed_by
)sql";

// The staff scope (db::ScopeSql) with its parameters numbered from `base`: region by the
// follow-up's region (its subtree), department by its case's.
std::string ScopeCondition(int base) {
  return db::ScopeSql(base).Case("f.region_code", "c.department_code");
}

// $1 filter (open/closed/all), $2 after a cursor?, $3 its due_at (epoch), $4 its id, $5 limit,
// $6.. the scope. Optional filters: sent unnamed, planned for the values of each call
// (db::PgPool).
const std::string kListSql = std::string(kSelect) + R"sql(
 WHERE ($1 = 'all' OR ($1 = 'open') = (f.closed_at IS NULL))
   AND (NOT $2::boolean OR (f.due_at, f.id) > (to_timestamp($3), $4::bigint))
   AND )sql" + ScopeCondition(6) +
                             R"sql(
 ORDER BY f.due_at, f.id
 LIMIT $5)sql";

constexpr const char* kLock = "followups_lock";
const std::string kLockSql =
    "SELECT f.closed_at IS NOT NULL FROM followups f JOIN cases c ON c.id = f.case_id "
    "WHERE f.id = $1 AND " +
    ScopeCondition(2) + " FOR UPDATE OF f";

// $1 id, $2 call line ('' for none), $3 closes?, $4 outcome, $5 at (epoch), $6 by. Only while
// open: two supervisors closing at once, one of them changes nothing.
constexpr const char* kWrite = "followups_write";
constexpr const char* kWriteSql = R"sql(
UPDATE followups
   SET call_notes = CASE WHEN $2 = '' THEN call_notes
                         WHEN call_notes = '' THEN $2
                         ELSE call_notes || E'\n' || $2 END,
       outcome = CASE WHEN $3::boolean THEN $4 ELSE outcome END,
       closed_at = CASE WHEN $3::boolean THEN to_timestamp($5) ELSE NULL END,
       closed_by = CASE WHEN $3::boolean THEN $6::bigint ELSE NULL END
 WHERE id = $1 AND closed_at IS NULL)sql";

constexpr const char* kOne = "followups_one";
const std::string kOneSql = std::string(kSelect) + " WHERE f.id = $1";

Moment At(const pqxx::field& field) {
  return Moment(std::chrono::seconds(field.as<std::int64_t>()));
}

Followup FromRow(const pqxx::row& row) {
  Followup f;
  f.id = row[0].as<std::int64_t>();
  f.tracking_number = row[1].as<std::string>();
  f.subject = row[2].as<std::string>();
  f.region_code = row[3].as<std::string>();
  f.score = row[4].as<int>();
  f.comment = row[5].as<std::string>();
  f.rated_at = At(row[6]);
  f.opened_at = At(row[7]);
  f.due_at = At(row[8]);
  if (!row[9].is_null()) f.closed_at = At(row[9]);
  f.closed_by_id = row[10].as<std::int64_t>();
  f.closed_by_name = row[11].as<std::string>();
  f.call_notes = row[12].as<std::string>();
  f.outcome = row[13].as<std::string>();
  return f;
}

const char* FilterWord(FollowupFilter filter) {
  switch (filter) {
    case FollowupFilter::kOpen:
      return "open";
    case FollowupFilter::kClosed:
      return "closed";
    case FollowupFilter::kAll:
      return "all";
  }
  return "open";
}

double Epoch(Moment moment) { return static_cast<double>(moment.time_since_epoch().count()); }

}  // namespace

PgFollowupStore::PgFollowupStore(db::PgPool& pool) : pool_(pool) {
  pool_.Prepare(kLock, kLockSql);
  pool_.Prepare(kWrite, kWriteSql);
  pool_.Prepare(kOne, kOneSql);
}

std::vector<Followup> PgFollowupStore::List(const SupervisionScope& scope,
                                            const FollowupQuery& query) {
  std::vector<Followup> out;
  const FollowupCursor after = query.after.value_or(FollowupCursor{});
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_params(kListSql, FilterWord(query.filter), query.after.has_value(),
                        Epoch(after.due_at), after.id, query.limit + 1, scope.everything,
                        scope.region_code, scope.department_code)) {
      out.push_back(FromRow(row));
    }
  });
  return out;
}

Followup PgFollowupStore::Apply(std::int64_t id, const SupervisionScope& scope,
                                const FollowupWrite& write) {
  Followup result;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    auto locked =
        tx.exec_prepared(kLock, id, scope.everything, scope.region_code, scope.department_code);
    if (locked.empty()) throw kernel::NotFound("no such follow-up");
    auto closed = [] {
      return kernel::Conflict("followup_closed", "the follow-up is closed already", "id");
    };
    if (locked[0][0].as<bool>()) throw closed();
    auto written =
        tx.exec_prepared(kWrite, id, write.call_line.value_or(""), write.outcome.has_value(),
                         write.outcome.value_or(""), Epoch(write.at), write.user_id);
    if (written.affected_rows() != 1) throw closed();
    result = FromRow(tx.exec_prepared(kOne, id)[0]);
    if (write.answer) {
      // Kept with the write, so a crash between the two cannot leave one without the other.
      const auto& a = *write.answer;
      kernel::IdempotentAnswer kept{a.scope, a.key, a.request_hash, a.status,
                                    write.render_answer ? write.render_answer(result) : a.body};
      db::IdempotencyStore::Keep(tx, kept);
    }
  });
  return result;
}

std::optional<kernel::IdempotentAnswer> PgFollowupStore::FindAnswer(const std::string& scope,
                                                                    const std::string& key) {
  return db::IdempotencyStore(pool_).Find(scope, key);
}

}  // namespace daiban::supervision
