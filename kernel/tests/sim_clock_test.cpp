#include "daiban/kernel/sim_clock.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "daiban/kernel/config.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {
namespace {

using namespace std::chrono_literals;

Env FakeEnv(std::map<std::string, std::string> values) {
  return Env([values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

// A clock file of this test alone, removed afterwards.
class SimClockTest : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_ = ::testing::TempDir() + "daiban-sim-clock-" + std::to_string(getpid());
  Instant start_ = Instant(std::chrono::seconds(1772409600));  // 2026-03-02 08:00 China time
};

TEST_F(SimClockTest, AStoppedClockStaysWhereItWasSet) {
  auto control = SimulatedClockControl::Create(path_, start_, 0);
  EXPECT_EQ(control->Now(), start_);
  std::this_thread::sleep_for(2ms);
  EXPECT_EQ(control->Now(), start_);
}

TEST_F(SimClockTest, EveryProcessReadsTheSameTimeFromTheFile) {
  auto control = SimulatedClockControl::Create(path_, start_, 0);
  auto reader = SimulatedClock::Open(path_);
  control->Jump(start_ + 3h);
  EXPECT_EQ(reader->Now(), start_ + 3h);
  EXPECT_EQ(control->Now(), start_ + 3h);
}

TEST_F(SimClockTest, ARunningClockMovesAtItsSpeed) {
  // Taken before the clock starts, so the real time around both reads bounds all the simulated
  // time since its start, however long the machine kept this thread waiting in between.
  const auto real_before = std::chrono::system_clock::now();
  auto control = SimulatedClockControl::Create(path_, start_, 1000);
  auto reader = SimulatedClock::Open(path_);
  const Instant first = reader->Now();
  std::this_thread::sleep_for(5ms);
  const Instant second = reader->Now();
  const auto real_elapsed = std::chrono::system_clock::now() - real_before;
  EXPECT_GE(first, start_);
  // At least 5 ms of real time passed between the reads: at least 5 s of simulated time, and
  // never more than a thousand times the real time around both reads.
  EXPECT_GE(second - first, 5s);
  EXPECT_LE(second - start_, real_elapsed * 1000 + 1s);
}

TEST_F(SimClockTest, ChangingTheSpeedDoesNotMoveTime) {
  auto control = SimulatedClockControl::Create(path_, start_, 0);
  control->Jump(start_ + 1h);
  control->SetSpeed(60);
  EXPECT_DOUBLE_EQ(control->Speed(), 60);
  EXPECT_GE(control->Now(), start_ + 1h);
  control->SetSpeed(0);
  const Instant stopped = control->Now();
  EXPECT_EQ(control->Now(), stopped);
}

TEST_F(SimClockTest, JumpsOnlyGoForward) {
  auto control = SimulatedClockControl::Create(path_, start_, 0);
  control->Jump(start_ + 14h);  // a night skipped
  EXPECT_THROW(control->Jump(start_ + 1h), std::invalid_argument);
  EXPECT_THROW(control->Jump(start_ + 14h), std::invalid_argument);
  EXPECT_EQ(control->Now(), start_ + 14h);
  EXPECT_THROW(control->SetSpeed(-1), std::invalid_argument);
}

TEST_F(SimClockTest, ReadersNeverSeeTimeGoBackWhileAWriterJumps) {
  auto control = SimulatedClockControl::Create(path_, start_, 100);
  auto reader = SimulatedClock::Open(path_);
  std::atomic<bool> done{false};
  std::atomic<int> backwards{0};
  std::thread watcher([&] {
    Instant last = reader->Now();
    while (!done) {
      Instant now = reader->Now();
      if (now < last) ++backwards;
      last = now;
    }
  });
  for (int i = 1; i <= 2000; ++i) {
    if (i % 2 == 0) {
      control->Jump(control->Now() + 1min);
    } else {
      control->SetSpeed(i % 4 == 1 ? 1000 : 100);
    }
  }
  done = true;
  watcher.join();
  EXPECT_EQ(backwards.load(), 0);
}

TEST_F(SimClockTest, AFileThatIsNotAClockIsRefused) {
  EXPECT_THROW(SimulatedClock::Open(path_), ConfigError);  // missing
  std::ofstream(path_) << std::string(64, 'x');
  EXPECT_THROW(SimulatedClock::Open(path_), ConfigError);
}

TEST_F(SimClockTest, TheSystemClockUnlessASimulatedOneIsAllowedExplicitly) {
  EXPECT_FALSE(LoadClockSettings(FakeEnv({})).simulated);
  EXPECT_FALSE(LoadClockSettings(FakeEnv({{"DAIBAN_CLOCK", "system"}})).simulated);
  // Without the explicit permission a simulated clock stops the service at start.
  EXPECT_THROW(
      LoadClockSettings(FakeEnv({{"DAIBAN_CLOCK", "simulated"}, {"DAIBAN_CLOCK_FILE", path_}})),
      ConfigError);
  EXPECT_THROW(LoadClockSettings(FakeEnv({{"DAIBAN_CLOCK", "simulated"},
                                          {"DAIBAN_CLOCK_FILE", path_},
                                          {"DAIBAN_ALLOW_SIMULATED_CLOCK", "no"}})),
               ConfigError);
  EXPECT_THROW(LoadClockSettings(FakeEnv({{"DAIBAN_CLOCK", "fake"}})), ConfigError);
  EXPECT_THROW(LoadClockSettings(FakeEnv(
                   {{"DAIBAN_CLOCK", "simulated"}, {"DAIBAN_ALLOW_SIMULATED_CLOCK", "yes"}})),
               ConfigError);  // no file named

  auto settings = LoadClockSettings(FakeEnv({{"DAIBAN_CLOCK", "simulated"},
                                             {"DAIBAN_CLOCK_FILE", path_},
                                             {"DAIBAN_ALLOW_SIMULATED_CLOCK", "yes"}}));
  EXPECT_TRUE(settings.simulated);
  EXPECT_THROW(MakeClock(settings), ConfigError);  // the file does not exist yet
  SimulatedClockControl::Create(path_, start_, 0);
  EXPECT_EQ(MakeClock(settings)->Now(), start_);
  auto system = MakeClock(ClockSettings{});
  EXPECT_LT(std::chrono::abs(system->Now() - std::chrono::system_clock::now()), 1min);
}

}  // namespace
}  // namespace daiban::kernel
