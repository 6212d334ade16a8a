#include "daiban/kernel/work_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace daiban::kernel {
namespace {

TEST(WorkPoolTest, RunsSubmittedTasks) {
  WorkPool pool(2, 16);
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++done; }));
  pool.Stop();
  EXPECT_EQ(done.load(), 10);
}

TEST(WorkPoolTest, RefusesWhenTheQueueIsFull) {
  WorkPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();          // the only thread is busy
  EXPECT_TRUE(pool.TrySubmit([] {}));   // fills the queue
  EXPECT_FALSE(pool.TrySubmit([] {}));  // refused
  release.set_value();
  pool.Stop();
  EXPECT_FALSE(pool.TrySubmit([] {}));  // stopped
}

TEST(WorkPoolTest, SurvivesThrowingTasks) {
  WorkPool pool(1, 4);
  std::atomic<int> done{0};
  ASSERT_TRUE(pool.TrySubmit([] { throw std::runtime_error("boom"); }));
  ASSERT_TRUE(pool.TrySubmit([&] { ++done; }));
  pool.Stop();
  EXPECT_EQ(done.load(), 1);
}

TEST(WorkPoolTest, ReportsMetrics) {
  WorkPool pool(2, 8);
  std::string out;
  Metrics::Writer writer(&out);
  pool.ReportTo(writer, "http");
  EXPECT_NE(out.find("daiban_work_pool_threads{pool=\"http\"} 2"), std::string::npos);
}

}  // namespace
}  // namespace daiban::kernel
