#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daiban/db/array_literal.hpp"
#include "daiban/db/pg_pool.hpp"
#include "scratch_database.hpp"

namespace daiban::db {
namespace {

// PostgreSQL reads every literal back as the elements it was built from.
class ArrayLiteralPgTest : public ::testing::Test {
 protected:
  testing::ScratchDatabase database_;
  PgPool pg_{{.url = database_.Url(), .pool_size = 1}};
};

TEST_F(ArrayLiteralPgTest, PostgreSQLReadsTheElementsBack) {
  const std::vector<std::string> texts{"a,b",  "{c}", R"(say "hi")", R"(back\slash)",
                                       "NULL", "",    "济南"};
  pg_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(
        "SELECT t, ord FROM unnest($1::text[]) WITH ORDINALITY AS u(t, ord) ORDER BY ord",
        ArrayOf(texts));
    ASSERT_EQ(rows.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      EXPECT_FALSE(rows[i][0].is_null()) << i;
      EXPECT_EQ(rows[i][0].as<std::string>(), texts[i]);
    }
    EXPECT_EQ(
        tx.exec_params("SELECT cardinality($1::bigint[])", ArrayLiteral().Text())[0][0].as<int>(),
        0);
    EXPECT_EQ(tx.exec_params("SELECT $1::bigint[] = ARRAY[1, -2, 9007199254740993]::bigint[]",
                             ArrayOf(std::vector<std::int64_t>{1, -2, 9007199254740993}))[0][0]
                  .as<bool>(),
              true);
    auto mixed = tx.exec_params(
        "SELECT ($1::float8[])[1], ($1::float8[])[2] IS NULL, ($2::boolean[])[2], "
        "($3::date[])[1]",
        ArrayLiteral().Add(36.661234567891).AddNull().Text(),
        ArrayLiteral().Add(false).Add(true).Text(),
        ArrayOf(std::vector<std::string>{"2026-10-10"}));
    EXPECT_DOUBLE_EQ(mixed[0][0].as<double>(), 36.661234567891);
    EXPECT_TRUE(mixed[0][1].as<bool>());
    EXPECT_TRUE(mixed[0][2].as<bool>());
    EXPECT_EQ(mixed[0][3].as<std::string>(), "2026-10-10");
  });
}

}  // namespace
}  // namespace daiban::db
