#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "daiban/db/outbox_relay.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/log.hpp"
#include "raw_http.hpp"
#include "redis_failover.hpp"
#include "scratch_database.hpp"

namespace daiban::db {
namespace {

using testing::ScratchDatabase;

RedisOptions TestRedis() {
  RedisOptions options;
  options.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
  options.pool_size = 2;
  return options;
}

std::map<std::string, std::string> FieldsOf(const RedisValue& entry) {
  std::map<std::string, std::string> fields;
  const auto& pairs = entry.elements.at(1).elements;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) fields[pairs[i].text] = pairs[i + 1].text;
  return fields;
}

class OutboxRelayPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.Migrate();
    kernel::RandomIdGenerator ids;
    // Streams of their own: the test Redis is shared with other tests.
    stream_ = "test:outbox:" + ids.HexId(6);
    other_stream_ = stream_ + ":other";
  }
  void TearDown() override { redis_.Command({"DEL", stream_, other_stream_}); }

  std::int64_t Insert(const std::string& stream, const std::string& aggregate,
                      const std::string& type, const std::string& payload) {
    std::int64_t id = 0;
    pg_.Transact([&](pqxx::dbtransaction& tx) {
      id = tx.exec_params(
                 "INSERT INTO outbox (stream, aggregate_id, event_type, payload) "
                 "VALUES ($1, $2, $3, $4::jsonb) RETURNING id",
                 stream, aggregate, type, payload)[0][0]
               .as<std::int64_t>();
    });
    return id;
  }
  int Unpublished() {
    int count = 0;
    pg_.Read([&](pqxx::transaction_base& tx) {
      count = tx.exec("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0].as<int>();
    });
    return count;
  }
  RedisValue Range(const std::string& stream) {
    return redis_.Command({"XRANGE", stream, "-", "+"});
  }

  ScratchDatabase database_;
  PgPool pg_{{.url = database_.Url(), .pool_size = 2}};
  RedisPool redis_{TestRedis()};
  kernel::ManualClock clock_{kernel::Instant{}};
  kernel::Logger logger_{"test", kernel::LogLevel::kError, clock_};
  std::string stream_;
  std::string other_stream_;
};

TEST_F(OutboxRelayPgTest, PublishesRowsInOrderAndMarksThem) {
  std::int64_t first = Insert(stream_, "370102-0001", "case.created", R"({"state": "受理"})");
  std::int64_t second = Insert(other_stream_, "D-1", "delivery.created", R"({"n": 1})");
  std::int64_t third = Insert(stream_, "370102-0001", "case.accepted", R"({"by": "agent 7"})");

  OutboxRelay relay(pg_, redis_, logger_);
  EXPECT_EQ(relay.RunOnce(), 3);
  EXPECT_EQ(Unpublished(), 0);

  auto entries = Range(stream_);
  ASSERT_EQ(entries.kind, RedisValue::Kind::kArray);
  ASSERT_EQ(entries.elements.size(), 2u);
  auto one = FieldsOf(entries.elements[0]);
  auto two = FieldsOf(entries.elements[1]);
  EXPECT_EQ(one["outbox_id"], std::to_string(first));
  EXPECT_EQ(one["type"], "case.created");
  EXPECT_EQ(one["aggregate"], "370102-0001");
  EXPECT_EQ(nlohmann::json::parse(one["payload"]), nlohmann::json::parse(R"({"state": "受理"})"));
  EXPECT_EQ(one["at"].size(), std::string("2024-05-01T08:30:00.123456Z").size());
  EXPECT_EQ(one["at"].back(), 'Z');
  EXPECT_EQ(two["outbox_id"], std::to_string(third));
  EXPECT_EQ(two["type"], "case.accepted");

  auto others = Range(other_stream_);
  ASSERT_EQ(others.elements.size(), 1u);
  EXPECT_EQ(FieldsOf(others.elements[0])["outbox_id"], std::to_string(second));

  // Nothing new: nothing sent again.
  EXPECT_EQ(relay.RunOnce(), 0);
  EXPECT_EQ(Range(stream_).elements.size(), 2u);
  EXPECT_EQ(Range(other_stream_).elements.size(), 1u);
}

TEST_F(OutboxRelayPgTest, PublishesInBatches) {
  for (int i = 0; i < 5; ++i) Insert(stream_, "a", "t", "{}");
  OutboxRelay relay(pg_, redis_, logger_, {.batch = 2});
  EXPECT_EQ(relay.RunOnce(), 2);
  EXPECT_EQ(relay.RunOnce(), 2);
  EXPECT_EQ(relay.RunOnce(), 1);
  EXPECT_EQ(relay.RunOnce(), 0);
  auto entries = Range(stream_);
  ASSERT_EQ(entries.elements.size(), 5u);
  std::int64_t previous = 0;
  for (const auto& entry : entries.elements) {
    std::int64_t id = std::stoll(FieldsOf(entry)["outbox_id"]);
    EXPECT_GT(id, previous);
    previous = id;
  }
}

TEST_F(OutboxRelayPgTest, UnreachableRedisLeavesRowsUnpublished) {
  Insert(stream_, "a", "t", "{}");
  Insert(stream_, "b", "t", "{}");
  RedisOptions dead;
  dead.port = 1;
  RedisPool dead_redis(dead);
  OutboxRelay broken(pg_, dead_redis, logger_);
  EXPECT_THROW(broken.RunOnce(), kernel::DependencyUnavailable);
  EXPECT_EQ(Unpublished(), 2);

  OutboxRelay relay(pg_, redis_, logger_);
  EXPECT_EQ(relay.RunOnce(), 2);
  EXPECT_EQ(Unpublished(), 0);
}

TEST_F(OutboxRelayPgTest, FailureMidBatchRollsBackAndResendsWithTheSameOutboxId) {
  std::int64_t first = Insert(stream_, "a", "t", "{}");
  Insert(other_stream_, "b", "t", "{}");
  // The second row's stream key holds a string: Redis refuses that XADD after the first went
  // out.
  redis_.Command({"SET", other_stream_, "not a stream"});
  OutboxRelay relay(pg_, redis_, logger_);
  EXPECT_THROW(relay.RunOnce(), std::runtime_error);
  EXPECT_EQ(Unpublished(), 2);
  EXPECT_EQ(Range(stream_).elements.size(), 1u);

  redis_.Command({"DEL", other_stream_});
  EXPECT_EQ(relay.RunOnce(), 2);
  EXPECT_EQ(Unpublished(), 0);
  // The first event is in its stream twice, told apart from new events by its outbox_id.
  auto entries = Range(stream_);
  ASSERT_EQ(entries.elements.size(), 2u);
  EXPECT_EQ(FieldsOf(entries.elements[0])["outbox_id"], std::to_string(first));
  EXPECT_EQ(FieldsOf(entries.elements[1])["outbox_id"], std::to_string(first));
  EXPECT_NE(entries.elements[0].elements[0].text, entries.elements[1].elements[0].text);
}

TEST_F(OutboxRelayPgTest, SkipsRowsAnotherRunHolds) {
  std::int64_t held = Insert(stream_, "a", "t", "{}");
  std::int64_t free = Insert(stream_, "b", "t", "{}");
  pqxx::connection other(database_.Url());
  pqxx::work lock(other);
  lock.exec_params("SELECT id FROM outbox WHERE id = $1 FOR UPDATE", held);

  OutboxRelay relay(pg_, redis_, logger_);
  EXPECT_EQ(relay.RunOnce(), 1);
  auto entries = Range(stream_);
  ASSERT_EQ(entries.elements.size(), 1u);
  EXPECT_EQ(FieldsOf(entries.elements[0])["outbox_id"], std::to_string(free));

  lock.abort();
  EXPECT_EQ(relay.RunOnce(), 1);
  EXPECT_EQ(Unpublished(), 0);
}

TEST_F(OutboxRelayPgTest, TrimsStreamsToAboutTheMaximumLength) {
  for (int i = 0; i < 300; ++i) Insert(stream_, "a", "t", "{}");
  OutboxRelay relay(pg_, redis_, logger_, {.max_stream_length = 10});
  EXPECT_EQ(relay.RunOnce(), 300);
  // "~" trims whole macro nodes (100 entries by default), so only roughly.
  EXPECT_LT(redis_.Command({"XLEN", stream_}).integer, 300);
}

// Redis replicates asynchronously, so entries the relay added to a primary just before it
// died can be missing on the promoted replica. When the relay's pool finds the primary at a new
// address, the events it published within the window are sent again to the new primary
// (consumers deduplicate on outbox_id). Here the failover is immediate (a test helper) and the
// loss is made certain by deleting the stream on the new primary before the relay runs.
TEST_F(OutboxRelayPgTest, EventsPublishedJustBeforeAPrimaryChangeAreSentAgain) {
  testing::ScratchRedisPair pair;
  RedisPool redis(pair.ClientOptions());
  OutboxRelay relay(pg_, redis, logger_,
                    {.batch = 100, .republish_window = std::chrono::seconds(60)});
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Insert(stream_, "DB" + std::to_string(i), "t", "{}"));
  EXPECT_EQ(relay.RunOnce(), 3);
  EXPECT_EQ(Unpublished(), 0);
  pair.SwitchPrimary();
  // Lost with the old primary: the promoted replica never got them.
  testing::ScratchRedisPair::Cli(pair.PrimaryPort(), "DEL " + stream_);
  ids.push_back(Insert(stream_, "DB3", "t", "{}"));
  // This run's write meets READONLY on the old primary and goes to the new one: the pool has
  // found another primary, which the next run acts on.
  EXPECT_EQ(relay.RunOnce(), 1);
  EXPECT_EQ(redis.PrimaryChanges(), 1u);
  EXPECT_EQ(relay.RunOnce(), 4);  // everything published within the window, again
  EXPECT_EQ(relay.RunOnce(), 0);  // and only once per primary change
  std::multiset<std::string> seen;
  for (const auto& entry : redis.Command({"XRANGE", stream_, "-", "+"}).elements) {
    seen.insert(FieldsOf(entry).at("outbox_id"));
  }
  for (auto id : ids) EXPECT_GE(seen.count(std::to_string(id)), 1u) << id;
  EXPECT_EQ(seen.count(std::to_string(ids.back())), 2u);  // a duplicate consumers drop
  std::string out;
  kernel::Metrics::Writer writer(&out);
  relay.ReportTo(writer);
  EXPECT_NE(out.find("daiban_outbox_republished_total 4"), std::string::npos) << out;
}

// Without a primary change nothing is sent twice.
TEST_F(OutboxRelayPgTest, NothingIsSentAgainWithoutAPrimaryChange) {
  OutboxRelay relay(pg_, redis_, logger_, {.batch = 100});
  Insert(stream_, "DB1", "t", "{}");
  EXPECT_EQ(relay.RunOnce(), 1);
  EXPECT_EQ(relay.RunOnce(), 0);
  EXPECT_EQ(Range(stream_).elements.size(), 1u);
}

TEST_F(OutboxRelayPgTest, ReportsMetrics) {
  Insert(stream_, "a", "t", "{}");
  OutboxRelay relay(pg_, redis_, logger_);
  relay.RunOnce();
  std::string out;
  kernel::Metrics::Writer writer(&out);
  relay.ReportTo(writer);
  EXPECT_NE(out.find("daiban_outbox_published_total 1"), std::string::npos);
}

}  // namespace
}  // namespace daiban::db
