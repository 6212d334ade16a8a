// daibanctl seed-history against real PostgreSQL with the demo catalogue: the history it writes
// keeps the rules the services keep, the same seed gives the same rows, and a second run writes
// nothing twice.
#include <gtest/gtest.h>

#include <optional>
#include <pqxx/pqxx>
#include <sstream>
#include <string>

#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/cli/daibanctl.hpp"
#include "daiban/cli/seed_history.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/config.hpp"
#include "daiban/supervision/pg/pg_stats_store.hpp"
#include "daiban/supervision/stats_service.hpp"
#include "scratch_database.hpp"

namespace daiban::cli {
namespace {

using std::chrono::seconds;

// 2026-11-20 12:00 China time: the history covers 2026-11-09..20, and the newest cases are
// still open.
const std::chrono::sys_seconds kNow{seconds(1795147200)};

void LoadDemo(const std::string& url) {
  const kernel::Env env([url](const std::string& name) -> std::optional<std::string> {
    if (name == "DAIBAN_PG_URL") return url;
    return std::nullopt;
  });
  const std::string root = DAIBAN_SOURCE_DIR;
  std::ostringstream out, err;
  auto run = [&](std::vector<std::string> args) {
    ASSERT_EQ(RunDaibanctl(args, out, err, env), 0) << err.str();
  };
  run({"migrate"});
  run({"import", root + "/db/seed/demo"});
  run({"calendar", "load", root + "/db/seed/calendar/cn-calendar-2026.csv"});
  run({"user", "add", "--role", "window", "--name", "王窗口", "--phone", "13800000003",
       "--password", "daiban-demo", "--region", "370102"});
  run({"agent", "import", root + "/db/seed/demo/agents.csv", "--password", "daiban-demo"});
  run({"courier", "import", root + "/db/seed/demo/couriers.csv", "--password", "daiban-demo"});
}

HistoryRequest Request() {
  HistoryRequest request;
  request.cases = 400;
  request.days = 12;
  request.seed = 42;
  request.until = cases::CivilDate{std::chrono::year(2026) / 11 / 20};
  request.now = kNow;
  request.fixes_per_day = 20;
  return request;
}

long long Count(pqxx::transaction_base& tx, const std::string& sql) {
  return tx.exec(sql)[0][0].as<long long>();
}

// What the history says, independent of the ids the sequences gave.
std::string Fingerprint(db::PgPool& pool) {
  std::string digest;
  pool.Read([&](pqxx::transaction_base& tx) {
    digest = tx.exec(
                   "SELECT md5(string_agg(concat_ws('|', c.tracking_number, c.state, c.item_code, "
                   "c.region_code, c.created_at, c.deadline_at, c.agent_id, c.closed_at, "
                   "(SELECT string_agg(e.type || e.at::text, ',' ORDER BY e.id) FROM case_events e "
                   "WHERE e.case_id = c.id)), ';' ORDER BY c.tracking_number)) FROM cases c")[0][0]
                 .as<std::string>();
  });
  return digest;
}

// The ids the history took: cases, deliveries and timeline events are taken in day order.
std::string IdFingerprint(db::PgPool& pool) {
  std::string digest;
  pool.Read([&](pqxx::transaction_base& tx) {
    digest = tx.exec(
                   "SELECT md5((SELECT string_agg(id || tracking_number, ';' ORDER BY id) FROM "
                   "cases) || (SELECT string_agg(id || ':' || case_id, ';' ORDER BY id) FROM "
                   "case_events) || coalesce((SELECT string_agg(id || ':' || case_id, ';' ORDER "
                   "BY id) FROM deliveries), ''))")[0][0]
                 .as<std::string>();
  });
  return digest;
}

// Every index of the schema, as PostgreSQL would make it again; the locations' are left out,
// since a load makes the partitions of its days.
std::string Indexes(db::PgPool& pool) {
  std::string all;
  pool.Read([&](pqxx::transaction_base& tx) {
    all = tx.exec(
                "SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename NOT LIKE 'locations%'")[0][0]
              .as<std::string>();
  });
  return all;
}

TEST(SeedHistoryPgTest, WritesAConsistentHistoryOnceAndTheSameForASeed) {
  db::testing::ScratchDatabase database;
  LoadDemo(database.Url());
  db::PgPool pool({.url = database.Url(), .pool_size = 2});
  const std::string indexes = Indexes(pool);
  std::ostringstream progress;
  const auto report = SeedHistory(pool, Request(), progress);
  // A load into a database of a few demo cases builds the secondary indexes after it: every one
  // is back, as it was.
  EXPECT_GT(report.indexes_built, 10);
  EXPECT_EQ(Indexes(pool), indexes);
  // The last day is written up to now (12:00): its afternoon's cases have not arrived yet.
  EXPECT_LT(report.cases, 400);
  EXPECT_GT(report.cases, 400 - 40);
  EXPECT_EQ(report.days_written, 10);  // the working days of 2026-11-09..20
  EXPECT_GT(report.events, 400 * 5);
  EXPECT_GT(report.fixes, 0);
  EXPECT_NE(progress.str().find("2026-11-20"), std::string::npos);

  pool.Read([&](pqxx::transaction_base& tx) {
    EXPECT_EQ(Count(tx, "SELECT count(*) FROM cases"), report.cases);
    EXPECT_EQ(Count(tx, "SELECT count(*) FROM cases WHERE created_at > '2026-11-20 12:00+08'"), 0);
    EXPECT_EQ(Count(tx, "SELECT count(*) FROM case_events WHERE at > '2026-11-20 12:00+08'"), 0);
    // Every case starts with its creation; arrivals are on working days in office hours.
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM "
                    "case_events e WHERE e.case_id = c.id AND e.type = 'created')"),
              0);
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM cases WHERE extract(isodow FROM created_at AT TIME "
                    "ZONE 'Asia/Shanghai') > 5 OR extract(hour FROM created_at AT TIME ZONE "
                    "'Asia/Shanghai') NOT BETWEEN 9 AND 16"),
              0);
    // The state is the last event's; the moments follow the state.
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM cases c WHERE c.state <> (SELECT e.to_state FROM "
                    "case_events e WHERE e.case_id = c.id AND e.to_state IS NOT NULL "
                    "ORDER BY e.at DESC, e.id DESC LIMIT 1)"),
              0);
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM cases WHERE state NOT IN ('submitted', "
                    "'rejected', 'cancelled') AND (accepted_at IS NULL OR deadline_at IS NULL "
                    "OR at_risk_at > deadline_at)"),
              0);
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM cases WHERE (state = 'closed') <> "
                    "(closed_at IS NOT NULL AND state NOT IN ('rejected', 'cancelled'))"),
              0);
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM cases WHERE (state = 'suspended') <> "
                    "(suspended_at IS NOT NULL)"),
              0);
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM cases WHERE state IN ('assigned', 'in_progress', "
                    "'result_ready', 'closed') AND agent_id IS NULL"),
              0);
    // A share is still open today, some of it past its deadline.
    EXPECT_GT(Count(tx,
                    "SELECT count(*) FROM cases WHERE state IN ('accepted', 'assigned', "
                    "'in_progress', 'suspended', 'result_ready', 'out_for_delivery')"),
              20);
    EXPECT_GT(Count(tx, "SELECT count(*) FROM cases WHERE state = 'closed'"), 200);
    // Couriers carry only express results; a delivered leg has its successful attempt.
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id "
                    "WHERE c.delivery_method <> 'express'"),
              0);
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM deliveries d WHERE d.state = 'delivered' AND NOT "
                    "EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.id "
                    "AND a.outcome = 'delivered')"),
              0);
    // Follow-ups come from bad ratings only; offers never stay pending.
    EXPECT_EQ(Count(tx,
                    "SELECT count(*) FROM followups f JOIN ratings r USING (case_id) "
                    "WHERE r.score > 2"),
              0);
    EXPECT_EQ(Count(tx, "SELECT count(*) FROM offers WHERE state = 'pending'"), 0);
    EXPECT_EQ(Count(tx, "SELECT count(*) FROM locations_default"), 0);
    EXPECT_GT(Count(tx, "SELECT count(*) FROM latest_positions"), 0);
  });

  // Again: every day is found there, nothing is written twice.
  const std::string first = Fingerprint(pool);
  const auto again = SeedHistory(pool, Request(), progress);
  EXPECT_EQ(again.days_written, 0);
  EXPECT_EQ(again.days_skipped, 10);
  EXPECT_EQ(again.indexes_built, 0);  // a load smaller than what is there keeps its indexes
  EXPECT_EQ(Fingerprint(pool), first);

  // The same seed in another database: the same history.
  db::testing::ScratchDatabase other;
  LoadDemo(other.Url());
  db::PgPool other_pool({.url = other.Url(), .pool_size = 1});
  SeedHistory(other_pool, Request(), progress);
  EXPECT_EQ(Fingerprint(other_pool), first);

  // Written by three jobs at once (on two connections): the same rows, the same ids.
  db::testing::ScratchDatabase parallel;
  LoadDemo(parallel.Url());
  db::PgPool parallel_pool({.url = parallel.Url(), .pool_size = 2});
  auto request = Request();
  request.jobs = 3;
  const auto by_jobs = SeedHistory(parallel_pool, request, progress);
  EXPECT_EQ(by_jobs.cases, report.cases);
  EXPECT_EQ(by_jobs.events, report.events);
  EXPECT_EQ(by_jobs.days_written, 10);
  EXPECT_EQ(Fingerprint(parallel_pool), first);
  EXPECT_EQ(IdFingerprint(parallel_pool), IdFingerprint(other_pool));
}

// A load that stopped after dropping the indexes (here: after two days) leaves their definitions;
// the next run with the same arguments writes the days still missing and builds them.
TEST(SeedHistoryPgTest, AnIndexLeftToBuildByAStoppedLoadIsBuiltByTheNextRun) {
  db::testing::ScratchDatabase database;
  LoadDemo(database.Url());
  db::PgPool pool({.url = database.Url(), .pool_size = 2});
  const std::string indexes = Indexes(pool);
  std::ostringstream progress;
  auto first_days = Request();
  first_days.until = cases::CivilDate{std::chrono::year(2026) / 11 / 10};
  first_days.days = 2;
  first_days.cases = 80;
  SeedHistory(pool, first_days, progress);
  pool.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec(
        "INSERT INTO history_deferred_indexes (name, definition) "
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND indexname IN ('cases_agent_list', 'case_events_unassign')");
    tx.exec("DROP INDEX cases_agent_list");
    tx.exec("DROP INDEX case_events_unassign");
  });
  ASSERT_NE(Indexes(pool), indexes);

  // Fewer cases than there are now: still the stopped load's indexes are built.
  auto rest = Request();
  rest.cases = 40;
  const auto report = SeedHistory(pool, rest, progress);
  EXPECT_GT(report.days_written, 0);
  EXPECT_EQ(report.indexes_built, 2);
  EXPECT_NE(progress.str().find("still to build"), std::string::npos);
  EXPECT_EQ(Indexes(pool), indexes);
  pool.Read([&](pqxx::transaction_base& tx) {
    EXPECT_EQ(Count(tx, "SELECT count(*) FROM history_deferred_indexes"), 0);
  });
}

// The statistics on a generated history: the report read through the roll-up (clean days
// summed, the running cases and the other days raw) is byte for byte the report computed over
// every case read one by one, for each group and scope, whether every day, some or none is
// rolled up, and after the history moves on.
TEST(SeedHistoryPgTest, TheStatisticsRollUpGivesTheRawFiguresByteForByte) {
  db::testing::ScratchDatabase database;
  LoadDemo(database.Url());
  db::PgPool pool({.url = database.Url(), .pool_size = 2});
  std::ostringstream progress;
  SeedHistory(pool, Request(), progress);
  kernel::ManualClock clock(kNow);
  catalogue::PgCalendarStore calendar_store(pool);
  catalogue::CalendarService calendar(calendar_store, clock, cases::OfficeHours{});
  supervision::PgStatsStore store(pool);
  supervision::StatsService stats(store, calendar, clock);
  using supervision::StatsGroup;
  using supervision::SupervisionScope;
  const std::vector<SupervisionScope> scopes = {
      SupervisionScope::Everything(), {.region_code = "370102"}, {.department_code = "JN-GA"}};
  auto expect_exact = [&](const std::string& when) {
    for (const auto& scope : scopes) {
      for (auto group : {StatsGroup::kDepartments, StatsGroup::kRegions, StatsGroup::kAgents}) {
        const auto report = stats.Report(group, scope, "2026-11-01", "2026-11-30");
        const auto raw = supervision::ComputeStats(
            group, report.period, store.Cohort(scope, report.period.Start(), report.period.End()),
            *calendar.Current(), kNow);
        const auto what = when + " " + supervision::ToWord(group) + " " + scope.region_code +
                          scope.department_code;
        EXPECT_GT(raw.totals.received, 0) << what;
        // The CSV is every figure of the table; the workbook is rendered from the same report
        // (its table and the counts by class and mode), with the time it was made inside, so
        // two renderings are not compared byte for byte.
        EXPECT_EQ(supervision::RenderStatsCsv(report), supervision::RenderStatsCsv(raw)) << what;
        EXPECT_EQ(report.by_class, raw.by_class) << what;
        EXPECT_EQ(report.by_mode, raw.by_mode) << what;
      }
    }
  };
  auto count = [&](const std::string& sql) {
    long long n = 0;
    pool.Read([&](pqxx::transaction_base& tx) { n = Count(tx, sql); });
    return n;
  };
  expect_exact("nothing rolled up");
  EXPECT_EQ(stats.RollUp(2, 2), 4u);  // four days summed, the rest still raw
  expect_exact("four days rolled up");
  stats.RollUp();
  EXPECT_EQ(count("SELECT count(*) FROM stats_dirty"), 0);
  EXPECT_GT(count("SELECT count(*) FROM stats_rollup"), 0);
  expect_exact("every day rolled up");
  // The history moves on: cases finish, are rated and reopened after their roll-up.
  pool.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec(R"sql(
UPDATE cases SET state = 'result_ready', result_ready_at = now()
 WHERE id IN (SELECT id FROM cases WHERE state = 'in_progress' ORDER BY id LIMIT 5);
UPDATE cases SET state = 'in_progress', result_ready_at = NULL
 WHERE id IN (SELECT id FROM cases WHERE state = 'closed' ORDER BY id LIMIT 5);
INSERT INTO ratings (case_id, score, comment, created_at)
SELECT id, 1 + id % 5, '', now() FROM cases
 WHERE result_ready_at IS NOT NULL AND id NOT IN (SELECT case_id FROM ratings)
 ORDER BY id LIMIT 5;
)sql");
  });
  expect_exact("changed since the roll-up");
  stats.RollUp();
  expect_exact("rolled up again");
}

TEST(SeedHistoryPgTest, BadArgumentsAreRefusedBeforeAnythingIsWritten) {
  db::testing::ScratchDatabase database;
  LoadDemo(database.Url());
  const kernel::Env env(
      [url = database.Url()](const std::string& name) -> std::optional<std::string> {
        if (name == "DAIBAN_PG_URL") return url;
        return std::nullopt;
      });
  std::ostringstream out, err;
  EXPECT_EQ(RunDaibanctl({"seed-history", "--days", "10"}, out, err, env), 2);
  EXPECT_EQ(RunDaibanctl({"seed-history", "--cases", "-5", "--days", "10"}, out, err, env), 2);
  EXPECT_EQ(RunDaibanctl({"seed-history", "--cases", "5", "--days", "0"}, out, err, env), 2);
  EXPECT_EQ(RunDaibanctl({"seed-history", "--cases", "5", "--days", "3", "--until", "soon"}, out,
                         err, env),
            2);
  EXPECT_EQ(RunDaibanctl({"seed-history", "--cases", "5", "--days", "3", "--colour", "red"}, out,
                         err, env),
            2);
  EXPECT_EQ(
      RunDaibanctl({"seed-history", "--cases", "5", "--days", "3", "--jobs", "0"}, out, err, env),
      2);
  db::PgPool pool({.url = database.Url(), .pool_size = 1});
  pool.Read(
      [&](pqxx::transaction_base& tx) { EXPECT_EQ(Count(tx, "SELECT count(*) FROM cases"), 0); });
}

}  // namespace
}  // namespace daiban::cli
