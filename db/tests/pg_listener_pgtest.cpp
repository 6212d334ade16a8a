#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "daiban/db/outbox_relay.hpp"
#include "daiban/db/pg_listener.hpp"
#include "daiban/kernel/log.hpp"
#include "raw_http.hpp"
#include "scratch_database.hpp"

namespace daiban::db {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDatabase;

// What the listener heard, waited on with a generous deadline (never a timed assertion: a slow
// machine only makes the test slower).
class Heard {
 public:
  void Add(const std::string& payload) {
    {
      std::lock_guard lock(mutex_);
      payloads_.push_back(payload);
    }
    changed_.notify_all();
  }
  // Waits until `payload` was heard (up to 30 s); whether it was.
  bool WaitFor(const std::string& payload) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] {
      for (const auto& p : payloads_) {
        if (p == payload) return true;
      }
      return false;
    });
  }
  std::size_t Count(const std::string& payload) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count(payloads_.begin(), payloads_.end(), payload));
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> payloads_;
};

class PgListenerPgTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.Migrate(); }

  // Waits until the listener is listening and has announced it (the empty payload).
  void StartListening(PgListener& listener, Heard& heard) {
    listener.Start();
    ASSERT_TRUE(heard.WaitFor(""));
  }
  void InsertEvents(int count, bool commit) {
    pqxx::connection connection(database_.Url());
    pqxx::work tx(connection);
    for (int i = 0; i < count; ++i) {
      tx.exec(
          "INSERT INTO outbox (stream, aggregate_id, event_type, payload) "
          "VALUES ('test:listener', 'A-1', 'case.created', '{}')");
    }
    if (commit) tx.commit();
  }

  ScratchDatabase database_;
  kernel::ManualClock clock_{kernel::Instant{}};
  kernel::Logger logger_{"test", kernel::LogLevel::kError, clock_};
};

TEST_F(PgListenerPgTest, HearsANotificationWhenTheSendingTransactionCommits) {
  Heard heard;
  PgListener listener(
      database_.Url(), "test_channel", [&](const std::string& payload) { heard.Add(payload); },
      logger_);
  StartListening(listener, heard);
  {
    pqxx::connection connection(database_.Url());
    pqxx::work tx(connection);
    tx.exec("SELECT pg_notify('test_channel', 'rolled back')");
    // no commit: a rolled-back transaction notifies nobody
  }
  {
    pqxx::connection connection(database_.Url());
    pqxx::work tx(connection);
    tx.exec("SELECT pg_notify('test_channel', 'committed')");
    tx.commit();
  }
  EXPECT_TRUE(heard.WaitFor("committed"));
  EXPECT_EQ(heard.Count("rolled back"), 0u);
}

TEST_F(PgListenerPgTest, TheOutboxTriggerNotifiesOncePerCommittedTransaction) {
  Heard heard;
  PgListener listener(
      database_.Url(), kOutboxChannel, [&](const std::string& payload) { heard.Add(payload); },
      logger_);
  StartListening(listener, heard);  // the listener's own announcement is an empty payload too
  const std::size_t before = heard.Count("");
  InsertEvents(3, /*commit=*/false);
  InsertEvents(3, /*commit=*/true);
  // The committed transaction's three inserts fold into one notification; the rolled-back one
  // sends none. A second committed transaction, heard after the first, bounds the wait.
  {
    pqxx::connection connection(database_.Url());
    pqxx::work tx(connection);
    tx.exec("SELECT pg_notify('daiban_outbox', 'marker')");
    tx.commit();
  }
  ASSERT_TRUE(heard.WaitFor("marker"));
  EXPECT_EQ(heard.Count("") - before, 1u);
}

TEST_F(PgListenerPgTest, StopsPromptlyAndCanBeStoppedTwice) {
  Heard heard;
  PgListener listener(
      database_.Url(), "test_channel", [&](const std::string& payload) { heard.Add(payload); },
      logger_);
  StartListening(listener, heard);
  EXPECT_TRUE(listener.Listening());
  listener.Stop();
  listener.Stop();
  EXPECT_FALSE(listener.Listening());
}

TEST_F(PgListenerPgTest, KeepsTryingWhileTheDatabaseIsUnreachableAndStopsCleanly) {
  Heard heard;
  // Nothing listens on port 1: the listener retries in the background, never throws.
  PgListener listener(
      "postgresql://daiban@127.0.0.1:1/none", "test_channel",
      [&](const std::string& payload) { heard.Add(payload); }, logger_);
  listener.Start();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(listener.Listening());
  listener.Stop();
  EXPECT_EQ(heard.Count(""), 0u);
}

}  // namespace
}  // namespace daiban::db
