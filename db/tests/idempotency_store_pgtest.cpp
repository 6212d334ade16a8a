#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <stdexcept>

#include "daiban/db/idempotency_store.hpp"
#include "scratch_database.hpp"

namespace daiban::db {
namespace {

class IdempotencyStorePgTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.Migrate(); }

  testing::ScratchDatabase database_;
  PgPool pg_{{.url = database_.Url(), .pool_size = 2}};
  IdempotencyStore store_{pg_};
};

TEST_F(IdempotencyStorePgTest, KeepsTheFirstAnswerPerScopeAndKey) {
  pg_.Transact([](pqxx::dbtransaction& tx) {
    Tx handle(tx);
    IdempotencyStore::Keep(handle, {"user:7", "k1", "hash-a", 200, R"({"state":"in_progress"})"});
  });
  auto found = store_.Find("user:7", "k1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->request_hash, "hash-a");
  EXPECT_EQ(found->status, 200);
  EXPECT_EQ(found->body, R"({"state":"in_progress"})");  // the same bytes again
  // Keys are scoped: another caller's same key is another key.
  EXPECT_FALSE(store_.Find("user:8", "k1"));
  pg_.Transact([](pqxx::dbtransaction& tx) {
    IdempotencyStore::Keep(tx, {"user:8", "k1", "hash-b", 201, "{}"});
  });
  EXPECT_EQ(store_.Find("user:8", "k1")->request_hash, "hash-b");
}

TEST_F(IdempotencyStorePgTest, ASecondKeepOfTheKeyThrowsAndRollsItsChangeBack) {
  pg_.Transact([](pqxx::dbtransaction& tx) {
    IdempotencyStore::Keep(tx, {"user:7", "k1", "hash-a", 200, "{}"});
  });
  EXPECT_THROW(pg_.Transact([](pqxx::dbtransaction& tx) {
    tx.exec(
        "INSERT INTO outbox (stream, aggregate_id, event_type, payload) "
        "VALUES ('s', 'a', 't', '{}')");
    IdempotencyStore::Keep(tx, {"user:7", "k1", "hash-b", 200, "{}"});
  }),
               kernel::IdempotencyKeyTaken);
  EXPECT_EQ(store_.Find("user:7", "k1")->request_hash, "hash-a");
  pg_.Read([](pqxx::transaction_base& tx) {
    EXPECT_EQ(tx.exec("SELECT count(*) FROM outbox")[0][0].as<int>(), 0);
  });
}

}  // namespace
}  // namespace daiban::db
