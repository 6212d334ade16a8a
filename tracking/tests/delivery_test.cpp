#include "daiban/tracking/delivery.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/china_time.hpp"

namespace daiban::tracking {
namespace {

using namespace std::chrono_literals;
using cases::DeliveryWindow;

std::chrono::sys_seconds China(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  return cases::FromChinaLocal(
      cases::CivilDate{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}},
      std::chrono::hours(hour) + std::chrono::minutes(minute));
}

TEST(DeliveryStateTest, WordsRoundTrip) {
  for (auto state :
       {DeliveryState::kPending, DeliveryState::kAssigned, DeliveryState::kPickedUp,
        DeliveryState::kArrived, DeliveryState::kDelivered, DeliveryState::kCancelled}) {
    EXPECT_EQ(ParseDeliveryState(ToWord(state)), state);
  }
  EXPECT_EQ(ParseDeliveryState("Delivered"), std::nullopt);
  EXPECT_EQ(ParseLeg("result"), Leg::kResult);
  EXPECT_EQ(ParseLeg("collection"), Leg::kCollection);
  EXPECT_EQ(ParseLeg("return"), std::nullopt);
}

TEST(DeliveryStateTest, CourierMovesFollowTheLeg) {
  EXPECT_EQ(std::get<DeliveryState>(NextState(DeliveryState::kAssigned, CourierAction::kPickUp)),
            DeliveryState::kPickedUp);
  EXPECT_EQ(std::get<DeliveryState>(NextState(DeliveryState::kPickedUp, CourierAction::kArrive)),
            DeliveryState::kArrived);
  EXPECT_EQ(std::get<DeliveryState>(NextState(DeliveryState::kArrived, CourierAction::kDeliver)),
            DeliveryState::kDelivered);
  // Arriving is optional.
  EXPECT_EQ(std::get<DeliveryState>(NextState(DeliveryState::kPickedUp, CourierAction::kDeliver)),
            DeliveryState::kDelivered);
  // A failed visit keeps the item on board for the next attempt.
  EXPECT_EQ(std::get<DeliveryState>(NextState(DeliveryState::kArrived, CourierAction::kFail)),
            DeliveryState::kPickedUp);
}

TEST(DeliveryStateTest, OutOfOrderMovesAreRefusedWithAReason) {
  EXPECT_TRUE(std::holds_alternative<std::string>(
      NextState(DeliveryState::kAssigned, CourierAction::kDeliver)));
  EXPECT_TRUE(std::holds_alternative<std::string>(
      NextState(DeliveryState::kDelivered, CourierAction::kPickUp)));
  EXPECT_TRUE(std::holds_alternative<std::string>(
      NextState(DeliveryState::kPending, CourierAction::kPickUp)));
  EXPECT_TRUE(std::holds_alternative<std::string>(
      NextState(DeliveryState::kAssigned, CourierAction::kFail)));
  auto refused = NextState(DeliveryState::kCancelled, CourierAction::kArrive);
  ASSERT_TRUE(std::holds_alternative<std::string>(refused));
  EXPECT_NE(std::get<std::string>(refused).find("cancelled"), std::string::npos);
}

TEST(DeliveryStateTest, OpenMeansWithTheCourier) {
  EXPECT_FALSE(IsOpen(DeliveryState::kPending));
  EXPECT_TRUE(IsOpen(DeliveryState::kAssigned));
  EXPECT_TRUE(IsOpen(DeliveryState::kPickedUp));
  EXPECT_TRUE(IsOpen(DeliveryState::kArrived));
  EXPECT_FALSE(IsOpen(DeliveryState::kDelivered));
  EXPECT_FALSE(IsOpen(DeliveryState::kCancelled));
}

TEST(DeliveryWindowTest, PartsOfTheDayInChinaTime) {
  const cases::CivilDate day{std::chrono::year{2026}, std::chrono::month{10},
                             std::chrono::day{1}};  // a holiday: couriers still deliver
  EXPECT_EQ(WindowOn(day, DeliveryWindow::kAny).from, China(2026, 10, 1, 9));
  EXPECT_EQ(WindowOn(day, DeliveryWindow::kAny).to, China(2026, 10, 1, 20));
  EXPECT_EQ(WindowOn(day, DeliveryWindow::kMorning).to, China(2026, 10, 1, 12));
  EXPECT_EQ(WindowOn(day, DeliveryWindow::kAfternoon).from, China(2026, 10, 1, 13));
  EXPECT_EQ(WindowOn(day, DeliveryWindow::kEvening).from, China(2026, 10, 1, 18));
  EXPECT_EQ(WindowOn(day, DeliveryWindow::kEvening).to, China(2026, 10, 1, 20));
}

TEST(DeliveryWindowTest, FirstWindowLeavesTimeToFetchAndRide) {
  // Ready at 10:00: the afternoon window of the same day.
  auto w = FirstWindow(DeliveryWindow::kAfternoon, China(2026, 11, 27, 10));
  EXPECT_EQ(w.from, China(2026, 11, 27, 13));
  EXPECT_EQ(w.to, China(2026, 11, 27, 17));
  // Ready at 14:00 with 90 minutes' lead: still today, from now on.
  w = FirstWindow(DeliveryWindow::kAfternoon, China(2026, 11, 27, 14));
  EXPECT_EQ(w.from, China(2026, 11, 27, 14));
  EXPECT_EQ(w.to, China(2026, 11, 27, 17));
  // Ready at 16:00: too late for today's afternoon, so tomorrow's.
  w = FirstWindow(DeliveryWindow::kAfternoon, China(2026, 11, 27, 16));
  EXPECT_EQ(w.from, China(2026, 11, 28, 13));
  // Ready at 23:30 (China) for the morning: the next morning.
  w = FirstWindow(DeliveryWindow::kMorning, China(2026, 11, 27, 23, 30));
  EXPECT_EQ(w.from, China(2026, 11, 28, 9));
  EXPECT_EQ(w.to, China(2026, 11, 28, 12));
  // Early in the day: the window as it is.
  w = FirstWindow(DeliveryWindow::kAny, China(2026, 11, 27, 7));
  EXPECT_EQ(w.from, China(2026, 11, 27, 9));
  EXPECT_EQ(w.to, China(2026, 11, 27, 20));
}

TEST(DeliveryWindowTest, RetryIsTheNextDaysWindow) {
  auto w = RetryWindow(DeliveryWindow::kEvening, China(2026, 12, 31, 19));
  EXPECT_EQ(w.from, China(2027, 1, 1, 18));
  EXPECT_EQ(w.to, China(2027, 1, 1, 20));
}

TEST(ProofTest, NeedsNameLast4AndASignatureOrPhoto) {
  Proof proof{"李四", "123X", "M 10 10 L 20 20", ""};
  EXPECT_EQ(CheckProofShape(proof), std::nullopt);
  proof.recipient_name.clear();
  EXPECT_EQ(CheckProofShape(proof)->field, "recipient_name");
  proof.recipient_name = "李四";
  proof.id_last4 = "12345";
  EXPECT_EQ(CheckProofShape(proof)->field, "id_last4");
  proof.id_last4 = "123x";
  proof.signature.clear();
  EXPECT_EQ(CheckProofShape(proof)->field, "signature");
  proof.photo_sha256 = std::string(64, 'a');
  EXPECT_EQ(CheckProofShape(proof), std::nullopt);
  proof.photo_sha256 = std::string(64, 'G');
  EXPECT_EQ(CheckProofShape(proof)->field, "photo_sha256");
}

TEST(ProofTest, OriginalsHandedInAtTheHallNeedNoIdentity) {
  Proof proof{"赵代办", "", "M 1 1 L 2 2", ""};
  EXPECT_EQ(CheckProofShape(proof)->field, "id_last4");
  EXPECT_EQ(CheckProofShape(proof, false), std::nullopt);
  proof.signature.clear();
  EXPECT_EQ(CheckProofShape(proof, false)->field, "signature");
}

TEST(ProofTest, SignatureIsPathDataOnly) {
  Proof proof{"李四", "1234", "<script>alert(1)</script>", ""};
  EXPECT_EQ(CheckProofShape(proof)->field, "signature");
  proof.signature = "M0,0 C 1.5,2 3,-4 5,6 Z";
  EXPECT_EQ(CheckProofShape(proof), std::nullopt);
}

TEST(ProofTest, FailureReasons) {
  EXPECT_TRUE(IsFailureReason("not_home"));
  EXPECT_TRUE(IsFailureReason("refused"));
  EXPECT_TRUE(IsFailureReason("wrong_address"));
  EXPECT_TRUE(IsFailureReason("unreachable"));
  EXPECT_FALSE(IsFailureReason("lazy"));
  EXPECT_FALSE(IsFailureReason(""));
}

}  // namespace
}  // namespace daiban::tracking
