#pragma once

#include <pqxx/pqxx>
#include <string>

#include "daiban/db/migrator.hpp"
#include "daiban/kernel/clock.hpp"
#include "raw_http.hpp"

namespace daiban::db::testing {

// A database of its own for one test, created in the test cluster that `make test` starts
// (DAIBAN_TEST_PG_URL names its maintenance database) and dropped afterwards.
class ScratchDatabase {
 public:
  ScratchDatabase() {
    admin_url_ = daiban::testing::RequiredEnv("DAIBAN_TEST_PG_URL");
    kernel::RandomIdGenerator ids;
    name_ = "scratch_" + ids.HexId(6);
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + name_);
  }
  ~ScratchDatabase() {
    try {
      pqxx::connection admin(admin_url_);
      pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  // The same server and credentials, this database.
  std::string Url() const {
    auto slash = admin_url_.rfind('/');
    auto query = admin_url_.find('?', slash);
    return admin_url_.substr(0, slash + 1) + name_ +
           (query == std::string::npos ? "" : admin_url_.substr(query));
  }
  const std::string& Name() const { return name_; }
  // Brings the database to this build's schema.
  void Migrate() const {
    db::PgPool pool({.url = Url(), .pool_size = 1});
    db::Migrator(pool, db::BuiltInMigrations()).Apply();
  }

 private:
  std::string admin_url_;
  std::string name_;
};

}  // namespace daiban::db::testing
