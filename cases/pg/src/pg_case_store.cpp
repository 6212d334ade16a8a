#include "daiban/cases/pg/pg_case_store.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <pqxx/pqxx>

#include "daiban/cases/china_time.hpp"
#include "daiban/db/array_literal.hpp"
#include "daiban/db/scope_sql.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/mask.hpp"

namespace daiban::cases {

namespace {

using std::chrono::sys_seconds;

// The columns of a case, in the order CaseFromRow reads them.
// The names of the item or bundle and of the agent are looked up by key per row, not joined:
// each case statement is planned for its values on every call, and joining four tables made the
// planner search join orders for a third of a task list's database time (3.4 ms planning a page
// of the phone's list at 1,000,000 cases, 2.7 ms so). Each key is unique, so the answers agree.
constexpr const char* kCaseSelect = R"sql(
SELECT c.id, c.tracking_number, c.access_code_hash, coalesce(c.item_code, ''),
       coalesce(c.bundle_code, ''),
       coalesce((SELECT i.name FROM items i WHERE i.code = c.item_code),
                (SELECT b.name FROM bundles b WHERE b.code = c.bundle_code), ''),
       c.mode, c.region_code,
       c.department_code, c.committed_days, c.state, coalesce(c.state_before_suspension, ''),
       c.version, c.applicant_kind, c.applicant_name, c.applicant_phone, c.applicant_id_number,
       c.applicant_address, c.applicant_lat, c.applicant_lng, coalesce(c.firm_name, ''),
       coalesce(c.firm_credit_code, ''), c.delivery_method, coalesce(c.delivery_address, ''),
       c.delivery_lat, c.delivery_lng, c.delivery_window,
       extract(epoch FROM c.appointment_at)::bigint, coalesce(c.agent_id, 0),
       coalesce((SELECT u.name FROM users u WHERE u.id = c.agent_id), ''),
       coalesce((SELECT u.phone FROM users u WHERE u.id = c.agent_id), ''), c.priority,
       coalesce(c.result_reference, ''), extract(epoch FROM c.created_at)::bigint,
       extract(epoch FROM c.accepted_at)::bigint, extract(epoch FROM c.deadline_at)::bigint,
       extract(epoch FROM c.at_risk_at)::bigint, c.deadline_provisional,
       extract(epoch FROM c.suspended_at)::bigint, extract(epoch FROM c.result_ready_at)::bigint,
       extract(epoch FROM c.closed_at)::bigint, r.score, coalesce(r.comment, ''),
       extract(epoch FROM r.created_at)::bigint, coalesce(c.open311_key_id, 0),
       extract(epoch FROM c.assigned_at)::bigint, extract(epoch FROM c.last_progress_at)::bigint,
       c.open311_description
  FROM cases c
  LEFT JOIN ratings r ON r.case_id = c.id
)sql";

// The case scope (db::ScopeSql with the agent limit) bound as four parameters from `base`, so
// each statement numbers them after its own.
std::string ScopeCondition(int base) {
  return db::ScopeSql(base).Case("c.region_code", "c.department_code", "c.agent_id");
}

const std::string kFindSql =
    std::string(kCaseSelect) + " WHERE c.tracking_number = $1 AND " + ScopeCondition(2);
const std::string kLockSql = std::string(kCaseSelect) + " WHERE c.tracking_number = $1 AND " +
                             ScopeCondition(2) + " FOR UPDATE OF c";

// Several cases at once: $1 a PostgreSQL array of tracking numbers, then the scope.
const std::string kFindManySql = std::string(kCaseSelect) +
                                 " WHERE c.tracking_number = ANY ($1::text[]) AND " +
                                 ScopeCondition(2);
constexpr const char* kManyMaterialsSql =
    "SELECT case_id, seq, item_code, item_seq, name, essential, status, "
    "coalesce(to_char(promised_date, 'YYYY-MM-DD'), ''), "
    "extract(epoch FROM supplied_at)::bigint FROM case_materials "
    "WHERE case_id = ANY ($1::bigint[]) ORDER BY case_id, seq";
constexpr const char* kManyStepsSql =
    "SELECT s.case_id, s.step_order, s.item_code, i.name, s.department_code, "
    "extract(epoch FROM s.deadline_at)::bigint FROM case_steps s "
    "JOIN items i ON i.code = s.item_code WHERE s.case_id = ANY ($1::bigint[]) "
    "ORDER BY s.case_id, s.step_order, s.item_code";

constexpr const char* kMaterialsSql =
    "SELECT seq, item_code, item_seq, name, essential, status, "
    "coalesce(to_char(promised_date, 'YYYY-MM-DD'), ''), "
    "extract(epoch FROM supplied_at)::bigint FROM case_materials WHERE case_id = $1 ORDER BY seq";
constexpr const char* kStepsSql =
    "SELECT s.step_order, s.item_code, i.name, s.department_code, "
    "extract(epoch FROM s.deadline_at)::bigint FROM case_steps s "
    "JOIN items i ON i.code = s.item_code WHERE s.case_id = $1 ORDER BY s.step_order, s.item_code";

constexpr const char* kInsertCaseSql = R"sql(
INSERT INTO cases (tracking_number, access_code_hash, item_code, bundle_code, mode, region_code,
  department_code, committed_days, state, version, applicant_kind, applicant_name,
  applicant_phone, applicant_id_number, applicant_address, applicant_lat, applicant_lng,
  firm_name, firm_credit_code, delivery_method, delivery_address, delivery_lat, delivery_lng,
  appointment_at, priority, created_at, updated_at, open311_key_id, delivery_window,
  open311_description)
VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, $6, $7, $8, $9, 1, $10, $11, $12, $13, $14,
  $15, $16, NULLIF($17, ''), NULLIF($18, ''), $19, NULLIF($20, ''), $21, $22,
  to_timestamp($23), $24, to_timestamp($25), to_timestamp($25), NULLIF($26, 0), $27, $28)
RETURNING id)sql";

constexpr const char* kUpdateCaseSql = R"sql(
UPDATE cases SET state = $3, state_before_suspension = NULLIF($4, ''), version = version + 1,
  agent_id = NULLIF($5, 0), priority = $6, result_reference = NULLIF($7, ''),
  accepted_at = to_timestamp($8), deadline_at = to_timestamp($9), at_risk_at = to_timestamp($10),
  deadline_provisional = $11, suspended_at = to_timestamp($12),
  result_ready_at = to_timestamp($13), closed_at = to_timestamp($14), updated_at = to_timestamp($15),
  assigned_at = to_timestamp($16), last_progress_at = to_timestamp($17), access_code_hash = $18,
  applicant_id_number = $19
WHERE id = $1 AND version = $2)sql";

constexpr const char* kUpsertMaterialSql = R"sql(
INSERT INTO case_materials (case_id, seq, item_code, item_seq, name, essential, status,
  promised_date, supplied_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, '')::date, to_timestamp($9))
ON CONFLICT (case_id, seq) DO UPDATE SET status = EXCLUDED.status,
  promised_date = EXCLUDED.promised_date, supplied_at = EXCLUDED.supplied_at)sql";

constexpr const char* kUpsertStepSql = R"sql(
INSERT INTO case_steps (case_id, step_order, item_code, department_code, deadline_at)
VALUES ($1, $2, $3, $4, to_timestamp($5))
ON CONFLICT (case_id, item_code) DO UPDATE SET deadline_at = EXCLUDED.deadline_at)sql";

constexpr const char* kInsertEventSql = R"sql(
INSERT INTO case_events (case_id, type, from_state, to_state, actor_role, actor_user_id,
  actor_name, at, device_time, reason, data)
VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, NULLIF($6, 0), $7, to_timestamp($8),
  to_timestamp($9), $10, $11::jsonb))sql";

constexpr const char* kInsertOutboxSql =
    "INSERT INTO outbox (stream, aggregate_id, event_type, payload) VALUES ($1, $2, $3, $4::jsonb)";

constexpr const char* kInsertNoticeSql = R"sql(
INSERT INTO notifications (case_id, channel, recipient, recipient_masked, template, data,
  next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, to_timestamp($7), to_timestamp($7)))sql";

constexpr const char* kInsertRatingSql =
    "INSERT INTO ratings (case_id, score, comment, created_at) VALUES ($1, $2, $3, "
    "to_timestamp($4))";
constexpr const char* kInsertFollowupSql =
    "INSERT INTO followups (case_id, region_code, opened_at, due_at) "
    "VALUES ($1, $2, to_timestamp($3), to_timestamp($4))";

// Wrong identity guesses at hand-overs (CaseService::CheckHandoverIdentity).
constexpr const char* kHandoverGuessesSql =
    "SELECT failures, blocked_at IS NOT NULL FROM handover_guesses "
    "WHERE case_id = $1 AND subject = $2";
constexpr const char* kCountWrongGuessSql = R"sql(
INSERT INTO handover_guesses (case_id, subject, failures, blocked_at)
VALUES ($1, $2, 1, CASE WHEN $3 THEN to_timestamp($4) END)
ON CONFLICT (case_id, subject) DO UPDATE SET failures = handover_guesses.failures + 1,
  blocked_at = CASE WHEN $3 THEN to_timestamp($4) ELSE handover_guesses.blocked_at END)sql";
constexpr const char* kClearGuessesSql = "DELETE FROM handover_guesses WHERE case_id = $1";
constexpr const char* kInsertAlertSql =
    "INSERT INTO alerts (case_id, region_code, kind, message, created_at) "
    "VALUES ($1, $2, $3, $4, to_timestamp($5))";

constexpr const char* kTimelineSql =
    "SELECT id, type, coalesce(from_state, ''), coalesce(to_state, ''), actor_role, "
    "coalesce(actor_user_id, 0), actor_name, extract(epoch FROM at)::bigint, "
    "extract(epoch FROM device_time)::bigint, reason, data::text FROM case_events "
    "WHERE case_id = $1 ORDER BY id";
constexpr const char* kCustodyEventsSql =
    "SELECT id, type, coalesce(from_state, ''), coalesce(to_state, ''), actor_role, "
    "coalesce(actor_user_id, 0), actor_name, extract(epoch FROM at)::bigint, "
    "extract(epoch FROM device_time)::bigint, reason, data::text FROM case_events "
    "WHERE case_id = $1 AND data ? 'custody' ORDER BY id";

// $1 states (comma list, two or more), $2 region, $3 department, $4 item, $5 agent, $6 at_risk,
// $7 overdue, $8 created_from, $9 created_to (epoch; NULL = open), $10 now, $11 after kind (0
// none, 1 a deadline, 2 no deadline, 3 a creation time), $12 after deadline or creation time,
// $13 after id, $14 limit, $15-$18 the scope, $19 the state when only one is asked.
// One state is an equality, not `= ANY` of a one-element array: the planner cannot take rows
// in order from an index under `= ANY`, so for `state=in_progress` it walked cases_list_order
// and filtered (709,202 rows removed, 283,000 buffers, 8.7 s at 1,000,000 cases) instead of
// starting at the state in cases_state_list (55 buffers, 23 ms).
// At risk repeats its deadline bound on the list order's expression, which the planner can then
// use as the start of its scan of cases_running_list: the at-risk page started at the oldest
// deadline and filtered every overdue running case out first (3,362 rows, 3,552 buffers for
// 历下区 at 1,000,000 cases, more as the overdue pile up; now 578 buffers). Overdue does not:
// its bound is an end, and on the list order's expression it let the planner take the whole
// history's order (cases_list_order) instead, walking the closed cases whose deadlines passed
// long ago (10,481 rows filtered for 历下区's first page at 20,000 cases, 11.7 ms). Without it
// the planner still chose that walk at a million cases: overdue has a statement of its own
// (kOverdueListSql).
const std::string kListFilter = R"sql(
 WHERE ($1 = '' OR c.state = ANY (string_to_array($1, ',')))
   AND ($19 = '' OR c.state = $19)
   AND ($2 = '' OR )sql" + db::RegionWithin("c.region_code", "$2") +
                                R"sql()
   AND ($3 = '' OR c.department_code = $3)
   AND ($4 = '' OR c.item_code = $4)
   AND ($5::bigint = 0 OR c.agent_id = $5)
   AND (NOT $6::boolean OR (c.state IN ('accepted', 'assigned', 'in_progress')
        AND c.at_risk_at <= to_timestamp($10) AND c.deadline_at >= to_timestamp($10)
        AND coalesce(c.deadline_at, 'infinity'::timestamptz) >= to_timestamp($10)))
   AND (NOT $7::boolean OR (c.state IN ('accepted', 'assigned', 'in_progress')
        AND c.deadline_at < to_timestamp($10)))
   AND ($8::double precision IS NULL OR c.created_at >= to_timestamp($8))
   AND ($9::double precision IS NULL OR c.created_at < to_timestamp($9))
   AND )sql" + ScopeCondition(15);

// In deadline order: the keyset is one row comparison on the list-order indexes (0017).
const std::string kListSql = std::string(kCaseSelect) + kListFilter + R"sql(
   AND ($11::integer = 0
        OR (coalesce(c.deadline_at, 'infinity'::timestamptz), c.id)
           > (CASE WHEN $11::integer = 2 THEN 'infinity'::timestamptz ELSE to_timestamp($12) END,
              $13))
 ORDER BY coalesce(c.deadline_at, 'infinity'::timestamptz), c.id
 LIMIT $14)sql";

// The overdue list in the same order, taken from the deadline itself: every running case has
// one (acceptance sets it), so ordering by deadline_at, id gives the list's order exactly, and
// the only index in that order is the SLA watch's partial one of running cases (cases_watched,
// 0020), which the overdue bound starts from. On the list order's expression the planner, which
// takes the overdue cases to be spread evenly over the whole history, walked cases_list_order
// from the oldest deadline instead and filtered the closed cases out: at 1,000,000 cases with
// 4,052 overdue, all of them recent, 752,681 rows removed and 1.17 s for 历下区's first page
// (12 ms from cases_watched). At risk keeps the list order: its bound is a start, from which the
// planner reads cases_running_list (13 ms; 86-124 ms from cases_watched, whose deadlines come
// in ties of a whole day's cases that must then be sorted by id).
const std::string kOverdueListSql = std::string(kCaseSelect) + kListFilter + R"sql(
   AND c.deadline_at IS NOT NULL
   AND ($11::integer = 0 OR ($11::integer = 1 AND (c.deadline_at, c.id) > (to_timestamp($12), $13)))
 ORDER BY c.deadline_at, c.id
 LIMIT $14)sql";

// In creation order: a day's cases are one range of cases_created_list (0018), read from the
// cursor on; in deadline order the same day was scattered over the whole history.
const std::string kListByCreatedSql = std::string(kCaseSelect) + kListFilter + R"sql(
   AND ($11::integer <> 3 OR (c.created_at, c.id) > (to_timestamp($12), $13))
 ORDER BY c.created_at, c.id
 LIMIT $14)sql";

// Runs a statement of this file as a named prepared statement: declared on the connection
// at first use (libpqxx 6 prepares lazily and accepts the same definition again), so the
// server parses and plans it once per connection instead of on every call.
template <typename... Params>
pqxx::result Exec(pqxx::transaction_base& tx, const std::string& sql, Params&&... params) {
  const std::string name = "cases_" + std::to_string(std::hash<std::string>{}(sql));
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Params>(params)...);
}

Case CaseFromRow(const pqxx::row& row) {
  Case c;
  int i = 0;
  c.id = row[i++].as<std::int64_t>();
  c.tracking_number = row[i++].as<std::string>();
  c.access_code_hash = row[i++].as<std::string>();
  c.item_code = row[i++].as<std::string>();
  c.bundle_code = row[i++].as<std::string>();
  c.subject_name = row[i++].as<std::string>();
  c.mode = row[i++].as<std::string>();
  c.region_code = row[i++].as<std::string>();
  c.department_code = row[i++].as<std::string>();
  c.committed_days = row[i++].as<int>();
  c.state = ParseCaseState(row[i++].as<std::string>()).value_or(CaseState::kSubmitted);
  auto before = row[i++].as<std::string>();
  if (!before.empty()) c.state_before_suspension = ParseCaseState(before);
  c.version = row[i++].as<int>();
  c.applicant.kind =
      row[i++].as<std::string>() == "firm" ? ApplicantKind::kFirm : ApplicantKind::kCitizen;
  c.applicant.name = row[i++].as<std::string>();
  c.applicant.phone = row[i++].as<std::string>();
  c.applicant.id_number = row[i++].as<std::string>();
  c.applicant.address = row[i++].as<std::string>();
  c.applicant.location.lat = row[i++].as<double>();
  c.applicant.location.lng = row[i++].as<double>();
  c.applicant.firm_name = row[i++].as<std::string>();
  c.applicant.firm_credit_code = row[i++].as<std::string>();
  c.delivery.method =
      row[i++].as<std::string>() == "express" ? DeliveryMethod::kExpress : DeliveryMethod::kWindow;
  c.delivery.address = row[i++].as<std::string>();
  if (!row[i].is_null() && !row[i + 1].is_null()) {
    c.delivery.location = GeoPoint{row[i].as<double>(), row[i + 1].as<double>()};
  }
  i += 2;
  c.delivery.window =
      ParseDeliveryWindow(row[i++].as<std::string>()).value_or(DeliveryWindow::kAny);
  c.appointment_at = db::SecondsAt(row[i++]);
  c.agent_id = row[i++].as<std::int64_t>();
  c.agent_name = row[i++].as<std::string>();
  c.agent_phone = row[i++].as<std::string>();
  c.priority = row[i++].as<int>();
  c.result_reference = row[i++].as<std::string>();
  c.created_at = *db::SecondsAt(row[i++]);
  c.accepted_at = db::SecondsAt(row[i++]);
  auto deadline = db::SecondsAt(row[i++]);
  auto at_risk = db::SecondsAt(row[i++]);
  bool provisional = row[i++].as<bool>();
  if (deadline && at_risk) c.clock = CaseClock{*deadline, *at_risk, provisional};
  c.suspended_at = db::SecondsAt(row[i++]);
  c.result_ready_at = db::SecondsAt(row[i++]);
  c.closed_at = db::SecondsAt(row[i++]);
  if (!row[i].is_null()) {
    c.rating = Rating{row[i].as<int>(), row[i + 1].as<std::string>(), *db::SecondsAt(row[i + 2])};
  }
  i += 3;
  c.open311_key_id = row[i++].as<std::int64_t>();
  c.assigned_at = db::SecondsAt(row[i++]);
  c.last_progress_at = db::SecondsAt(row[i++]);
  c.open311_description = row[i++].as<std::string>();
  return c;
}

// A case's material from the columns of kMaterialsSql, starting at `from` (the one-case and the
// many-cases reads select the same columns, the latter after the case id).
CaseMaterial MaterialFromRow(const pqxx::row& row, int from) {
  CaseMaterial m;
  m.seq = row[from].as<int>();
  m.item_code = row[from + 1].as<std::string>();
  m.item_seq = row[from + 2].as<int>();
  m.name = row[from + 3].as<std::string>();
  m.essential = row[from + 4].as<bool>();
  m.status =
      ParseMaterialStatus(row[from + 5].as<std::string>()).value_or(MaterialStatus::kMissing);
  m.promised_date = row[from + 6].as<std::string>();
  m.supplied_at = db::SecondsAt(row[from + 7]);
  return m;
}

void LoadDetails(pqxx::transaction_base& tx, Case& c) {
  for (const auto& row : Exec(tx, kMaterialsSql, c.id))
    c.materials.push_back(MaterialFromRow(row, 0));
  for (const auto& row : Exec(tx, kStepsSql, c.id)) {
    c.steps.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(),
                       row[3].as<std::string>(), db::SecondsAt(row[4])});
  }
}

template <typename... Rest>
pqxx::result ExecScoped(pqxx::transaction_base& tx, const std::string& sql, const CaseScope& s,
                        Rest&&... params) {
  return Exec(tx, sql, std::forward<Rest>(params)..., s.everything, s.region_code,
              s.department_code, s.agent_id);
}

// Writes the materials and steps that differ from `before` (all of them for a new case).
void WriteMaterialsAndSteps(pqxx::transaction_base& tx, const Case& c, const Case* before) {
  for (std::size_t i = 0; i < c.materials.size(); ++i) {
    const auto& m = c.materials[i];
    if (before && i < before->materials.size()) {
      const auto& was = before->materials[i];
      if (was.status == m.status && was.promised_date == m.promised_date &&
          was.supplied_at == m.supplied_at) {
        continue;
      }
    }
    Exec(tx, kUpsertMaterialSql, c.id, m.seq, m.item_code, m.item_seq, m.name, m.essential,
         ToWord(m.status), m.promised_date, db::EpochSeconds(m.supplied_at));
  }
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const auto& s = c.steps[i];
    if (before && i < before->steps.size() && before->steps[i].deadline == s.deadline) continue;
    Exec(tx, kUpsertStepSql, c.id, s.order, s.item_code, s.department_code,
         db::EpochSeconds(s.deadline));
  }
}

}  // namespace

PgCaseStore::PgCaseStore(db::PgPool& pool, PgCaseStoreOptions options)
    : pool_(pool), options_(std::move(options)), answers_(pool) {}

std::optional<kernel::IdempotentAnswer> PgCaseStore::FindAnswer(const std::string& scope,
                                                                const std::string& key) {
  return answers_.Find(scope, key);
}

namespace {

// The rows a change adds besides the case itself: timeline, outbox, notices, rating, follow-up.
void WriteChange(pqxx::transaction_base& tx, const Case& c, const CaseChange& change,
                 const PgCaseStoreOptions& options) {
  for (const auto& e : change.events) {
    Exec(tx, kInsertEventSql, c.id, e.type, e.from ? ToWord(*e.from) : std::string(),
         e.to ? ToWord(*e.to) : std::string(), ToWord(e.actor_role), e.actor_user_id, e.actor_name,
         db::EpochSeconds(e.at), db::EpochSeconds(e.device_time), e.reason,
         e.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  for (const auto& o : change.outbox) {
    Exec(tx, kInsertOutboxSql, o.stream, c.tracking_number, o.event_type,
         o.payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  const double now =
      db::EpochSeconds(change.events.empty() ? c.created_at : change.events.back().at);
  for (const auto& n : change.notices) {
    Exec(tx, kInsertNoticeSql, c.id, options.notice_channel, c.applicant.phone,
         kernel::MaskPhone(c.applicant.phone), n.template_name,
         n.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now);
  }
  if (change.new_rating) {
    Exec(tx, kInsertRatingSql, c.id, change.new_rating->score, change.new_rating->comment,
         db::EpochSeconds(change.new_rating->at));
  }
  if (change.wrong_guess_subject) {
    Exec(tx, kCountWrongGuessSql, c.id, *change.wrong_guess_subject, change.block_subject, now);
  }
  if (change.clear_handover_guesses) Exec(tx, kClearGuessesSql, c.id);
  if (change.new_alert) {
    Exec(tx, kInsertAlertSql, c.id, c.region_code, change.new_alert->kind,
         change.new_alert->message, now);
  }
  if (change.new_followup) {
    Exec(tx, kInsertFollowupSql, c.id, change.new_followup->region_code,
         db::EpochSeconds(change.new_followup->opened_at),
         db::EpochSeconds(change.new_followup->due_at));
  }
}

void RunAlsoInTransaction(pqxx::dbtransaction& tx, const CaseChange& change) {
  db::Tx handle(tx);
  for (const auto& work : change.also_in_transaction) work(handle);
}

}  // namespace

void PgCaseStore::Create(Case& c, const CaseChange& change,
                         const std::optional<kernel::IdempotentAnswer>& answer) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    if (answer) db::IdempotencyStore::Keep(tx, *answer);
    const auto& a = c.applicant;
    std::optional<double> lat, lng;
    if (c.delivery.location) {
      lat = c.delivery.location->lat;
      lng = c.delivery.location->lng;
    }
    c.id = Exec(tx, kInsertCaseSql, c.tracking_number, c.access_code_hash, c.item_code,
                c.bundle_code, c.mode, c.region_code, c.department_code, c.committed_days,
                ToWord(c.state), ToWord(a.kind), a.name, a.phone, a.id_number, a.address,
                a.location.lat, a.location.lng, a.firm_name, a.firm_credit_code,
                ToWord(c.delivery.method), c.delivery.address, lat, lng,
                db::EpochSeconds(c.appointment_at), c.priority, db::EpochSeconds(c.created_at),
                c.open311_key_id, ToWord(c.delivery.window), c.open311_description)[0][0]
               .as<std::int64_t>();
    WriteMaterialsAndSteps(tx, c, nullptr);
    WriteChange(tx, c, change, options_);
    RunAlsoInTransaction(tx, change);
  });
}

namespace {

// The materials and steps of several cases read at once: two statements for a page, not two
// a case.
void ReadDetails(pqxx::transaction_base& tx, std::vector<Case*> cases) {
  if (cases.empty()) return;
  std::map<std::int64_t, Case*> by_id;
  db::ArrayLiteral id_literal;
  for (Case* c : cases) {
    id_literal.Add(c->id);
    by_id[c->id] = c;
  }
  const std::string ids = id_literal.Text();
  for (const auto& row : Exec(tx, kManyMaterialsSql, ids)) {
    by_id.at(row[0].as<std::int64_t>())->materials.push_back(MaterialFromRow(row, 1));
  }
  for (const auto& row : Exec(tx, kManyStepsSql, ids)) {
    by_id.at(row[0].as<std::int64_t>())
        ->steps.push_back({row[1].as<int>(), row[2].as<std::string>(), row[3].as<std::string>(),
                           row[4].as<std::string>(), db::SecondsAt(row[5])});
  }
}

}  // namespace

std::vector<Case> PgCaseStore::FindMany(const std::vector<std::string>& tracking_numbers,
                                        const CaseScope& scope) {
  std::vector<Case> found;
  if (tracking_numbers.empty()) return found;
  const std::string array = db::ArrayOf(tracking_numbers);
  pool_.Read([&](pqxx::transaction_base& tx) {
    std::map<std::string, Case> by_tracking;
    for (const auto& row : ExecScoped(tx, kFindManySql, scope, array)) {
      auto c = CaseFromRow(row);
      auto tracking = c.tracking_number;
      by_tracking[tracking] = std::move(c);
    }
    std::vector<Case*> read;
    for (auto& [tracking, c] : by_tracking) read.push_back(&c);
    ReadDetails(tx, read);
    for (const auto& tracking : tracking_numbers) {
      auto it = by_tracking.find(tracking);
      if (it != by_tracking.end()) found.push_back(std::move(it->second));
    }
  });
  return found;
}

std::optional<Case> PgCaseStore::Find(const std::string& tracking, const CaseScope& scope) {
  std::optional<Case> found;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = ExecScoped(tx, kFindSql, scope, tracking);
    if (rows.empty()) return;
    found = CaseFromRow(rows[0]);
    LoadDetails(tx, *found);
  });
  return found;
}

namespace {

std::vector<CaseEvent> ReadEvents(pqxx::transaction_base& tx, const char* sql,
                                  std::int64_t case_id) {
  std::vector<CaseEvent> events;
  for (const auto& row : Exec(tx, sql, case_id)) {
    CaseEvent e;
    e.id = row[0].as<std::int64_t>();
    e.type = row[1].as<std::string>();
    auto from = row[2].as<std::string>();
    auto to = row[3].as<std::string>();
    if (!from.empty()) e.from = ParseCaseState(from);
    if (!to.empty()) e.to = ParseCaseState(to);
    e.actor_role = ParseRole(row[4].as<std::string>()).value_or(Role::kSystem);
    e.actor_user_id = row[5].as<std::int64_t>();
    e.actor_name = row[6].as<std::string>();
    e.at = *db::SecondsAt(row[7]);
    e.device_time = db::SecondsAt(row[8]);
    e.reason = row[9].as<std::string>();
    e.data = nlohmann::json::parse(row[10].as<std::string>(), nullptr, false);
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace

Case PgCaseStore::Change(const std::string& tracking, const CaseScope& scope,
                         const std::function<void(Case&, CaseChange&)>& apply) {
  Case result;
  std::int64_t agent_before = 0;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    auto locked = ExecScoped(tx, kLockSql, scope, tracking);
    if (locked.empty()) throw kernel::NotFound("no case with this tracking number");
    Case c = CaseFromRow(locked[0]);
    LoadDetails(tx, c);
    const int loaded_version = c.version;
    agent_before = c.agent_id;
    const Case loaded = c;
    CaseChange change;
    change.custody_events = [&tx, id = c.id] { return ReadEvents(tx, kCustodyEventsSql, id); };
    change.handover_guesses = [&tx, id = c.id](const std::string& subject) {
      auto rows = Exec(tx, kHandoverGuessesSql, id, subject);
      HandoverGuesses guesses;
      if (!rows.empty()) guesses = {rows[0][0].as<int>(), rows[0][1].as<bool>()};
      return guesses;
    };
    apply(c, change);
    const double now =
        db::EpochSeconds(change.events.empty() ? c.created_at : change.events.back().at);
    std::optional<double> deadline, at_risk;
    if (c.clock) {
      deadline = db::EpochSeconds(c.clock->deadline);
      at_risk = db::EpochSeconds(c.clock->at_risk_at);
    }
    auto updated =
        Exec(tx, kUpdateCaseSql, c.id, loaded_version, ToWord(c.state),
             c.state_before_suspension ? ToWord(*c.state_before_suspension) : std::string(),
             c.agent_id, c.priority, c.result_reference, db::EpochSeconds(c.accepted_at), deadline,
             at_risk, c.clock && c.clock->provisional, db::EpochSeconds(c.suspended_at),
             db::EpochSeconds(c.result_ready_at), db::EpochSeconds(c.closed_at), now,
             db::EpochSeconds(c.assigned_at), db::EpochSeconds(c.last_progress_at),
             c.access_code_hash, c.applicant.id_number);
    if (updated.affected_rows() != 1) {
      throw kernel::Conflict("stale_version", "the case changed meanwhile; read it and retry");
    }
    WriteMaterialsAndSteps(tx, c, &loaded);
    WriteChange(tx, c, change, options_);
    c.version = loaded_version + 1;
    if (change.answer) {
      if (change.render_answer) {
        // The events just written are visible to this transaction: the answer shows them.
        change.answer->body = change.render_answer(c, ReadEvents(tx, kTimelineSql, c.id));
      }
      db::IdempotencyStore::Keep(tx, *change.answer);
    }
    RunAlsoInTransaction(tx, change);
    result = std::move(c);
  });
  // A new agent's name and work phone come from a join: re-read only then.
  if (result.agent_id != agent_before) {
    auto fresh = Find(tracking, CaseScope::Everything());
    if (fresh) return *fresh;
  }
  return result;
}

std::vector<AgentCaseEvent> PgCaseStore::AgentEventsAfter(std::int64_t agent_id,
                                                          std::int64_t after_event_id, int limit) {
  std::vector<AgentCaseEvent> events;
  pool_.Read([&](pqxx::transaction_base& tx) {
    // Two index-driven halves instead of one OR across the join (which read every case, or
    // every event since the cursor, at a year of history): the events of the agent's cases
    // (cases_agent, then case_events_case from the cursor on), and the events that took a case
    // away from it (case_events_previous_agent).
    auto rows = tx.exec_params(R"sql(
(SELECT e.id, c.tracking_number, true
   FROM cases c JOIN case_events e ON e.case_id = c.id
  WHERE c.agent_id = $1 AND e.id > $2
  ORDER BY e.id
  LIMIT $3)
UNION
(SELECT e.id, c.tracking_number, coalesce(c.agent_id, 0) = $1
   FROM case_events e JOIN cases c ON c.id = e.case_id
  WHERE e.data ? 'previous_agent_id' AND (e.data->>'previous_agent_id') = $1::text
    AND e.id > $2
  ORDER BY e.id
  LIMIT $3)
 ORDER BY 1
 LIMIT $3)sql",
                               agent_id, after_event_id, limit);
    for (const auto& row : rows) {
      events.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<bool>()});
    }
  });
  return events;
}

std::int64_t PgCaseStore::NewestEventId() {
  std::int64_t newest = 0;
  // The primary key's last entry: one index probe at any size of the history.
  pool_.Read([&](pqxx::transaction_base& tx) {
    newest = Exec(tx, "SELECT coalesce(max(id), 0) FROM case_events")[0][0].as<std::int64_t>();
  });
  return newest;
}

std::vector<CaseEvent> PgCaseStore::Timeline(std::int64_t case_id) {
  std::vector<CaseEvent> events;
  pool_.Read([&](pqxx::transaction_base& tx) { events = ReadEvents(tx, kTimelineSql, case_id); });
  return events;
}

std::vector<Case> PgCaseStore::List(const CaseFilter& f, const CaseScope& scope) {
  std::string states;
  for (auto s : f.states) {
    if (!states.empty()) states += ',';
    states += ToWord(s);
  }
  std::string one_state;
  if (f.states.size() == 1) one_state.swap(states);
  const bool by_created = f.order == ListOrder::kCreated;
  int after_kind = 0;
  double after_time = 0.0;
  if (by_created && f.after_created) {
    after_kind = 3;
    after_time = db::EpochSeconds(*f.after_created);
  } else if (!by_created && f.after_deadline) {
    after_kind = 1;
    after_time = db::EpochSeconds(*f.after_deadline);
  } else if (!by_created && f.after_no_deadline) {
    after_kind = 2;
  }
  std::vector<Case> cases;
  pool_.Read([&](pqxx::transaction_base& tx) {
    // One statement serves every filter, so it is sent unnamed: PostgreSQL plans an unnamed
    // statement for the values bound to it, the filters not asked for fold away and the index
    // that fits is found (an overdue list walks the small partial index of running cases). A
    // named one's cached generic plan scanned the history in list order whatever was asked.
    const std::string& sql = by_created  ? kListByCreatedSql
                             : f.overdue ? kOverdueListSql
                                         : kListSql;
    auto rows = tx.exec_params(sql, states, f.region_code, f.department_code, f.item_code,
                               f.agent_id, f.at_risk, f.overdue, db::EpochSeconds(f.created_from),
                               db::EpochSeconds(f.created_to), db::EpochSeconds(f.now), after_kind,
                               after_time, f.after_id, f.limit, scope.everything, scope.region_code,
                               scope.department_code, scope.agent_id, one_state);
    for (const auto& row : rows) cases.push_back(CaseFromRow(row));
    if (f.whole) {
      std::vector<Case*> page;
      for (auto& c : cases) page.push_back(&c);
      ReadDetails(tx, page);
    }
  });
  return cases;
}

}  // namespace daiban::cases
