#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "daiban/db/pg_pool.hpp"
#include "daiban/kernel/errors.hpp"
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
