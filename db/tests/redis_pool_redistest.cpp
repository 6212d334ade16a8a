#include <gtest/gtest.h>

#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/errors.hpp"
#include "raw_http.hpp"

namespace daiban::db {
namespace {

RedisOptions TestRedis() {
  RedisOptions options;
  options.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
  options.pool_size = 2;
  return options;
}

TEST(RedisPoolRedisTest, RunsCommands) {
  RedisPool pool(TestRedis());
  pool.Ping();
  EXPECT_EQ(pool.Command({"SET", "test:{t}:k", "营业执照"}).text, "OK");
  auto value = pool.Command({"GET", "test:{t}:k"});
  EXPECT_EQ(value.kind, RedisValue::Kind::kString);
  EXPECT_EQ(value.text, "营业执照");
  EXPECT_TRUE(pool.Command({"GET", "test:{t}:missing"}).IsNil());
  pool.Command({"DEL", "test:{t}:list"});
  pool.Command({"RPUSH", "test:{t}:list", "a", "b"});
  auto list = pool.Command({"LRANGE", "test:{t}:list", "0", "-1"});
  ASSERT_EQ(list.kind, RedisValue::Kind::kArray);
  EXPECT_EQ(list.elements.size(), 2u);
}

TEST(RedisPoolRedisTest, ErrorRepliesAreValuesNotExceptions) {
  RedisPool pool(TestRedis());
  auto reply = pool.Command({"NOSUCHCOMMAND"});
  EXPECT_EQ(reply.kind, RedisValue::Kind::kError);
}

TEST(RedisPoolRedisTest, ReconnectsAfterItsConnectionsAreKilled) {
  RedisPool pool(TestRedis());
  pool.Ping();
  // What a Redis restart does to pooled contexts.
  RedisPool admin(TestRedis());
  admin.Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"});
  EXPECT_NO_THROW(pool.Ping());
}

TEST(RedisPoolRedisTest, SelectsItsDatabase) {
  RedisOptions options = TestRedis();
  options.database = 5;
  RedisPool five(options);
  RedisPool zero(TestRedis());
  five.Command({"SET", "test:{db}:where", "five"});
  EXPECT_TRUE(zero.Command({"GET", "test:{db}:where"}).IsNil());
  EXPECT_EQ(five.Command({"GET", "test:{db}:where"}).text, "five");
  five.Command({"DEL", "test:{db}:where"});
}

TEST(RedisPoolRedisTest, UnreachableServerIsUnavailable) {
  RedisOptions options;
  options.port = 1;
  RedisPool pool(options);
  EXPECT_THROW(pool.Ping(), kernel::DependencyUnavailable);
}

}  // namespace
}  // namespace daiban::db
