#include "daiban/db/migrator.hpp"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <stdexcept>

namespace daiban::db {

namespace {

// Any constant shared by every process that migrates this database.
constexpr long long kMigrationLockKey = 0x6461696261'6e31LL;  // "daiban1"

constexpr const char* kCreateLedger = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

// FNV-1a, 64 bit: enough to notice an edited file, not a security measure.
std::string Fnv1a(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

std::map<int, std::string> AppliedChecksums(pqxx::transaction_base& tx) {
  std::map<int, std::string> applied;
  for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migrations")) {
    applied[row[0].as<int>()] = row[1].as<std::string>();
  }
  return applied;
}

}  // namespace

std::string Migration::Checksum() const { return Fnv1a(sql); }

Migrator::Migrator(PgPool& pool, std::vector<Migration> migrations)
    : pool_(pool), migrations_(std::move(migrations)) {
  std::sort(migrations_.begin(), migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
}

MigrationReport Migrator::Apply() {
  MigrationReport report;
  report.code_version = migrations_.empty() ? 0 : migrations_.back().version;
  const std::string lock =
      "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")";
  // Each migration commits in its own transaction with its ledger row. The advisory lock is
  // transaction-scoped, so a concurrent migrate waits and then finds the step done.
  for (const auto& migration : migrations_) {
    bool applied_now = false;
    pool_.Transact([&](pqxx::dbtransaction& tx) {
      applied_now = false;  // a retried attempt starts over
      tx.exec(lock);
      tx.exec(kCreateLedger);
      auto applied = AppliedChecksums(tx);
      int newest = applied.empty() ? 0 : applied.rbegin()->first;
      if (newest > report.code_version) {
        throw std::runtime_error("the database is at schema version " + std::to_string(newest) +
                                 ", newer than this build (" + std::to_string(report.code_version) +
                                 "): refusing to run older code against it");
      }
      auto found = applied.find(migration.version);
      if (found != applied.end()) {
        if (found->second != migration.Checksum()) {
          throw std::runtime_error("migration " + std::to_string(migration.version) + " (" +
                                   migration.name +
                                   ") was changed after it was applied: add a new migration "
                                   "instead of editing an applied one");
        }
        return;
      }
      // A migration is a one-off step under the advisory lock, not a request: at millions of
      // cases a backfill or an index build (0024's marks of every case's day, 0025's index of
      // every delivery) takes longer than the pool's statement timeout (5 s, sized for the
      // services), which would roll the step back and stop the upgrade. Its statements run
      // without one; a wait for a lock keeps that bound, so a step stuck behind live traffic
      // fails instead of stalling every request queued behind its lock.
      tx.exec("SELECT set_config('lock_timeout', current_setting('statement_timeout'), true)");
      tx.exec("SET LOCAL statement_timeout = 0");
      tx.exec(migration.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                     migration.version, migration.name, migration.Checksum());
      applied_now = true;
    });
    if (applied_now) report.applied.push_back(migration.version);
  }
  report.database_version = Status().database_version;
  if (report.database_version > report.code_version) {
    throw std::runtime_error("the database is at schema version " +
                             std::to_string(report.database_version) + ", newer than this build (" +
                             std::to_string(report.code_version) +
                             "): refusing to run older code against it");
  }
  return report;
}

MigrationReport Migrator::Status() {
  MigrationReport report;
  report.code_version = migrations_.empty() ? 0 : migrations_.back().version;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto exists = tx.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists[0][0].as<bool>()) return;
    auto row = tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
    report.database_version = row[0][0].as<int>();
  });
  return report;
}

}  // namespace daiban::db
