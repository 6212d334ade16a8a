#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/errors.hpp"
#include "raw_http.hpp"
#include "redis_failover.hpp"

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

TEST(RedisPoolRedisTest, ParsesSentinelLists) {
  auto sentinels = ParseSentinels("10.0.0.11:26379,sentinel-b:26380");
  ASSERT_EQ(sentinels.size(), 2u);
  EXPECT_EQ(sentinels[0].first, "10.0.0.11");
  EXPECT_EQ(sentinels[0].second, 26379);
  EXPECT_EQ(sentinels[1].first, "sentinel-b");
  EXPECT_TRUE(ParseSentinels("").empty());
  for (const char* bad : {"host", ":26379", "host:", "host:0", "host:70000", "host:26379,",
                          "host:2637x", "host:1234567"}) {
    EXPECT_THROW(ParseSentinels(bad), std::invalid_argument) << bad;
  }
}

// A real Sentinel (redis-sentinel, as in the HA stack) watching the test Redis, on the test
// Redis port + 1000: the pool asks it for the primary and finds the test Redis.
TEST(RedisPoolRedisTest, FindsThePrimaryThroughSentinel) {
  const std::uint16_t redis_port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
  const std::uint16_t sentinel_port = static_cast<std::uint16_t>(redis_port + 1000);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("daiban-sentinel-test-" + std::to_string(sentinel_port));
  std::filesystem::create_directories(dir);
  const auto conf = testing::WriteSentinelConf(dir, sentinel_port, "daiban-test", redis_port);
  ASSERT_EQ(std::system(("redis-sentinel " + conf.string()).c_str()), 0);
  auto stop = [&] {
    int stopped = std::system(
        ("redis-cli -p " + std::to_string(sentinel_port) + " shutdown nosave >/dev/null 2>&1")
            .c_str());
    (void)stopped;  // it may have stopped already; the folder goes either way
    std::filesystem::remove_all(dir);
  };
  RedisOptions options;
  options.port = 1;  // unused with Sentinels: a wrong value proves it
  options.sentinels = {{"127.0.0.1", 1}, {"127.0.0.1", sentinel_port}};  // the first is down
  options.master_name = "daiban-test";
  RedisPool pool(options);
  bool found = false;
  for (int i = 0; i < 50 && !found; ++i) {
    try {
      pool.Ping();
      found = true;
    } catch (const kernel::DependencyUnavailable&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the Sentinel starting
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(pool.Command({"SET", "test:{sentinel}:k", "v"}).text, "OK");
  EXPECT_EQ(pool.PrimaryChanges(), 0u);  // the first primary found is no change
  pool.Command({"DEL", "test:{sentinel}:k"});

  options.master_name = "no-such-primary";
  RedisPool unknown(options);
  EXPECT_THROW(unknown.Ping(), kernel::DependencyUnavailable);
  stop();
}

// A failover seen from a client still connected to the old primary: its next write is refused
// with READONLY (nothing applied), the pool drops its connections, asks the Sentinel for the
// new primary and runs the command there, once; the new address counts as a primary change.
TEST(RedisPoolRedisTest, AWriteRefusedReadOnlyRunsOnTheNewPrimary) {
  testing::ScratchRedisPair pair;
  RedisPool pool(pair.ClientOptions());
  EXPECT_EQ(pool.Command({"SET", "k", "before"}).text, "OK");
  const auto old_primary = pair.PrimaryPort();
  EXPECT_EQ(pool.PrimaryChanges(), 0u);
  pair.SwitchPrimary();
  // The pooled connection still reaches the old primary, a replica now.
  EXPECT_NE(testing::ScratchRedisPair::Cli(old_primary, "SET k direct").find("READONLY"),
            std::string::npos);
  EXPECT_EQ(pool.Command({"SET", "k", "after"}).text, "OK");
  EXPECT_EQ(pool.PrimaryChanges(), 1u);
  EXPECT_EQ(testing::ScratchRedisPair::Cli(pair.PrimaryPort(), "GET k"), "after\n");
  EXPECT_EQ(pool.Command({"GET", "k"}).text, "after");
}

}  // namespace
}  // namespace daiban::db
