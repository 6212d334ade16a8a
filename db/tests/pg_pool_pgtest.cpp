#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "daiban/db/pg_pool.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/metrics.hpp"
#include "scratch_database.hpp"

namespace daiban::db {
namespace {

using kernel::DependencyUnavailable;
using testing::ScratchDatabase;

TEST(PgPoolPgTest, CommitsAndRollsBack) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  pool.Transact([](pqxx::dbtransaction& tx) { tx.exec("CREATE TABLE t (v int)"); });
  pool.Transact([](pqxx::dbtransaction& tx) { tx.exec("INSERT INTO t VALUES (1)"); });
  EXPECT_THROW(pool.Transact([](pqxx::dbtransaction& tx) {
    tx.exec("INSERT INTO t VALUES (2)");
    throw std::runtime_error("business rule says no");
  }),
               std::runtime_error);
  pool.Read([](pqxx::transaction_base& tx) {
    EXPECT_EQ(tx.exec("SELECT count(*) FROM t")[0][0].as<int>(), 1);
  });
}

TEST(PgPoolPgTest, SqlBugsPropagateAsTheyAre) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 1});
  EXPECT_THROW(pool.Read([](pqxx::transaction_base& tx) { tx.exec("SELEC 1"); }),
               pqxx::syntax_error);
  // The connection stays usable afterwards.
  EXPECT_NO_THROW(pool.Ping());
}

TEST(PgPoolPgTest, StatementTimeoutIsUnavailable) {
  ScratchDatabase database;
  PgPool pool(
      {.url = database.Url(), .pool_size = 1, .statement_timeout = std::chrono::milliseconds(200)});
  EXPECT_THROW(pool.Read([](pqxx::transaction_base& tx) { tx.exec("SELECT pg_sleep(5)"); }),
               DependencyUnavailable);
  EXPECT_NO_THROW(pool.Ping());
}

// A transaction PostgreSQL rolled back as a deadlock victim or a serialization failure is the
// environment's failure, not a bug: it runs again, and when it keeps failing it is unavailable
// (503) and the pool serves on.
TEST(PgPoolPgTest, DeadlocksAndSerializationFailuresRunAgainThenAreUnavailable) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 1});
  for (const char* sqlstate : {"40P01", "40001"}) {
    SCOPED_TRACE(sqlstate);
    int runs = 0;
    EXPECT_THROW(pool.Transact([&](pqxx::dbtransaction& tx) {
      ++runs;
      tx.exec(std::string("DO $$ BEGIN RAISE EXCEPTION 'rolled back' USING ERRCODE = '") +
              sqlstate + "'; END $$");
    }),
                 DependencyUnavailable);
    EXPECT_EQ(runs, 1 + PgPool::kRollbackRetries);
    EXPECT_NO_THROW(pool.Ping());
  }
}

// Two writers locking the same two rows in opposite orders: PostgreSQL picks one as the
// deadlock victim and rolls it back; it runs again once the other has committed, so both
// writes land and neither caller sees an error.
TEST(PgPoolPgTest, ADeadlockVictimRunsAgainAndBothWritesLand) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  pool.Transact([](pqxx::dbtransaction& tx) {
    tx.exec("CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)");
    tx.exec("INSERT INTO t VALUES (1, 0), (2, 0)");
  });
  // Each writer's first run waits, holding its first row, until the other holds its own.
  std::promise<void> first_locked, second_locked;
  auto first_ready = first_locked.get_future().share();
  auto second_ready = second_locked.get_future().share();
  std::atomic<int> runs{0};
  auto writer = [&](int mine, int theirs, std::promise<void>& locked,
                    std::shared_future<void> other) {
    bool first_run = true;
    pool.Transact([&](pqxx::dbtransaction& tx) {
      ++runs;
      tx.exec_params("UPDATE t SET v = v + 1 WHERE id = $1", mine);
      if (first_run) {
        first_run = false;
        locked.set_value();
        other.wait();
      }
      tx.exec_params("UPDATE t SET v = v + 1 WHERE id = $1", theirs);
    });
  };
  auto a = std::async(std::launch::async, writer, 1, 2, std::ref(first_locked), second_ready);
  auto b = std::async(std::launch::async, writer, 2, 1, std::ref(second_locked), first_ready);
  EXPECT_NO_THROW(a.get());
  EXPECT_NO_THROW(b.get());
  EXPECT_EQ(runs.load(), 3);  // the victim ran twice
  pool.Read([](pqxx::transaction_base& tx) {
    EXPECT_EQ(tx.exec("SELECT sum(v) FROM t")[0][0].as<int>(), 4);
  });
  // The retry is counted where an operator looks.
  std::string out;
  kernel::Metrics::Writer metrics(&out);
  pool.ReportTo(metrics);
  EXPECT_NE(out.find("daiban_pg_rollback_retries_total 1\n"), std::string::npos) << out;
}

TEST(PgPoolPgTest, SessionsRunWithoutJitAndLetPostgresCacheTheirPlans) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 1});
  std::string jit, plans;
  pool.Read([&](pqxx::transaction_base& tx) {
    jit = tx.exec1("SHOW jit")[0].as<std::string>();
    plans = tx.exec1("SHOW plan_cache_mode")[0].as<std::string>();
  });
  EXPECT_EQ(jit, "off");
  EXPECT_EQ(plans, "auto");
}

TEST(PgPoolPgTest, UnreachableServerIsUnavailable) {
  PgPool pool({.url = "postgresql://nobody@127.0.0.1:1/none", .pool_size = 1});
  EXPECT_THROW(pool.Ping(), DependencyUnavailable);
}

TEST(PgPoolPgTest, RecoversWhenItsConnectionsAreKilled) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  pool.Ping();
  // What a server restart does to pooled connections: the server side goes away.
  pqxx::connection admin(database.Url());
  pqxx::nontransaction(admin).exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  EXPECT_NO_THROW(pool.Ping());
  EXPECT_NO_THROW(pool.Transact([](pqxx::dbtransaction& tx) { tx.exec("SELECT 1"); }));
}

// What a switchover does to a pooled connection: the server it reached is a standby now, and
// a write there fails with SQLSTATE 25006 (read_only_sql_transaction) before anything is done.
// Here one pooled connection is made read-only (as a demoted server's sessions are); the pool
// drops it and runs the transaction again, once, on a fresh connection, which writes.
TEST(PgPoolPgTest, AWriteRefusedAsReadOnlyRunsOnceMoreOnAFreshConnection) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 1});
  pool.Transact([](pqxx::dbtransaction& tx) { tx.exec("CREATE TABLE t (v int)"); });
  // A session setting survives the transaction that set it: this connection is read-only now.
  pool.Transact(
      [](pqxx::dbtransaction& tx) { tx.exec("SET SESSION default_transaction_read_only = on"); });
  int runs = 0;
  std::vector<bool> read_only;
  pool.Transact([&](pqxx::dbtransaction& tx) {
    ++runs;
    read_only.push_back(tx.exec("SHOW transaction_read_only")[0][0].as<std::string>() == "on");
    tx.exec("INSERT INTO t VALUES (1)");
  });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(read_only, (std::vector<bool>{true, false}));
  pool.Read([](pqxx::transaction_base& tx) {
    EXPECT_EQ(tx.exec("SELECT count(*) FROM t")[0][0].as<int>(), 1);
  });
  std::string out;
  kernel::Metrics::Writer writer(&out);
  pool.ReportTo(writer);
  EXPECT_NE(out.find("daiban_pg_connections_broken_total 1"), std::string::npos) << out;
}

// A server that stays read-only (no primary found yet) is not retried forever: the second
// refusal is the environment's failure (503 to a client), and nothing was written.
TEST(PgPoolPgTest, AWriteStillRefusedAsReadOnlyIsUnavailable) {
  ScratchDatabase database;
  pqxx::connection admin(database.Url());
  const std::string name = admin.quote_name(admin.dbname());
  pqxx::nontransaction(admin).exec("CREATE TABLE t (v int)");
  // Every connection opened from now on is read-only, as on a standby.
  pqxx::nontransaction(admin).exec("ALTER DATABASE " + name +
                                   " SET default_transaction_read_only = on");
  PgPool pool({.url = database.Url(), .pool_size = 1});
  int runs = 0;
  EXPECT_THROW(pool.Transact([&](pqxx::dbtransaction& tx) {
    ++runs;
    tx.exec("INSERT INTO t VALUES (1)");
  }),
               DependencyUnavailable);
  EXPECT_EQ(runs, 2);
  pqxx::nontransaction(admin).exec("ALTER DATABASE " + name +
                                   " RESET default_transaction_read_only");
  EXPECT_EQ(pqxx::nontransaction(admin).exec("SELECT count(*) FROM t")[0][0].as<int>(), 0);
}

TEST(PgPoolPgTest, ExhaustedPoolIsUnavailableAfterTheAcquireTimeout) {
  ScratchDatabase database;
  PgPool pool(
      {.url = database.Url(), .pool_size = 1, .acquire_timeout = std::chrono::milliseconds(100)});
  std::promise<void> holding;
  std::promise<void> release;
  std::thread holder([&] {
    pool.Read([&](pqxx::transaction_base&) {
      holding.set_value();
      release.get_future().wait();
    });
  });
  holding.get_future().wait();
  EXPECT_THROW(pool.Ping(), DependencyUnavailable);
  release.set_value();
  holder.join();
  EXPECT_NO_THROW(pool.Ping());
}

TEST(PgPoolPgTest, ReportsMetrics) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 3});
  pool.Ping();
  std::string out;
  kernel::Metrics::Writer writer(&out);
  pool.ReportTo(writer);
  EXPECT_NE(out.find("daiban_pg_pool_size 3"), std::string::npos);
  EXPECT_NE(out.find("daiban_pg_pool_idle 1"), std::string::npos);
}

}  // namespace
}  // namespace daiban::db
