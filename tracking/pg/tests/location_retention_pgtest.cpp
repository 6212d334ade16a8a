// Location retention against real PostgreSQL: `locations` partitioned by the day the server
// received a fix, old days dropped whole with a short retention, the coming days' partitions
// made ahead, fixes that fell into the default partition moved to their day, each user's newest
// position kept in `latest_positions`, and the migration that moved an existing history over.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daiban/db/migrator.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/tracking/pg/location_retention.hpp"
#include "scratch_database.hpp"

namespace daiban::tracking {
namespace {

using std::chrono::seconds;

// 2031-03-01 10:00 China Standard Time: years after the partitions the migration made for the
// day it ran, so they are all past the retention here, whenever the test runs.
const kernel::Instant kNow{seconds(1930096800)};

std::vector<std::string> Partitions(pqxx::transaction_base& tx) {
  std::vector<std::string> names;
  for (const auto& row :
       tx.exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
               "WHERE i.inhparent = 'locations'::regclass ORDER BY c.relname")) {
    names.push_back(row[0].as<std::string>());
  }
  return names;
}

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class LocationRetentionPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.Migrate();
    pg_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    pg_->Transact([&](pqxx::dbtransaction& tx) {
      user_ = tx.exec1(
                    "INSERT INTO users (role, name, phone, password_hash) "
                    "VALUES ('courier', '测试寄递', '13700000009', 'x') RETURNING id")[0]
                  .as<long long>();
    });
  }

  // One fix a day, received at 09:00 China time `days_ago` days before kNow's day.
  void InsertFixReceivedDaysAgo(int days_ago) {
    pg_->Transact([&](pqxx::dbtransaction& tx) {
      tx.exec_params(
          "INSERT INTO locations (user_id, lat, lng, device_time, received_at) "
          "VALUES ($1, 36.65, 117.05, to_timestamp($2) - make_interval(days => $3) - interval "
          "'1 hour', to_timestamp($2) - make_interval(days => $3) - interval '1 hour')",
          user_, std::chrono::duration_cast<seconds>(kNow.time_since_epoch()).count(), days_ago);
    });
  }

  long long Count(const std::string& sql) {
    long long count = 0;
    pg_->Read([&](pqxx::transaction_base& tx) { count = tx.exec(sql)[0][0].as<long long>(); });
    return count;
  }

  std::vector<std::string> PartitionNames() {
    std::vector<std::string> names;
    pg_->Read([&](pqxx::transaction_base& tx) { names = Partitions(tx); });
    return names;
  }

  db::testing::ScratchDatabase database_;
  std::unique_ptr<db::PgPool> pg_;
  long long user_ = 0;
};

TEST_F(LocationRetentionPgTest, ShortRetentionDropsWholeOldDaysAndMakesTheComingOnes) {
  // Ten days of history: every day before the partitions exist lands in the default partition.
  for (int days_ago = 0; days_ago < 10; ++days_ago) InsertFixReceivedDaysAgo(days_ago);
  EXPECT_EQ(Count("SELECT count(*) FROM locations"), 10);
  EXPECT_GT(Count("SELECT count(*) FROM locations_default"), 0);

  kernel::ManualClock clock(kNow);
  LocationRetention retention(*pg_, clock, {.retention_days = 3, .ahead_days = 2});
  const auto first = retention.RunOnce();

  // Kept: days 0..3 ago (a fix is kept at least three days); the older six are gone with their
  // partitions, and nothing stays in the default partition.
  EXPECT_EQ(Count("SELECT count(*) FROM locations"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM locations_default"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM locations WHERE received_at < "
                  "'2031-02-26 00:00+08'"),
            0);
  const auto names = PartitionNames();
  EXPECT_TRUE(Has(names, "locations_p20310226"));  // three days before 2031-03-01: kept
  EXPECT_FALSE(Has(names, "locations_p20310225"));
  EXPECT_FALSE(Has(names, "locations_p20310220"));
  EXPECT_TRUE(Has(names, "locations_p20310301"));  // today
  EXPECT_TRUE(Has(names, "locations_p20310303"));  // two days ahead
  EXPECT_TRUE(Has(names, "locations_default"));
  EXPECT_GE(first.dropped, 6);

  // Each kept day's fix sits in its own day's partition.
  EXPECT_EQ(Count("SELECT count(*) FROM locations_p20310228"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM locations_p20310226"), 1);

  // A second run the same day changes nothing.
  const auto again = retention.RunOnce();
  EXPECT_EQ(again.created, 0);
  EXPECT_EQ(again.dropped, 0);

  // A day later the oldest kept day goes, and one more day is made ahead.
  clock.Advance(std::chrono::hours(24));
  const auto next_day = retention.RunOnce();
  EXPECT_EQ(next_day.dropped, 1);
  EXPECT_EQ(next_day.created, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM locations"), 3);
  const auto later = PartitionNames();
  EXPECT_FALSE(Has(later, "locations_p20310226"));
  EXPECT_TRUE(Has(later, "locations_p20310304"));
}

TEST_F(LocationRetentionPgTest, RetentionLeavesTheNewestPositionAlone) {
  pg_->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO latest_positions (user_id, lat, lng, device_time, received_at) "
        "VALUES ($1, 36.6, 117.1, '2031-01-01 09:00+08', '2031-01-01 09:00+08')",
        user_);
  });
  InsertFixReceivedDaysAgo(30);
  kernel::ManualClock clock(kNow);
  LocationRetention(*pg_, clock, {.retention_days = 1, .ahead_days = 1}).RunOnce();
  EXPECT_EQ(Count("SELECT count(*) FROM locations"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM latest_positions"), 1);
}

TEST_F(LocationRetentionPgTest, NonsenseSettingsAreRefusedBeforeAnythingChanges) {
  kernel::ManualClock clock(kNow);
  const auto before = PartitionNames();
  EXPECT_THROW(LocationRetention(*pg_, clock, {.retention_days = 0, .ahead_days = 1}).RunOnce(),
               std::exception);
  EXPECT_EQ(PartitionNames(), before);
}

TEST_F(LocationRetentionPgTest, SettingsComeFromTheEnvironmentWithinBounds) {
  const kernel::Env defaults([](const std::string&) { return std::nullopt; });
  EXPECT_EQ(ReadLocationRetentionOptions(defaults).retention_days, 90);
  EXPECT_EQ(ReadLocationRetentionOptions(defaults).ahead_days, 7);
  const kernel::Env short_one([](const std::string& name) -> std::optional<std::string> {
    if (name == "DAIBAN_LOCATION_RETENTION_DAYS") return "2";
    return std::nullopt;
  });
  EXPECT_EQ(ReadLocationRetentionOptions(short_one).retention_days, 2);
  const kernel::Env zero([](const std::string& name) -> std::optional<std::string> {
    if (name == "DAIBAN_LOCATION_RETENTION_DAYS") return "0";
    return std::nullopt;
  });
  EXPECT_THROW(ReadLocationRetentionOptions(zero), std::exception);
}

// The migration that partitioned the table moved an existing history: every fix in its day's
// partition with its id, and each user's newest plausible fix in latest_positions.
TEST(LocationPartitionMigrationPgTest, MovesExistingFixesAndTheNewestPosition) {
  db::testing::ScratchDatabase database;
  db::PgPool pool({.url = database.Url(), .pool_size = 1});
  std::vector<db::Migration> before;
  std::vector<db::Migration> all = db::BuiltInMigrations();
  for (const auto& migration : all) {
    if (migration.version < 15) before.push_back(migration);
  }
  db::Migrator(pool, before).Apply();
  long long user = 0;
  pool.Transact([&](pqxx::dbtransaction& tx) {
    user = tx.exec1(
                 "INSERT INTO users (role, name, phone, password_hash) "
                 "VALUES ('agent', '测试代办', '13700000008', 'x') RETURNING id")[0]
               .as<long long>();
    tx.exec_params(
        "INSERT INTO locations (user_id, lat, lng, device_time, received_at, flagged) VALUES "
        "($1, 36.60, 117.00, '2026-11-30 08:00+08', '2026-11-30 08:00+08', ''), "
        "($1, 36.61, 117.01, '2026-12-01 08:00+08', '2026-12-01 08:01+08', ''), "
        "($1, 39.90, 116.40, '2026-12-01 08:05+08', '2026-12-01 08:05+08', 'too_fast')",
        user);
  });
  db::Migrator(pool, all).Apply();
  pool.Read([&](pqxx::transaction_base& tx) {
    EXPECT_EQ(tx.exec("SELECT count(*) FROM locations")[0][0].as<int>(), 3);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM locations_p20261130")[0][0].as<int>(), 1);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM locations_p20261201")[0][0].as<int>(), 2);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM locations_default")[0][0].as<int>(), 0);
    EXPECT_EQ(tx.exec("SELECT max(id) FROM locations")[0][0].as<int>(), 3);
    const auto latest = tx.exec_params1(
        "SELECT lat, extract(epoch FROM device_time)::bigint FROM latest_positions "
        "WHERE user_id = $1",
        user);
    EXPECT_DOUBLE_EQ(latest[0].as<double>(), 36.61);  // the flagged jump never becomes it
    EXPECT_TRUE(Has(Partitions(tx), "locations_default"));
  });
  // New fixes keep numbering after the moved ones.
  pool.Transact([&](pqxx::dbtransaction& tx) {
    const auto id = tx.exec_params1(
        "INSERT INTO locations (user_id, lat, lng, device_time, received_at) "
        "VALUES ($1, 36.62, 117.02, now(), now()) RETURNING id",
        user)[0];
    EXPECT_EQ(id.as<int>(), 4);
  });
}

}  // namespace
}  // namespace daiban::tracking
