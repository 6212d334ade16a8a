#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "daiban/db/migrator.hpp"
#include "scratch_database.hpp"

namespace daiban::db {
namespace {

using testing::ScratchDatabase;

std::vector<Migration> TwoSteps() {
  return {{1, "create_a", "CREATE TABLE a (id int PRIMARY KEY);"},
          {2, "create_b", "CREATE TABLE b (id int REFERENCES a(id));"}};
}

TEST(MigratorPgTest, AppliesInOrderAndIsSafeToRerun) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  Migrator migrator(pool, TwoSteps());
  EXPECT_EQ(migrator.Status().database_version, 0);
  auto first = migrator.Apply();
  EXPECT_EQ(first.applied, (std::vector<int>{1, 2}));
  EXPECT_EQ(first.database_version, 2);
  auto again = migrator.Apply();
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.database_version, 2);
}

TEST(MigratorPgTest, AFailingMigrationLeavesNothingOfItself) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  std::vector<Migration> steps = TwoSteps();
  steps.push_back({3, "broken", "CREATE TABLE c (id int); SELECT no_such_function();"});
  Migrator migrator(pool, steps);
  EXPECT_ANY_THROW(migrator.Apply());
  EXPECT_EQ(migrator.Status().database_version, 2);
  pool.Read([](pqxx::transaction_base& tx) {
    EXPECT_FALSE(tx.exec("SELECT to_regclass('c') IS NOT NULL")[0][0].as<bool>());
  });
}

TEST(MigratorPgTest, RefusesADatabaseNewerThanTheCode) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  Migrator(pool, TwoSteps()).Apply();
  Migrator older(pool, {TwoSteps()[0]});
  try {
    older.Apply();
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("newer than this build"), std::string::npos);
  }
}

TEST(MigratorPgTest, RefusesAnEditedMigration) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  Migrator(pool, TwoSteps()).Apply();
  auto edited = TwoSteps();
  edited[0].sql = "CREATE TABLE a (id bigint PRIMARY KEY);";
  EXPECT_THROW(Migrator(pool, edited).Apply(), std::runtime_error);
}

TEST(MigratorPgTest, BuiltInMigrationsApplyToAnEmptyDatabase) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 2});
  const auto& built_in = BuiltInMigrations();
  ASSERT_FALSE(built_in.empty());
  auto report = Migrator(pool, built_in).Apply();
  EXPECT_EQ(report.database_version, built_in.back().version);
  EXPECT_EQ(report.applied.size(), built_in.size());
}

// The services' pool has a statement timeout; a migration's heavy statement (a backfill or an
// index build over millions of rows) may outlast it and must still apply.
TEST(MigratorPgTest, AStepLongerThanThePoolsStatementTimeoutApplies) {
  ScratchDatabase database;
  PgPool pool(
      {.url = database.Url(), .pool_size = 1, .statement_timeout = std::chrono::milliseconds(100)});
  std::vector<Migration> steps = TwoSteps();
  steps.push_back({3, "slow_backfill", "CREATE TABLE c (id int); SELECT pg_sleep(0.3);"});
  auto report = Migrator(pool, steps).Apply();
  EXPECT_EQ(report.database_version, 3);
  // The pool's own statements keep their timeout.
  EXPECT_ANY_THROW(pool.Read([](pqxx::transaction_base& tx) { tx.exec("SELECT pg_sleep(0.3)"); }));
}

TEST(MigratorPgTest, ConcurrentRunsApplyEachStepOnce) {
  ScratchDatabase database;
  PgPool pool({.url = database.Url(), .pool_size = 4});
  std::vector<std::thread> runs;
  std::atomic<int> applied{0};
  for (int i = 0; i < 3; ++i) {
    runs.emplace_back([&] {
      auto report = Migrator(pool, TwoSteps()).Apply();
      applied += static_cast<int>(report.applied.size());
    });
  }
  for (auto& run : runs) run.join();
  EXPECT_EQ(applied.load(), 2);
}

}  // namespace
}  // namespace daiban::db
