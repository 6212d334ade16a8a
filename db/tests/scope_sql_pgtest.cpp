// The region rule's two SQL forms against PostgreSQL: RegionWithin (walks the ancestor's
// subtree) and RegionWithinRowAncestor (walks up from the region) give the same answer for
// every pair of a small tree, codes outside the tree included.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daiban/db/pg_pool.hpp"
#include "daiban/db/scope_sql.hpp"
#include "scratch_database.hpp"

namespace daiban::db {
namespace {

class ScopeSqlPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.Migrate();
    pg_.Transact([](pqxx::dbtransaction& tx) {
      tx.exec(
          "INSERT INTO regions (code, name, level, parent_code) VALUES "
          "('C', 'city', 'city', NULL), ('D1', 'one', 'district', 'C'), "
          "('D2', 'two', 'district', 'C'), ('S11', 'street', 'street', 'D1'), "
          "('S12', 'street', 'street', 'D1'), ('S21', 'street', 'street', 'D2')");
    });
  }

  bool Ask(const std::string& condition, const std::string& region, const std::string& ancestor) {
    bool answer = false;
    pg_.Read([&](pqxx::transaction_base& tx) {
      // The ancestor comes from a row, as in the stores; the region is a parameter.
      answer = tx.exec_params("SELECT " + condition + " FROM (SELECT $2::text AS ancestor) row",
                              region, ancestor)[0][0]
                   .as<bool>();
    });
    return answer;
  }

  testing::ScratchDatabase database_;
  PgPool pg_{{.url = database_.Url(), .pool_size = 2}};
};

TEST_F(ScopeSqlPgTest, BothFormsOfTheRegionRuleAgree) {
  const std::vector<std::string> codes = {"C", "D1", "D2", "S11", "S12", "S21", "X"};
  int within = 0;
  for (const auto& region : codes) {
    for (const auto& ancestor : codes) {
      const bool down = Ask(RegionWithin("$1", "row.ancestor"), region, ancestor);
      const bool up = Ask(RegionWithinRowAncestor("$1", "row.ancestor"), region, ancestor);
      EXPECT_EQ(down, up) << region << " within " << ancestor;
      within += down;
    }
  }
  // Each code within itself (7, the unknown X too), the city over the 5 below it, each
  // district over its streets (2 + 1).
  EXPECT_EQ(within, 7 + 5 + 3);
  EXPECT_TRUE(Ask(RegionWithinRowAncestor("$1", "row.ancestor"), "S11", "C"));
  EXPECT_FALSE(Ask(RegionWithinRowAncestor("$1", "row.ancestor"), "S11", "D2"));
}

}  // namespace
}  // namespace daiban::db
