// Leader election over a real PostgreSQL: one of several workers runs the task, another takes
// over when the leader stops, and a leader whose connection breaks steps down and comes back.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <pqxx/pqxx>
#include <thread>

#include "daiban/runtime/elected_worker.hpp"
#include "scratch_database.hpp"

namespace daiban::runtime {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kKey = 0x0DA1BA0000000001;

// Polls `condition` until it holds or `limit` passes: the workers run on their own threads,
// so the tests wait for outcomes rather than for durations.
bool Eventually(const std::function<bool()>& condition, std::chrono::seconds limit = 15s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

class ElectedWorkerPgTest : public ::testing::Test {
 protected:
  std::unique_ptr<ElectedWorker> MakeWorker(const std::string& name, std::atomic<int>& runs,
                                            std::int64_t key = kKey) {
    return std::make_unique<ElectedWorker>(
        name, key, database_.Url(), 50ms, [&runs] { ++runs; }, logger_);
  }

  db::testing::ScratchDatabase database_;
  kernel::SystemClock clock_;
  kernel::Logger logger_{"test", kernel::LogLevel::kError, clock_};
};

TEST_F(ElectedWorkerPgTest, ExactlyOneOfTwoRunsTheTask) {
  std::atomic<int> runs_a{0};
  std::atomic<int> runs_b{0};
  auto a = MakeWorker("a", runs_a);
  auto b = MakeWorker("b", runs_b);
  a->Start();
  b->Start();
  ASSERT_TRUE(Eventually([&] { return runs_a + runs_b >= 5; }));
  // Both have had many ticks by now; the loser never ran the task.
  EXPECT_NE(a->IsLeader(), b->IsLeader());
  EXPECT_TRUE(runs_a == 0 || runs_b == 0);
  EXPECT_EQ(a->IsLeader() ? a->Runs() : b->Runs(),
            static_cast<std::uint64_t>(a->IsLeader() ? runs_a.load() : runs_b.load()));
  EXPECT_EQ(a->IsLeader() ? b->Runs() : a->Runs(), 0u);
}

TEST_F(ElectedWorkerPgTest, AnotherTakesOverWhenTheLeaderStops) {
  std::atomic<int> runs_a{0};
  std::atomic<int> runs_b{0};
  auto a = MakeWorker("a", runs_a);
  auto b = MakeWorker("b", runs_b);
  a->Start();
  b->Start();
  ASSERT_TRUE(Eventually([&] { return a->IsLeader() || b->IsLeader(); }));
  ElectedWorker& leader = a->IsLeader() ? *a : *b;
  ElectedWorker& follower = a->IsLeader() ? *b : *a;
  std::atomic<int>& follower_runs = a->IsLeader() ? runs_b : runs_a;
  EXPECT_EQ(follower_runs, 0);

  leader.Stop();
  EXPECT_FALSE(leader.IsLeader());
  ASSERT_TRUE(Eventually([&] { return follower.IsLeader() && follower_runs >= 2; }));
}

TEST_F(ElectedWorkerPgTest, WorkersWithOtherKeysDoNotCompete) {
  std::atomic<int> runs_a{0};
  std::atomic<int> runs_b{0};
  auto a = MakeWorker("a", runs_a, kKey);
  auto b = MakeWorker("b", runs_b, -kKey);  // negative keys split into pg_locks' halves too
  a->Start();
  b->Start();
  ASSERT_TRUE(Eventually([&] { return runs_a >= 3 && runs_b >= 3; }));
  EXPECT_TRUE(a->IsLeader());
  EXPECT_TRUE(b->IsLeader());
}

TEST_F(ElectedWorkerPgTest, ABrokenConnectionDropsLeadershipUntilTheLockIsFreeAgain) {
  std::atomic<int> runs{0};
  auto worker = MakeWorker("broken-leader", runs, -kKey);
  worker->Start();
  ASSERT_TRUE(Eventually([&] { return worker->IsLeader(); }));

  // Kill the worker's session (as a server restart would) and take the lock while the worker
  // is away; when it is back it must find the lock taken and step down.
  pqxx::connection rival(database_.Url());
  pqxx::nontransaction tx(rival);
  // Killing again until the rival holds the lock: the worker may reconnect in between.
  ASSERT_TRUE(Eventually([&] {
    tx.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'daiban-worker-broken-leader'");
    return tx.exec_params("SELECT pg_try_advisory_lock($1::bigint)", -kKey)[0][0].as<bool>();
  }));
  ASSERT_TRUE(Eventually([&] { return !worker->IsLeader(); }));
  worker->Wake();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(worker->IsLeader());
  int runs_while_away = runs;

  tx.exec_params("SELECT pg_advisory_unlock($1::bigint)", -kKey);
  ASSERT_TRUE(Eventually([&] { return worker->IsLeader() && runs > runs_while_away; }));
}

}  // namespace
}  // namespace daiban::runtime
