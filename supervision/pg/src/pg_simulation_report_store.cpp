#include "daiban/supervision/pg/pg_simulation_report_store.hpp"

#include <pqxx/pqxx>

#include "daiban/db/idempotency_store.hpp"

namespace daiban::supervision {

namespace {

// The columns of a report, in the order FromRow reads them; $with_summary and $with_html
// choose whether the large columns are read at all (a list reads neither).
std::string Select(bool with_summary, bool with_html) {
  return std::string("SELECT r.id, r.title, r.scenario, r.seed, r.changes::text, ") +
         (with_summary ? "r.summary::text" : "''") + ", " + (with_html ? "r.html" : "''") +
         R"sql(, octet_length(r.html), r.cases, r.on_time_rate, r.offer_p99_ms, r.published_by,
       coalesce(u.name, ''), extract(epoch FROM r.published_at)::bigint
  FROM simulation_reports r
  LEFT JOIN users u ON u.id = r.published_by)sql";
}

// $1 after a cursor?, $2 the cursor's id, $3 limit.
constexpr const char* kList = "simulation_reports_list";
const std::string kListSql = Select(false, false) + R"sql(
 WHERE NOT $1::boolean OR r.id < $2
 ORDER BY r.id DESC
 LIMIT $3)sql";

constexpr const char* kOne = "simulation_reports_one";
const std::string kOneSql = Select(true, false) + " WHERE r.id = $1";
constexpr const char* kOneWithHtml = "simulation_reports_one_html";
const std::string kOneWithHtmlSql = Select(true, true) + " WHERE r.id = $1";

constexpr const char* kInsert = "simulation_reports_insert";
constexpr const char* kInsertSql = R"sql(
INSERT INTO simulation_reports (title, scenario, seed, changes, summary, html, cases,
                                on_time_rate, offer_p99_ms, published_by, published_at)
VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10, to_timestamp($11))
RETURNING id)sql";

SimulationReport FromRow(const pqxx::row& row) {
  SimulationReport r;
  r.id = row[0].as<std::int64_t>();
  r.title = row[1].as<std::string>();
  r.scenario = row[2].as<std::string>();
  r.seed = row[3].as<std::int64_t>();
  r.changes = row[4].as<std::string>();
  r.summary = row[5].as<std::string>();
  r.html = row[6].as<std::string>();
  r.html_bytes = row[7].as<std::int64_t>();
  r.cases = row[8].as<std::int64_t>();
  r.on_time_rate = row[9].as<double>();
  r.offer_p99_ms = row[10].as<double>();
  r.published_by_id = row[11].as<std::int64_t>();
  r.published_by_name = row[12].as<std::string>();
  r.published_at = Moment(std::chrono::seconds(row[13].as<std::int64_t>()));
  return r;
}

}  // namespace

PgSimulationReportStore::PgSimulationReportStore(db::PgPool& pool) : pool_(pool) {
  pool_.Prepare(kList, kListSql);
  pool_.Prepare(kOne, kOneSql);
  pool_.Prepare(kOneWithHtml, kOneWithHtmlSql);
  pool_.Prepare(kInsert, kInsertSql);
}

SimulationReport PgSimulationReportStore::Insert(
    const NewSimulationReport& report, const std::optional<kernel::IdempotentAnswer>& answer,
    const std::function<std::string(const SimulationReport&)>& render) {
  SimulationReport stored;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    const auto id =
        tx.exec_prepared1(kInsert, report.title, report.scenario, report.seed, report.changes,
                          report.summary, report.html, report.cases, report.on_time_rate,
                          report.offer_p99_ms, report.published_by,
                          static_cast<double>(report.published_at.time_since_epoch().count()))[0]
            .as<std::int64_t>();
    stored = FromRow(tx.exec_prepared1(kOne, id));
    if (answer) {
      // Kept with the report, so a crash between the two cannot leave one without the other.
      kernel::IdempotentAnswer kept{answer->scope, answer->key, answer->request_hash,
                                    answer->status, render ? render(stored) : answer->body};
      db::IdempotencyStore::Keep(tx, kept);
    } else if (render) {
      render(stored);
    }
  });
  return stored;
}

std::vector<SimulationReport> PgSimulationReportStore::List(int limit,
                                                            std::optional<std::int64_t> before) {
  std::vector<SimulationReport> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kList, before.has_value(), before.value_or(0), limit)) {
      out.push_back(FromRow(row));
    }
  });
  return out;
}

std::optional<SimulationReport> PgSimulationReportStore::Find(std::int64_t id, bool with_html) {
  std::optional<SimulationReport> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(with_html ? kOneWithHtml : kOne, id);
    if (!rows.empty()) out = FromRow(rows[0]);
  });
  return out;
}

std::optional<kernel::IdempotentAnswer> PgSimulationReportStore::FindAnswer(
    const std::string& scope, const std::string& key) {
  return db::IdempotencyStore(pool_).Find(scope, key);
}

}  // namespace daiban::supervision
