#pragma once

#include <string>
#include <vector>

#include "daiban/db/pg_pool.hpp"

namespace daiban::db {

// One versioned schema change: db/migrations/NNNN_name.sql, compiled into the binaries so a
// deployed daibanctl always carries the migrations of its own build.
struct Migration {
  int version;
  std::string name;
  std::string sql;
  std::string Checksum() const;  // of the SQL text; detects a file edited after it was applied
};

// The migrations of this build, in version order.
const std::vector<Migration>& BuiltInMigrations();

struct MigrationReport {
  std::vector<int> applied;  // by this run
  int database_version = 0;  // after this run
  int code_version = 0;      // the newest this build knows
};

// Applies pending migrations in order, each in its own transaction together with its row in
// schema_migrations, under an advisory lock so concurrent runs serialise. Safe to re-run.
// Refuses (std::runtime_error) a database newer than the code and a migration whose recorded
// checksum differs from the file's.
class Migrator {
 public:
  Migrator(PgPool& pool, std::vector<Migration> migrations);
  MigrationReport Apply();
  MigrationReport Status();

 private:
  PgPool& pool_;
  std::vector<Migration> migrations_;
};

}  // namespace daiban::db
