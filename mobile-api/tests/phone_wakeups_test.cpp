#include "daiban/mobile/phone_wakeups.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace daiban::mobile {
namespace {

using std::chrono::milliseconds;
using Outcome = PhoneWakeups::Outcome;

// A wall clock the test moves by hand; tokens are its milliseconds.
struct ManualWall {
  std::atomic<std::int64_t> ms{1'000'000};
  PhoneWakeups::WallClock Clock() {
    return [this] { return std::chrono::system_clock::time_point(milliseconds(ms.load())); };
  }
};

// What a reply received, if it came.
struct Answer {
  std::optional<Outcome> outcome;
  int calls = 0;
  PhoneWakeups::Reply Reply() {
    return [this](Outcome o) {
      outcome = o;
      ++calls;
    };
  }
};

constexpr milliseconds kLong{60000};

TEST(PhoneWakeupsTest, AWaitWithoutATokenIsAnsweredAtOnceWithOne) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  Answer answer;
  wakeups.Wait(7, std::nullopt, kLong, answer.Reply());
  ASSERT_TRUE(answer.outcome);
  EXPECT_TRUE(answer.outcome->changed);
  EXPECT_EQ(answer.outcome->since, 1'000'000);
  EXPECT_EQ(wakeups.Waiting(), 0u);
}

TEST(PhoneWakeupsTest, AWaitIsHeldUntilAChangeOfItsUserAndAnsweredWithTheNewToken) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  Answer mine;
  Answer other;
  wakeups.Wait(7, 1'000'000, kLong, mine.Reply());
  wakeups.Wait(8, 1'000'000, kLong, other.Reply());
  EXPECT_FALSE(mine.outcome);
  EXPECT_EQ(wakeups.Waiting(), 2u);

  wall.ms = 1'000'500;
  wakeups.Notify("offer:7:1000490");
  ASSERT_TRUE(mine.outcome);
  EXPECT_TRUE(mine.outcome->changed);
  EXPECT_EQ(mine.outcome->since, 1'000'500);
  EXPECT_FALSE(other.outcome) << "a change of another user wakes nobody else";
  EXPECT_EQ(wakeups.Waiting(), 1u);
}

TEST(PhoneWakeupsTest, AChangeBetweenTheAnswerAndTheNextWaitIsNotMissed) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  Answer first;
  wakeups.Wait(7, std::nullopt, kLong, first.Reply());
  const std::int64_t token = first.outcome->since;

  // The phone reads its offers; meanwhile an offer commits, before it waits again.
  wall.ms += 200;
  wakeups.Notify("offer:7:1000150");
  Answer second;
  wakeups.Wait(7, token, kLong, second.Reply());
  ASSERT_TRUE(second.outcome) << "answered at once";
  EXPECT_TRUE(second.outcome->changed);
  EXPECT_GT(second.outcome->since, token);

  // With the new token nothing is new: the wait is held.
  Answer third;
  wakeups.Wait(7, second.outcome->since, kLong, third.Reply());
  EXPECT_FALSE(third.outcome);
}

const std::vector<std::string> kEverything{"offer", "case", "delivery"};

TEST(PhoneWakeupsTest, AnAnswerSaysWhatChangedSoThePhoneReadsOnlyThat) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  Answer first;
  wakeups.Wait(7, std::nullopt, kLong, first.Reply());
  EXPECT_EQ(first.outcome->changes, kEverything) << "a phone that just opened reads everything";

  Answer held;
  wakeups.Wait(7, first.outcome->since, kLong, held.Reply());
  wall.ms += 100;
  wakeups.Notify("case:7:1000090");  // the agent's own progress report
  ASSERT_TRUE(held.outcome);
  EXPECT_EQ(held.outcome->changes, std::vector<std::string>{"case"});

  // While the phone reads, an offer and another case change commit within one millisecond:
  // each gets its own token, and the next wait is told of both kinds, each once.
  wall.ms += 100;
  wakeups.Notify("offer:7:1000190");
  wakeups.Notify("case:7:1000190");
  wakeups.Notify("offer:7:1000190");
  Answer next;
  wakeups.Wait(7, held.outcome->since, kLong, next.Reply());
  ASSERT_TRUE(next.outcome);
  EXPECT_EQ(next.outcome->since, 1'000'202);
  EXPECT_EQ(next.outcome->changes, (std::vector<std::string>{"case", "offer"}));

  // A change heard within the millisecond of the token it answered is still newer than it.
  Answer again;
  wakeups.Wait(7, next.outcome->since, kLong, again.Reply());
  EXPECT_FALSE(again.outcome);
  wakeups.Notify("delivery:7:1000200");
  ASSERT_TRUE(again.outcome);
  EXPECT_GT(again.outcome->since, next.outcome->since);
  EXPECT_EQ(again.outcome->changes, std::vector<std::string>{"delivery"});
}

TEST(PhoneWakeupsTest, AListenerThatReconnectedTellsEveryPhoneToReadAgain) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  Answer held;
  wakeups.Wait(7, 1'000'000, kLong, held.Reply());
  wall.ms += 5000;
  wakeups.Notify("");
  ASSERT_TRUE(held.outcome);
  EXPECT_TRUE(held.outcome->changed);
  EXPECT_EQ(held.outcome->changes, kEverything);
  // A token from before the reconnection cannot be trusted any more.
  Answer stale;
  wakeups.Wait(9, 1'000'000, kLong, stale.Reply());
  ASSERT_TRUE(stale.outcome);
  EXPECT_TRUE(stale.outcome->changed);
  EXPECT_EQ(stale.outcome->since, wall.ms.load());
  EXPECT_EQ(stale.outcome->changes, kEverything);
}

TEST(PhoneWakeupsTest, MalformedPayloadsWakeNobody) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  Answer held;
  wakeups.Wait(7, 1'000'000, kLong, held.Reply());
  for (const char* payload :
       {"offer", "offer:7", "offer:x:1", "offer:7:", "offer:7:1:2", ":7:1x"}) {
    wakeups.Notify(payload);
  }
  EXPECT_FALSE(held.outcome);
}

TEST(PhoneWakeupsTest, AnExpiredWaitIsAnsweredUnchangedOnce) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  wakeups.Start();
  std::promise<Outcome> done;
  std::atomic<int> calls{0};
  wakeups.Wait(7, 1'000'000, milliseconds(1), [&](Outcome o) {
    if (calls++ == 0) done.set_value(o);
  });
  auto outcome = done.get_future().get();  // the timer answers it; no time is asserted
  EXPECT_FALSE(outcome.changed);
  EXPECT_EQ(outcome.since, 1'000'000);
  EXPECT_TRUE(outcome.changes.empty());
  wakeups.Notify("offer:7:1000000");
  wakeups.Stop();
  EXPECT_EQ(calls.load(), 1);
}

TEST(PhoneWakeupsTest, StoppingAnswersHeldWaitsAndLaterOnesAtOnce) {
  ManualWall wall;
  PhoneWakeups wakeups(wall.Clock());
  wakeups.Start();
  Answer held;
  wakeups.Wait(7, 1'000'000, kLong, held.Reply());
  wakeups.Stop();
  ASSERT_TRUE(held.outcome);
  EXPECT_TRUE(held.outcome->changed);
  Answer late;
  wakeups.Wait(7, 1'000'000, kLong, late.Reply());
  ASSERT_TRUE(late.outcome);
  EXPECT_TRUE(late.outcome->changed);
  wakeups.Stop();
  EXPECT_EQ(held.calls, 1);
}

}  // namespace
}  // namespace daiban::mobile
