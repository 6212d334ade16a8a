#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daiban/db/stream_consumer.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/log.hpp"
#include "raw_http.hpp"

namespace daiban::db {
namespace {

using namespace std::chrono_literals;

RedisOptions TestRedis() {
  RedisOptions options;
  options.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
  options.pool_size = 2;
  return options;
}

class StreamConsumerRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel::RandomIdGenerator ids;
    // A stream of its own: the test Redis is shared with other tests.
    stream_ = "test:events:" + ids.HexId(6);
  }
  void TearDown() override {
    redis_.Command({"DEL", stream_, stream_ + ":dead", stream_ + ":alive:group:busy",
                    stream_ + ":alive:group:other", stream_ + ":alive:group:alive"});
  }

  // An entry as OutboxRelay writes it.
  std::string Publish(std::int64_t outbox_id, const std::string& type = "case.created",
                      const std::string& payload = R"({"n": 1})") {
    return redis_
        .Command({"XADD", stream_, "*", "outbox_id", std::to_string(outbox_id), "type", type,
                  "aggregate", "370102-0001", "payload", payload, "at",
                  "2024-05-01T00:30:00.000000Z"})
        .text;
  }
  long long Pending() {
    auto summary = redis_.Command({"XPENDING", stream_, "group"});
    return summary.kind == RedisValue::Kind::kArray ? summary.elements.at(0).integer : -1;
  }
  long long Length(const std::string& key) { return redis_.Command({"XLEN", key}).integer; }

  StreamConsumer Consumer(const std::string& name, StreamConsumer::Handler handler,
                          StreamConsumer::Options options = {}) {
    return StreamConsumer(redis_, stream_, "group", name, std::move(handler), logger_, options);
  }

  RedisPool redis_{TestRedis()};
  kernel::ManualClock clock_{kernel::Instant{}};
  kernel::Logger logger_{"test", kernel::LogLevel::kError, clock_};
  std::string stream_;
};

TEST_F(StreamConsumerRedisTest, HandlesEachMessageOnceAndAcknowledgesIt) {
  std::vector<StreamMessage> seen;
  auto consumer = Consumer("c1", [&](const StreamMessage& m) { seen.push_back(m); });
  consumer.EnsureGroup();
  consumer.EnsureGroup();            // an existing group is fine
  EXPECT_EQ(consumer.RunOnce(), 0);  // nothing there: XREADGROUP answers nil

  std::string first = Publish(1, "case.created", R"({"state": "受理"})");
  Publish(2, "case.accepted");
  Publish(3, "case.closed");
  EXPECT_EQ(consumer.RunOnce(), 3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].id, first);
  EXPECT_EQ(seen[0].outbox_id, 1);
  EXPECT_EQ(seen[0].type, "case.created");
  EXPECT_EQ(seen[0].aggregate, "370102-0001");
  EXPECT_EQ(seen[0].payload["state"], "受理");
  EXPECT_EQ(seen[0].at, "2024-05-01T00:30:00.000000Z");
  EXPECT_EQ(seen[1].outbox_id, 2);
  EXPECT_EQ(seen[2].outbox_id, 3);
  EXPECT_EQ(Pending(), 0);

  EXPECT_EQ(consumer.RunOnce(), 0);
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(StreamConsumerRedisTest, ThrowingHandlersMessageIsRedeliveredNextRun) {
  std::vector<std::int64_t> handled;
  int attempts_of_two = 0;
  auto consumer = Consumer("c1", [&](const StreamMessage& m) {
    if (m.outbox_id == 2 && attempts_of_two++ == 0) throw std::runtime_error("transient");
    handled.push_back(m.outbox_id);
  });
  consumer.EnsureGroup();
  Publish(1);
  Publish(2);
  Publish(3);
  EXPECT_EQ(consumer.RunOnce(), 2);
  EXPECT_EQ(handled, (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(Pending(), 1);

  EXPECT_EQ(consumer.RunOnce(), 1);
  EXPECT_EQ(handled, (std::vector<std::int64_t>{1, 3, 2}));
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(Length(stream_ + ":dead"), 0);
}

TEST_F(StreamConsumerRedisTest, DeadLettersAMessageAfterMaxFailures) {
  auto consumer = Consumer("c1",
                           [&](const StreamMessage& m) {
                             if (m.outbox_id == 7) throw std::runtime_error("poison");
                           },
                           {.max_failures = 3});
  consumer.EnsureGroup();
  std::string poison = Publish(7);
  Publish(8);
  EXPECT_EQ(consumer.RunOnce(), 1);
  EXPECT_EQ(consumer.RunOnce(), 0);
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(Length(consumer.DeadLetterStream()), 0);
  EXPECT_EQ(consumer.RunOnce(), 0);  // the third failure
  EXPECT_EQ(Pending(), 0);

  auto dead = redis_.Command({"XRANGE", consumer.DeadLetterStream(), "-", "+"});
  ASSERT_EQ(dead.elements.size(), 1u);
  std::map<std::string, std::string> fields;
  const auto& pairs = dead.elements[0].elements[1].elements;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) fields[pairs[i].text] = pairs[i + 1].text;
  EXPECT_EQ(fields["outbox_id"], "7");
  EXPECT_EQ(fields["source_id"], poison);
  EXPECT_EQ(fields["group"], "group");
  EXPECT_EQ(fields["consumer"], "c1");
  EXPECT_EQ(fields["error"], "poison");
  EXPECT_EQ(consumer.RunOnce(), 0);
}

TEST_F(StreamConsumerRedisTest, MalformedMessagesAreDeadLetteredAtOnce) {
  int calls = 0;
  auto consumer = Consumer("c1", [&](const StreamMessage&) { ++calls; });
  consumer.EnsureGroup();
  Publish(1, "t", "not json");
  redis_.Command({"XADD", stream_, "*", "outbox_id", "x", "type", "t", "payload", "{}"});
  redis_.Command({"XADD", stream_, "*", "something", "else"});
  Publish(2);
  EXPECT_EQ(consumer.RunOnce(), 1);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(Length(consumer.DeadLetterStream()), 3);
}

TEST_F(StreamConsumerRedisTest, UnavailableDependencyStopsTheRunWithoutDeadLettering) {
  bool database_down = true;
  std::vector<std::int64_t> handled;
  auto consumer = Consumer("c1",
                           [&](const StreamMessage& m) {
                             if (database_down)
                               throw kernel::DependencyUnavailable("postgres", "down");
                             handled.push_back(m.outbox_id);
                           },
                           {.max_failures = 1});
  consumer.EnsureGroup();
  Publish(1);
  Publish(2);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THROW(consumer.RunOnce(), kernel::DependencyUnavailable);
  }
  EXPECT_EQ(Length(consumer.DeadLetterStream()), 0);
  database_down = false;
  EXPECT_EQ(consumer.RunOnce(), 2);
  EXPECT_EQ(handled, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(StreamConsumerRedisTest, AnotherConsumerClaimsTheMessagesOfADeadOne) {
  auto never = [](const StreamMessage&) { FAIL() << "the dead consumer handles nothing"; };
  auto dead = Consumer("dead", never);
  dead.EnsureGroup();
  Publish(1);
  Publish(2);
  // "dead" takes both and dies before acknowledging them.
  redis_.Command({"XREADGROUP", "GROUP", "group", "dead", "COUNT", "10", "STREAMS", stream_, ">"});
  EXPECT_EQ(Pending(), 2);

  std::set<std::int64_t> handled;
  auto alive = Consumer("alive", [&](const StreamMessage& m) { handled.insert(m.outbox_id); },
                        {.claim_idle = 50ms});
  for (int i = 0; i < 100 && handled.size() < 2; ++i) {
    alive.RunOnce();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(handled, (std::set<std::int64_t>{1, 2}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(StreamConsumerRedisTest, ARestartedConsumerHandlesWhatItHadReadFirst) {
  // The same name after a crash (an instance name, not a random one): its pending messages are
  // its own, read back at its first run without waiting out any claim time.
  auto before = Consumer("app-1:9102", [](const StreamMessage&) {});
  before.EnsureGroup();
  Publish(1);
  Publish(2);
  redis_.Command(
      {"XREADGROUP", "GROUP", "group", "app-1:9102", "COUNT", "10", "STREAMS", stream_, ">"});
  ASSERT_EQ(Pending(), 2);
  Publish(3);

  std::vector<std::int64_t> handled;
  auto after =
      Consumer("app-1:9102", [&](const StreamMessage& m) { handled.push_back(m.outbox_id); },
               {.claim_idle = std::chrono::hours(1)});
  EXPECT_EQ(after.RunOnce(), 3);
  EXPECT_EQ(handled, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(StreamConsumerRedisTest, ADeadConsumersMessagesAreTakenOverBeforeTheClaimTime) {
  auto never = [](const StreamMessage&) { FAIL() << "the dead consumer handles nothing"; };
  auto dead = Consumer("dead", never);
  dead.EnsureGroup();
  Publish(1);
  Publish(2);
  redis_.Command({"XREADGROUP", "GROUP", "group", "dead", "COUNT", "10", "STREAMS", stream_, ">"});
  ASSERT_EQ(Pending(), 2);

  // The claim time alone would wait an hour; the dead consumer's silence is what counts.
  std::set<std::int64_t> handled;
  auto alive = Consumer("alive", [&](const StreamMessage& m) { handled.insert(m.outbox_id); },
                        {.claim_idle = std::chrono::hours(1), .dead_consumer_idle = 100ms});
  for (int i = 0; i < 500 && handled.size() < 2; ++i) {
    alive.RunOnce();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(handled, (std::set<std::int64_t>{1, 2}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(StreamConsumerRedisTest, ALiveConsumersMessagesAreTakenOverOnlyOnceItsHeartbeatStops) {
  const StreamConsumer::Options options{.claim_idle = std::chrono::hours(1),
                                        .dead_consumer_idle = 3000ms};
  auto busy = Consumer(
      "busy", [](const StreamMessage&) {}, options);
  busy.EnsureGroup();
  Publish(1);
  // busy works on message 1 for a long time, beating all along.
  redis_.Command({"XREADGROUP", "GROUP", "group", "busy", "COUNT", "10", "STREAMS", stream_, ">"});
  std::set<std::int64_t> taken;
  auto other = Consumer(
      "other", [&](const StreamMessage& m) { taken.insert(m.outbox_id); }, options);
  for (int i = 0; i < 16; ++i) {  // the message stays unacknowledged for over 3 s
    busy.Heartbeat();
    other.RunOnce();
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_TRUE(taken.empty()) << "a live consumer's message was taken";
  EXPECT_EQ(Pending(), 1);
  // busy dies: its heartbeat expires and the message is taken over.
  for (int i = 0; i < 500 && taken.empty(); ++i) {
    other.RunOnce();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(taken, (std::set<std::int64_t>{1}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(StreamConsumerRedisTest, ABlockingReadReturnsAsSoonAsAMessageArrives) {
  std::vector<std::int64_t> handled;
  auto consumer = Consumer(
      "reader", [&](const StreamMessage& m) { handled.push_back(m.outbox_id); }, {.block = 500ms});
  consumer.EnsureGroup();
  EXPECT_EQ(consumer.RunOnce(), 0);  // nothing there: waited, came back empty
  std::thread publisher([this] {
    std::this_thread::sleep_for(50ms);
    RedisPool own(TestRedis());
    own.Command({"XADD", stream_, "*", "outbox_id", "7", "type", "case.created", "aggregate",
                 "370102-0001", "payload", "{}", "at", "2024-05-01T00:30:00.000000Z"});
  });
  int got = 0;
  for (int i = 0; i < 40 && got == 0; ++i) got = consumer.RunOnce();
  publisher.join();
  EXPECT_EQ(got, 1);
  EXPECT_EQ(handled, (std::vector<std::int64_t>{7}));
}

TEST_F(StreamConsumerRedisTest, AnIdempotentHandlerSkipsRedeliveries) {
  // What a handler writing PostgreSQL does with a processed-events table, in memory: the side
  // effect happens once per outbox_id however often the event arrives.
  std::set<std::int64_t> processed;
  int effects = 0;
  bool crash_before_ack = true;
  std::vector<std::int64_t> deliveries;
  auto consumer = Consumer("c1", [&](const StreamMessage& m) {
    deliveries.push_back(m.outbox_id);
    if (!processed.insert(m.outbox_id).second) return;  // seen: already done
    ++effects;
    if (crash_before_ack) {
      crash_before_ack = false;
      throw std::runtime_error("committed, then lost the acknowledgement");
    }
  });
  consumer.EnsureGroup();
  Publish(41);
  Publish(41);  // the relay sent it again after a failed batch: a new entry, the same outbox_id
  EXPECT_EQ(consumer.RunOnce(), 1);
  EXPECT_EQ(consumer.RunOnce(), 1);
  EXPECT_EQ(deliveries, (std::vector<std::int64_t>{41, 41, 41}));
  EXPECT_EQ(effects, 1);
  EXPECT_EQ(Pending(), 0);
}

TEST_F(StreamConsumerRedisTest, RecoversWhenTheStreamVanishes) {
  std::vector<std::int64_t> handled;
  auto consumer = Consumer("c1", [&](const StreamMessage& m) { handled.push_back(m.outbox_id); });
  // Without EnsureGroup: the first run finds no group and creates it.
  Publish(1);
  EXPECT_EQ(consumer.RunOnce(), 1);

  // What a flushed Redis does to this stream (FLUSHALL would disturb other tests).
  redis_.Command({"DEL", stream_});
  EXPECT_EQ(consumer.RunOnce(), 0);
  Publish(2);
  EXPECT_EQ(consumer.RunOnce(), 1);
  EXPECT_EQ(handled, (std::vector<std::int64_t>{1, 2}));
}

TEST_F(StreamConsumerRedisTest, AcknowledgesPendingMessagesThatWereTrimmed) {
  auto consumer = Consumer("c1", [](const StreamMessage& m) {
    if (m.outbox_id == 1) throw std::runtime_error("later");
  });
  consumer.EnsureGroup();
  std::string first = Publish(1);
  EXPECT_EQ(consumer.RunOnce(), 0);
  EXPECT_EQ(Pending(), 1);
  redis_.Command({"XDEL", stream_, first});
  EXPECT_EQ(consumer.RunOnce(), 0);
  EXPECT_EQ(Pending(), 0);
}

TEST_F(StreamConsumerRedisTest, UnreachableRedisIsUnavailable) {
  RedisOptions options;
  options.port = 1;
  RedisPool dead(options);
  StreamConsumer consumer(
      dead, stream_, "group", "c1", [](const StreamMessage&) {}, logger_);
  EXPECT_THROW(consumer.RunOnce(), kernel::DependencyUnavailable);
}

TEST_F(StreamConsumerRedisTest, ReportsMetrics) {
  auto consumer = Consumer("c1", [](const StreamMessage&) {});
  consumer.EnsureGroup();
  Publish(1);
  consumer.RunOnce();
  std::string out;
  kernel::Metrics::Writer writer(&out);
  consumer.ReportTo(writer);
  EXPECT_NE(out.find("daiban_stream_messages_handled_total{stream=\"" + stream_ +
                     "\",group=\"group\",consumer=\"c1\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace daiban::db
