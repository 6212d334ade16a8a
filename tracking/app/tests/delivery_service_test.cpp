// The delivery use cases against the in-memory fakes (no database): a leg created once per
// express result, a courier assigned within its capacity, the pickup, a failed visit with its
// retry window and its alert on the third, the delivery with its identity check and proof, a
// window hand-over cancelling the leg, and the collection of originals for the agent.
#include "daiban/tracking/app/delivery_service.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/testing/case_world.hpp"
#include "daiban/cases/testing/refusals.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/idempotency.hpp"
#include "daiban/tracking/testing/in_memory_delivery_store.hpp"

namespace daiban::tracking {
namespace {

using cases::CaseAction;
using cases::CaseScope;
using cases::CaseState;
using cases::testing::CaseWorld;
using cases::testing::CodeAndFieldOf;
using kernel::Role;

constexpr std::int64_t kQian = 5;   // near the hall
constexpr std::int64_t kZhou = 15;  // across the district
const GeoPoint kHall{36.651, 117.020};

class OneHall final : public HallDirectory {
 public:
  std::optional<Hall> HallOf(const std::string& department) override {
    if (department != "JN-GA") return std::nullopt;
    return Hall{"dept:JN-GA", "济南市公安局户政大厅", "历下区龙鼎大道1号", kHall};
  }
};

class DeliveryServiceTest : public ::testing::Test {
 protected:
  DeliveryServiceTest() {
    store.AddRegion("370102");
    store.AddRegion("370102001");
    store.AddAccount(kQian, "钱寄递", "13800000005");
    store.AddAccount(kZhou, "周寄递", "13800000015");
    deliveries.SaveCourier({kQian, "中国邮政EMS", "ebike", 2, true, {36.652, 117.021}, {"370102"}});
    deliveries.SaveCourier({kZhou, "顺丰速运", "car", 5, true, {36.700, 117.120}, {"370102"}});
  }

  // A case the agent handles until its result is ready, and the event tracking reads.
  std::string ResultReady(cases::DeliveryMethod method = cases::DeliveryMethod::kExpress) {
    auto c = world.Submit(method);
    world.cases.Accept(c.tracking_number, CaseWorld::Window(), {});
    world.cases.Transition(
        c.tracking_number, CaseScope::Everything(), CaseWorld::Supervisor(), CaseAction::kAssign,
        "", {}, std::nullopt,
        [](cases::Case& assigned, cases::CaseChange&) { assigned.agent_id = kAgent.user_id; });
    world.cases.Transition(c.tracking_number, CaseScope::Everything(), kAgent,
                           CaseAction::kStartProgress, "", {}, std::nullopt);
    world.cases.Transition(
        c.tracking_number, CaseScope::Everything(), kAgent, CaseAction::kResultObtained, "", {},
        std::nullopt,
        [](cases::Case& ready, cases::CaseChange&) { ready.result_reference = "户迁字0001"; });
    deliveries.OnCaseEvent(c.tracking_number, "result_ready");
    return c.tracking_number;
  }

  cases::Case Read(const std::string& tracking) {
    return *world.store.Find(tracking, CaseScope::Everything());
  }
  std::vector<DeliveryRecord> Legs(const std::string& tracking) {
    return store.OfCase(Read(tracking).id);
  }
  DeliveryRecord Leg(const std::string& tracking) {
    auto legs = Legs(tracking);
    EXPECT_EQ(legs.size(), 1u);
    return legs.at(0);
  }
  // A leg given to a courier and picked up at the hall.
  DeliveryRecord OnBoard(const std::string& tracking) {
    EXPECT_EQ(deliveries.AssignPending(), 1);
    auto leg = Leg(tracking);
    deliveries.Act(Courier(leg.courier_id), leg.id, CourierAction::kPickUp, {});
    return Leg(tracking);
  }
  static cases::Actor Courier(std::int64_t id) { return {Role::kCourier, id, "寄递员", "", ""}; }
  std::vector<std::string> Outcomes(std::int64_t delivery_id) {
    std::vector<std::string> outcomes;
    for (const auto& a : store.Attempts(delivery_id)) outcomes.push_back(a.outcome);
    return outcomes;
  }

  static inline const cases::Actor kAgent = CaseWorld::Agent();
  CaseWorld world;
  testing::InMemoryDeliveryStore store{world.store};
  OneHall halls;
  DeliveryService deliveries{store, world.cases, halls, world.clock};
};

TEST_F(DeliveryServiceTest, AnExpressResultGetsOneLegAndAWindowResultNone) {
  const auto express = ResultReady();
  deliveries.OnCaseEvent(express, "result_ready");  // a redelivered event creates nothing

  const auto leg = Leg(express);
  EXPECT_EQ(leg.state, DeliveryState::kPending);
  EXPECT_EQ(leg.leg, tracking::Leg::kResult);
  EXPECT_EQ(leg.tracking_number, express);
  EXPECT_EQ(leg.pickup_key, "dept:JN-GA");
  EXPECT_EQ(leg.dropoff_name, "刘市民");
  EXPECT_EQ(leg.dropoff_phone, "13912345678");
  EXPECT_EQ(leg.contents, "户口迁移 办理结果（户迁字0001）");
  // Ready at 10:00 with "any": today from now until 20:00.
  EXPECT_EQ(cases::FormatRfc3339China(leg.window.to), "2026-12-01T20:00:00+08:00");

  EXPECT_TRUE(Legs(ResultReady(cases::DeliveryMethod::kWindow)).empty());
}

TEST_F(DeliveryServiceTest, TheNearestCourierWithRoomGetsTheLeg) {
  const auto first = ResultReady();
  EXPECT_EQ(deliveries.AssignPending(), 1);

  const auto leg = Leg(first);
  EXPECT_EQ(leg.state, DeliveryState::kAssigned);
  EXPECT_EQ(leg.courier_id, kQian);
  EXPECT_EQ(leg.courier_name, "钱寄递");
  EXPECT_TRUE(leg.stop_order.has_value());  // the courier's plan is stored
  EXPECT_EQ(world.cases.Timeline(Read(first)).back().type, "courier_assigned");
  EXPECT_EQ(deliveries.StopsOf(Courier(kQian)).size(), 2u);  // the hall, then the door

  // Qian holds two at most: the third goes to Zhou.
  ResultReady();
  const auto third = ResultReady();
  EXPECT_EQ(deliveries.AssignPending(), 2);
  EXPECT_EQ(Leg(third).courier_id, kZhou);
  EXPECT_EQ(deliveries.Courier(kQian)->profile.load, 2);
}

TEST_F(DeliveryServiceTest, TheStopListPagesAfterAStopAndStartsAgainWhenThatStopIsGone) {
  const auto first = ResultReady();
  ResultReady();
  EXPECT_EQ(deliveries.AssignPending(), 2);  // both to Qian: two pickups, two drop-offs
  const auto all = deliveries.StopsOf(Courier(kQian));
  ASSERT_EQ(all.size(), 4u);

  const auto one = deliveries.PageOfStops(Courier(kQian), std::nullopt, 3);
  ASSERT_EQ(one.stops.size(), 3u);
  EXPECT_EQ(KeyOf(one.stops[0]), KeyOf(all[0]));
  ASSERT_TRUE(one.next_after.has_value());
  EXPECT_EQ(*one.next_after, KeyOf(all[2]));
  const auto two = deliveries.PageOfStops(Courier(kQian), one.next_after, 3);
  ASSERT_EQ(two.stops.size(), 1u);
  EXPECT_EQ(KeyOf(two.stops[0]), KeyOf(all[3]));
  EXPECT_FALSE(two.next_after.has_value());  // the last page
  EXPECT_FALSE(deliveries.PageOfStops(Courier(kQian), std::nullopt, 4).next_after.has_value());

  // The first leg is picked up: its pickup stop leaves the list, and a page after it starts
  // again from the first stop rather than skipping any.
  const auto leg = Leg(first);
  deliveries.Act(Courier(kQian), leg.id, CourierAction::kPickUp, {});
  const auto again = deliveries.PageOfStops(Courier(kQian), StopKey{leg.id, StopKind::kPickup}, 10);
  EXPECT_EQ(again.stops.size(), 3u);
  EXPECT_FALSE(again.next_after.has_value());
  // A courier without a profile has no list.
  EXPECT_EQ(CodeAndFieldOf([&] { deliveries.PageOfStops(Courier(99), std::nullopt, 20); }),
            "not_found");
}

TEST_F(DeliveryServiceTest, OwedImprovementsStopWhenANewLegArrives) {
  ResultReady();
  ResultReady();
  const auto third = ResultReady();
  DeliveryService::OwedImprovements owed;
  EXPECT_EQ(deliveries.AssignPending(&owed), 3);
  EXPECT_EQ(owed, (DeliveryService::OwedImprovements{kQian, kZhou}));

  // A leg arrives after the first improvement: the second waits for the next quiet run.
  int asked = 0;
  EXPECT_EQ(deliveries.ImprovePlans(owed, [&] { return ++asked == 1; }), 1u);
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(deliveries.ImprovePlans(owed, [] { return true; }), 0u);
  // Improving keeps every leg where the assignment put it, with its stop stored.
  EXPECT_EQ(Leg(third).courier_id, kZhou);
  EXPECT_TRUE(Leg(third).stop_order.has_value());
  // Without a set to fill, nothing is owed.
  ResultReady();
  EXPECT_EQ(deliveries.AssignPending(), 1);
  EXPECT_TRUE(owed.empty());
}

TEST_F(DeliveryServiceTest, NobodyOnDutyLeavesTheLegPending) {
  deliveries.SetDuty(kQian, false);
  deliveries.SetDuty(kZhou, false);
  const auto tracking = ResultReady();
  EXPECT_EQ(deliveries.AssignPending(), 0);
  EXPECT_EQ(Leg(tracking).state, DeliveryState::kPending);
}

TEST_F(DeliveryServiceTest, ThePickupMovesTheCaseOutForDelivery) {
  const auto tracking = ResultReady();
  ASSERT_EQ(deliveries.AssignPending(), 1);
  const auto id = Leg(tracking).id;

  // Another courier's delivery looks unknown; a delivery before the pickup is refused.
  EXPECT_EQ(CodeAndFieldOf([&] { deliveries.Act(Courier(kZhou), id, CourierAction::kPickUp, {}); }),
            "not_found");
  EXPECT_EQ(
      CodeAndFieldOf([&] { deliveries.Act(Courier(kQian), id, CourierAction::kDeliver, {}); }),
      "illegal_delivery_transition:state");

  auto picked = deliveries.Act(Courier(kQian), id, CourierAction::kPickUp, {});
  EXPECT_EQ(picked.case_state, "out_for_delivery");
  EXPECT_EQ(picked.delivery.state, DeliveryState::kPickedUp);
  EXPECT_TRUE(picked.delivery.picked_up_at.has_value());
  EXPECT_EQ(Read(tracking).state, CaseState::kOutForDelivery);
}

// A courier's keyed action applies once: its answer, rendered as the change leaves the
// delivery, is kept with the change; a retry (the phone never heard back) gets it again and
// writes nothing; the key with another request is refused; another key is another action.
TEST_F(DeliveryServiceTest, AKeyedActionAppliesOnceAndARetryGetsItsAnswerAgain) {
  const auto tracking = ResultReady();
  const auto leg = OnBoard(tracking);
  CourierReport report;
  report.reason = "not_home";
  int renders = 0;
  auto render = [&](const ActOutcome& outcome) {
    ++renders;
    return std::to_string(outcome.delivery.attempts) + " " + outcome.case_state;
  };
  const auto key = kernel::KeyOf(kernel::UserKeyScope(kQian), "fail-1", "fail not_home");

  auto first =
      deliveries.ActOnce(Courier(kQian), leg.id, CourierAction::kFail, report, key, render);
  EXPECT_EQ(first.status, 200);
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(first.body, "1 out_for_delivery");
  auto again =
      deliveries.ActOnce(Courier(kQian), leg.id, CourierAction::kFail, report, key, render);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(Leg(tracking).attempts, 1);
  EXPECT_EQ(Outcomes(leg.id), std::vector<std::string>{"failed"});

  const auto reused = kernel::KeyOf(kernel::UserKeyScope(kQian), "fail-1", "fail refused");
  EXPECT_EQ(CodeAndFieldOf([&] {
              deliveries.ActOnce(Courier(kQian), leg.id, CourierAction::kFail, report, reused,
                                 render);
            }),
            "idempotency_key_reused:Idempotency-Key");
  const auto next = kernel::KeyOf(kernel::UserKeyScope(kQian), "fail-2", "fail not_home");
  EXPECT_EQ(
      deliveries.ActOnce(Courier(kQian), leg.id, CourierAction::kFail, report, next, render).body,
      "2 out_for_delivery");
  EXPECT_EQ(Leg(tracking).attempts, 2);
}

TEST_F(DeliveryServiceTest, AFailedVisitKeepsTheItemAndComesBackTomorrow) {
  const auto tracking = ResultReady();
  const auto leg = OnBoard(tracking);
  world.clock.Advance(std::chrono::hours(2));

  CourierReport report;
  EXPECT_EQ(
      CodeAndFieldOf([&] { deliveries.Act(Courier(kQian), leg.id, CourierAction::kFail, report); }),
      "validation_failed:reason");
  report.reason = "not_home";
  auto failed = deliveries.Act(Courier(kQian), leg.id, CourierAction::kFail, report);

  EXPECT_EQ(failed.delivery.state, DeliveryState::kPickedUp);
  EXPECT_EQ(failed.delivery.attempts, 1);
  EXPECT_EQ(cases::FormatRfc3339China(failed.delivery.window.from), "2026-12-02T09:00:00+08:00");
  EXPECT_EQ(Outcomes(leg.id), std::vector<std::string>{"failed"});
  const auto notices = world.store.Notices(tracking);
  ASSERT_FALSE(notices.empty());
  EXPECT_EQ(notices.back().template_name, "delivery_failed");
  EXPECT_EQ(Read(tracking).state, CaseState::kOutForDelivery);
}

TEST_F(DeliveryServiceTest, TheThirdFailedVisitAlertsTheSupervisorsOnce) {
  const auto tracking = ResultReady();
  const auto leg = OnBoard(tracking);
  CourierReport report;
  report.reason = "unreachable";
  for (int visit = 1; visit <= 4; ++visit) {
    deliveries.Act(Courier(kQian), leg.id, CourierAction::kFail, report);
    EXPECT_EQ(store.Alerts().size(), visit >= 3 ? 1u : 0u) << "after visit " << visit;
  }
  EXPECT_EQ(store.Alerts().at(0).region_code, "370102001");
  int published = 0;
  for (const auto& written : world.store.Outbox()) {
    published += written.message.stream == "events:alerts";
  }
  EXPECT_EQ(published, 1);
  EXPECT_EQ(Leg(tracking).attempts, 4);
}

TEST_F(DeliveryServiceTest, TheDoorChecksTheIdentityAndTheProof) {
  const auto tracking = ResultReady();
  const auto leg = OnBoard(tracking);
  CourierReport report;
  report.position = GeoPoint{36.660, 117.050};

  // No proof at all, then a photo the courier never uploaded.
  report.proof = {"刘市民", "002X", "", ""};
  EXPECT_NE(CodeAndFieldOf(
                [&] { deliveries.Act(Courier(kQian), leg.id, CourierAction::kDeliver, report); }),
            "");
  report.proof.photo_sha256 = std::string(64, 'a');
  EXPECT_EQ(CodeAndFieldOf(
                [&] { deliveries.Act(Courier(kQian), leg.id, CourierAction::kDeliver, report); }),
            "validation_failed:photo_sha256");
  EXPECT_TRUE(store.Attempts(leg.id).empty());

  // A wrong ID is refused and kept as an attempt; nothing is delivered.
  report.proof = {"刘市民", "1234", "M0 0 L1 1", ""};
  EXPECT_EQ(CodeAndFieldOf(
                [&] { deliveries.Act(Courier(kQian), leg.id, CourierAction::kDeliver, report); }),
            "validation_failed:id_last4");
  EXPECT_EQ(Leg(tracking).state, DeliveryState::kPickedUp);
  EXPECT_EQ(Read(tracking).state, CaseState::kOutForDelivery);

  // The right one (letters in any case) with a signature delivers and closes the case.
  report.proof.id_last4 = "002x";
  auto delivered = deliveries.Act(Courier(kQian), leg.id, CourierAction::kDeliver, report);
  EXPECT_EQ(delivered.delivery.state, DeliveryState::kDelivered);
  EXPECT_TRUE(delivered.delivery.delivered_at.has_value());
  EXPECT_EQ(Read(tracking).state, CaseState::kClosed);
  EXPECT_EQ(Outcomes(leg.id), (std::vector<std::string>{"identity_mismatch", "delivered"}));
  const auto last = store.Attempts(leg.id).back();
  EXPECT_EQ(last.proof_kind, "signature");
  EXPECT_EQ(last.id_last4_match, true);
  EXPECT_EQ(last.recipient_name, "刘市民");
  ASSERT_TRUE(last.position.has_value());
  EXPECT_EQ(deliveries.Courier(kQian)->profile.load, 0);  // free again
}

TEST_F(DeliveryServiceTest, AnUploadedPhotoIsProofEnough) {
  const auto tracking = ResultReady();
  const auto leg = OnBoard(tracking);
  const std::string photo(64, 'b');
  store.AddLegPhoto(leg.id, photo);
  CourierReport report;
  report.proof = {"刘市民", "002X", "", photo};

  auto delivered = deliveries.Act(Courier(kQian), leg.id, CourierAction::kDeliver, report);

  EXPECT_EQ(delivered.delivery.state, DeliveryState::kDelivered);
  EXPECT_EQ(store.Attempts(leg.id).back().proof_kind, "photo");
  EXPECT_EQ(store.Attempts(leg.id).back().proof, photo);
}

TEST_F(DeliveryServiceTest, AResultHandedOverAtTheWindowCancelsTheLeg) {
  const auto tracking = ResultReady();
  ASSERT_EQ(deliveries.AssignPending(), 1);
  world.cases.HandOver(tracking, CaseWorld::Window(), "刘市民", "002X");

  deliveries.OnCaseEvent(tracking, "delivered");

  EXPECT_EQ(Leg(tracking).state, DeliveryState::kCancelled);
  EXPECT_EQ(deliveries.Courier(kQian)->profile.load, 0);
  EXPECT_TRUE(deliveries.StopsOf(Courier(kQian)).empty());
}

TEST_F(DeliveryServiceTest, ACourierCollectsTheOriginalsForTheAgent) {
  auto c = world.Submit(cases::DeliveryMethod::kExpress);
  world.cases.Accept(c.tracking_number, CaseWorld::Window(), {});
  world.cases.Transition(
      c.tracking_number, CaseScope::Everything(), CaseWorld::Supervisor(), CaseAction::kAssign, "",
      {}, std::nullopt,
      [](cases::Case& assigned, cases::CaseChange&) { assigned.agent_id = kAgent.user_id; });

  EXPECT_EQ(
      CodeAndFieldOf([&] { deliveries.RequestCollection(c.tracking_number, CaseWorld::Window()); }),
      "forbidden");
  const auto leg = deliveries.RequestCollection(c.tracking_number, kAgent);
  EXPECT_EQ(leg.leg, tracking::Leg::kCollection);
  EXPECT_EQ(leg.pickup_key, "case:" + c.tracking_number);
  EXPECT_EQ(leg.dropoff_address, "历下区龙鼎大道1号");
  EXPECT_EQ(world.cases.Timeline(Read(c.tracking_number)).back().type, "collection_requested");
  // Asking again answers the same leg.
  EXPECT_EQ(deliveries.RequestCollection(c.tracking_number, kAgent).id, leg.id);
  EXPECT_EQ(Legs(c.tracking_number).size(), 1u);

  ASSERT_EQ(deliveries.AssignPending(), 1);
  const auto courier = Leg(c.tracking_number).courier_id;
  deliveries.Act(Courier(courier), leg.id, CourierAction::kPickUp, {});
  CourierReport report;
  report.proof = {"赵代办", "", "M0 0 L1 1", ""};  // no ID check for originals at the hall
  auto done = deliveries.Act(Courier(courier), leg.id, CourierAction::kDeliver, report);
  EXPECT_EQ(done.delivery.state, DeliveryState::kDelivered);
  // The case itself does not move.
  EXPECT_EQ(Read(c.tracking_number).state, CaseState::kAssigned);
}

}  // namespace
}  // namespace daiban::tracking
