// The dispatch use cases against the in-memory fakes (no database, no Redis): offers made,
// accepted (twice is once), declined, expired and escalated; direct assignment and its
// capacity override; reassignment; the batch assigner; a lost live state rebuilt.
#include "daiban/dispatch/app/dispatch_service.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "daiban/cases/testing/case_world.hpp"
#include "daiban/cases/testing/refusals.hpp"
#include "daiban/dispatch/testing/in_memory_dispatch_store.hpp"
#include "daiban/dispatch/testing/in_memory_live_state.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::dispatch {
namespace {

using cases::CaseState;
using cases::testing::CaseWorld;

constexpr std::int64_t kZhao = 4;  // at the applicant's door
constexpr std::int64_t kSun = 14;  // across the district

DispatchOptions Options() {
  DispatchOptions options;
  options.offers.ttl = std::chrono::seconds(120);
  options.offers.max_offers_per_case = 3;
  return options;
}

class DispatchServiceTest : public ::testing::Test {
 protected:
  DispatchServiceTest() {
    live.Rebuild({});  // an empty, built live state
    store.AddRegion("370102");
    store.AddRegion("370102001");
    store.AddAccount(kZhao, "赵代办", "13800000004");
    store.AddAccount(kSun, "孙代办", "13800000014");
    store.SetPosition(kZhao, {36.66, 117.05});
    store.SetPosition(kSun, {36.70, 117.12});
    SaveAgent(kZhao, 2);
    SaveAgent(kSun, 2);
  }

  void SaveAgent(std::int64_t id, int capacity, bool on_duty = true) {
    AgentSettings settings;
    settings.user_id = id;
    settings.capacity = capacity;
    settings.on_duty = on_duty;
    settings.hours.fill("00:00-24:00");
    settings.regions = {"370102"};
    settings.departments = {"JN-GA"};
    dispatch.SaveAgent(settings);
  }

  // A case accepted by the window and announced to dispatch, as the stream delivers it.
  std::string Accepted() {
    auto c = world.Submit();
    world.cases.Accept(c.tracking_number, CaseWorld::Window(), {});
    dispatch.OnCaseEvent(c.tracking_number, "accepted", c.region_code);
    return c.tracking_number;
  }

  cases::Case Read(const std::string& tracking) {
    return *world.store.Find(tracking, cases::CaseScope::Everything());
  }

  std::optional<OfferRecord> PendingOfferOf(const std::string& tracking) {
    for (const auto& offer : store.PendingOffers(0)) {
      if (offer.tracking_number == tracking) return offer;
    }
    return std::nullopt;
  }

  int LiveLoad(std::int64_t agent_id) {
    auto agent = live.Agent(agent_id);
    return agent ? agent->load : -1;
  }

  CaseWorld world;
  testing::InMemoryDispatchStore store{world.store};
  testing::InMemoryLiveState live{world.clock};
  kernel::Logger logger{"dispatch", kernel::LogLevel::kError, world.clock};
  DispatchService dispatch{store, world.cases, live, world.clock, logger, Options()};
};

using cases::testing::CodeOf;

TEST_F(DispatchServiceTest, AnAcceptedCaseIsOfferedToTheNearestEligibleAgent) {
  const auto tracking = Accepted();

  auto offers = dispatch.OffersOf(CaseWorld::Agent(kZhao));
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].tracking_number, tracking);
  EXPECT_EQ(offers[0].state, OfferState::kPending);
  EXPECT_EQ(offers[0].expires_at - offers[0].offered_at, std::chrono::seconds(120));
  EXPECT_TRUE(dispatch.OffersOf(CaseWorld::Agent(kSun)).empty());
  // The live state follows: the offer is there, the agent's place taken, the queue empty.
  ASSERT_TRUE(live.Offer(offers[0].id).has_value());
  EXPECT_EQ(LiveLoad(kZhao), 1);
  EXPECT_EQ(live.PendingCount("370102"), 0u);
  // A case with a live offer no longer waits, and is not offered twice.
  EXPECT_FALSE(store.WaitingCase(tracking).has_value());
  EXPECT_FALSE(dispatch.OfferNow(tracking).has_value());
  EXPECT_EQ(Read(tracking).state, CaseState::kAccepted);
}

TEST_F(DispatchServiceTest, TheBoardIsReadAPageAtATimeAndSaysWhetherMoreFollow) {
  const auto supervisor = CaseWorld::Supervisor();
  auto first = dispatch.Agents(supervisor, "", {0, 1});
  ASSERT_EQ(first.agents.size(), 1u);
  EXPECT_EQ(first.agents[0].profile.id, kZhao);
  EXPECT_TRUE(first.more);
  auto second = dispatch.Agents(supervisor, "", {kZhao, 1});
  ASSERT_EQ(second.agents.size(), 1u);
  EXPECT_EQ(second.agents[0].profile.id, kSun);
  EXPECT_FALSE(second.more);  // a full page with nothing after it is the last
  EXPECT_EQ(dispatch.Agents(supervisor, "", {}).agents.size(), 2u);
  EXPECT_EQ(CodeOf([&] { dispatch.Agents(CaseWorld::Agent(kZhao), "", {}); }), "forbidden");
}

TEST_F(DispatchServiceTest, TakingAnOfferAssignsTheCaseInOneChange) {
  const auto tracking = Accepted();
  const auto offer = *PendingOfferOf(tracking);

  auto taken = dispatch.AcceptOffer(offer.id, CaseWorld::Agent(kZhao));

  EXPECT_EQ(taken.state, CaseState::kAssigned);
  EXPECT_EQ(taken.agent_id, kZhao);
  EXPECT_EQ(taken.agent_name, "赵代办");
  EXPECT_EQ(store.Offer(offer.id)->state, OfferState::kAccepted);
  EXPECT_FALSE(live.Offer(offer.id).has_value());
  const auto timeline = world.cases.Timeline(taken);
  EXPECT_EQ(timeline.back().data.value("offer_id", std::int64_t{0}), offer.id);
  // The case still holds the agent's place, now as an open case instead of an offer.
  EXPECT_EQ(store.Agent(kZhao, kernel::StaffScope::Everything())->profile.load, 1);
}

TEST_F(DispatchServiceTest, TakingAnOfferTwiceIsTakingItOnce) {
  const auto tracking = Accepted();
  const auto offer = *PendingOfferOf(tracking);
  const auto first = dispatch.AcceptOffer(offer.id, CaseWorld::Agent(kZhao));
  const auto events = world.cases.Timeline(first).size();

  const auto again = dispatch.AcceptOffer(offer.id, CaseWorld::Agent(kZhao));

  EXPECT_EQ(again.tracking_number, first.tracking_number);
  EXPECT_EQ(again.state, CaseState::kAssigned);
  EXPECT_EQ(again.agent_id, kZhao);
  EXPECT_EQ(again.version, first.version);
  EXPECT_EQ(world.cases.Timeline(again).size(), events);
}

TEST_F(DispatchServiceTest, AnotherAgentsOfferIsUnknown) {
  const auto offer = *PendingOfferOf(Accepted());
  EXPECT_EQ(CodeOf([&] { dispatch.AcceptOffer(offer.id, CaseWorld::Agent(kSun)); }), "not_found");
  EXPECT_EQ(CodeOf([&] { dispatch.DeclineOffer(offer.id, CaseWorld::Agent(kSun), "忙"); }),
            "not_found");
  EXPECT_EQ(store.Offer(offer.id)->state, OfferState::kPending);
}

TEST_F(DispatchServiceTest, ADeclinedOfferPassesToTheNextAgent) {
  const auto tracking = Accepted();
  const auto first = *PendingOfferOf(tracking);

  EXPECT_EQ(CodeOf([&] { dispatch.DeclineOffer(first.id, CaseWorld::Agent(kZhao), ""); }),
            "validation_failed");
  dispatch.DeclineOffer(first.id, CaseWorld::Agent(kZhao), "在外地办事");

  const auto declined = *store.Offer(first.id);
  EXPECT_EQ(declined.state, OfferState::kDeclined);
  EXPECT_EQ(declined.decline_reason, "在外地办事");
  const auto next = PendingOfferOf(tracking);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->agent_id, kSun);
  EXPECT_EQ(LiveLoad(kZhao), 0);
  EXPECT_EQ(LiveLoad(kSun), 1);
  // Declining twice is declining once: no error, and the case stays with the next offer.
  dispatch.DeclineOffer(first.id, CaseWorld::Agent(kZhao), "在外地办事");
  EXPECT_EQ(PendingOfferOf(tracking)->id, next->id);
  // The declined offer cannot be taken any more.
  EXPECT_EQ(CodeOf([&] { dispatch.AcceptOffer(first.id, CaseWorld::Agent(kZhao)); }),
            "offer_not_pending");
}

TEST_F(DispatchServiceTest, AnUnansweredOfferExpiresAndPassesOn) {
  const auto tracking = Accepted();
  const auto first = *PendingOfferOf(tracking);

  world.clock.Advance(std::chrono::seconds(119));
  EXPECT_EQ(dispatch.ExpireOffers(), 0);
  world.clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(dispatch.ExpireOffers(), 1);

  EXPECT_EQ(store.Offer(first.id)->state, OfferState::kExpired);
  const auto next = PendingOfferOf(tracking);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->agent_id, kSun);
  EXPECT_EQ(LiveLoad(kZhao), 0);
}

TEST_F(DispatchServiceTest, TakingAnOfferAtItsExpiryChangesNothing) {
  const auto tracking = Accepted();
  const auto offer = *PendingOfferOf(tracking);
  world.clock.Advance(std::chrono::seconds(120));

  EXPECT_EQ(CodeOf([&] { dispatch.AcceptOffer(offer.id, CaseWorld::Agent(kZhao)); }),
            "offer_not_pending");

  // The offer's refusal undid the whole change: the case is not assigned, the offer still
  // pending until the expiry worker closes it.
  const auto c = Read(tracking);
  EXPECT_EQ(c.state, CaseState::kAccepted);
  EXPECT_EQ(c.agent_id, 0);
  EXPECT_EQ(store.Offer(offer.id)->state, OfferState::kPending);
}

TEST_F(DispatchServiceTest, ACaseNobodyTakesIsEscalatedAfterItsLastOffer) {
  const auto tracking = Accepted();
  // Zhao, then Sun let their offers lapse; nobody is left to offer the case to.
  for (int round = 0; round < 2; ++round) {
    world.clock.Advance(std::chrono::seconds(120));
    EXPECT_EQ(dispatch.ExpireOffers(), 1);
  }
  EXPECT_FALSE(PendingOfferOf(tracking).has_value());
  EXPECT_TRUE(store.WaitingCase(tracking).has_value());
  const auto waiting = *store.WaitingCase(tracking);
  EXPECT_EQ(std::set<std::int64_t>(waiting.excluded_agents.begin(), waiting.excluded_agents.end()),
            (std::set<std::int64_t>{kZhao, kSun}));

  // A third agent comes and lets it lapse too: the third offer is the last.
  store.AddAccount(24, "李代办", "13800000024");
  SaveAgent(24, 2);
  ASSERT_TRUE(dispatch.OfferNow(tracking).has_value());
  world.clock.Advance(std::chrono::seconds(120));
  EXPECT_EQ(dispatch.ExpireOffers(), 1);

  const auto alerts = store.Alerts(kernel::StaffScope::Of("370102", ""), 10);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "unassigned");
  EXPECT_EQ(alerts[0].tracking_number, tracking);
  EXPECT_TRUE(store.Alerts(kernel::StaffScope::Of("370103", ""), 10).empty());
  EXPECT_EQ(live.PendingCount("370102"), 1u);  // still queued for a supervisor's decision
}

TEST_F(DispatchServiceTest, ASupervisorOverridesAFullAgentOnlyWithAReason) {
  SaveAgent(kSun, 1);
  const auto first = Accepted();  // offered to Zhao
  const auto second = world.Submit().tracking_number;
  world.cases.Accept(second, CaseWorld::Window(), {});
  dispatch.Assign(second, kSun, CaseWorld::Supervisor(), "");  // Sun's only place

  const auto third = world.Submit().tracking_number;
  world.cases.Accept(third, CaseWorld::Window(), {});
  EXPECT_EQ(CodeOf([&] { dispatch.Assign(third, kSun, CaseWorld::Supervisor(), ""); }),
            "validation_failed");
  EXPECT_EQ(Read(third).state, CaseState::kAccepted);

  auto assignment = dispatch.Assign(third, kSun, CaseWorld::Supervisor(), "熟悉该申请人");
  EXPECT_EQ(assignment.assigned.state, CaseState::kAssigned);
  EXPECT_EQ(assignment.assigned.agent_id, kSun);
  EXPECT_EQ(assignment.overrides, std::vector<std::string>{"no_capacity"});
  EXPECT_EQ(store.Agent(kSun, kernel::StaffScope::Everything())->open_cases, 2);
  EXPECT_TRUE(PendingOfferOf(first).has_value());  // other cases' offers are untouched
}

TEST_F(DispatchServiceTest, AssigningACaseWithdrawsItsOffer) {
  const auto tracking = Accepted();
  const auto offer = *PendingOfferOf(tracking);

  dispatch.Assign(tracking, kSun, CaseWorld::Supervisor(), "");

  EXPECT_EQ(store.Offer(offer.id)->state, OfferState::kWithdrawn);
  EXPECT_EQ(Read(tracking).agent_id, kSun);
  EXPECT_EQ(CodeOf([&] { dispatch.AcceptOffer(offer.id, CaseWorld::Agent(kZhao)); }),
            "offer_not_pending");
}

TEST_F(DispatchServiceTest, ReassigningSendsTheCaseBackOrToAnotherAgent) {
  const auto tracking = Accepted();
  dispatch.AcceptOffer(PendingOfferOf(tracking)->id, CaseWorld::Agent(kZhao));

  EXPECT_EQ(CodeOf([&] { dispatch.Reassign(tracking, kSun, CaseWorld::Supervisor(), ""); }),
            "validation_failed");
  auto moved = dispatch.Reassign(tracking, kSun, CaseWorld::Supervisor(), "代办员请假");
  EXPECT_EQ(moved.assigned.state, CaseState::kAssigned);
  EXPECT_EQ(moved.assigned.agent_id, kSun);
  EXPECT_EQ(LiveLoad(kZhao), 0);

  // Back to the queue: the case is offered again at once.
  auto back = dispatch.Reassign(tracking, std::nullopt, CaseWorld::Supervisor(), "重新派单");
  EXPECT_EQ(back.assigned.state, CaseState::kAccepted);
  EXPECT_EQ(back.assigned.agent_id, 0);
  EXPECT_TRUE(PendingOfferOf(tracking).has_value());
  // A supervisor of another district does not see the case.
  const cases::Actor elsewhere{kernel::Role::kSupervisor, 5, "李督办", "370103", ""};
  EXPECT_EQ(CodeOf([&] { dispatch.Reassign(tracking, kSun, elsewhere, "x"); }), "not_found");
}

TEST_F(DispatchServiceTest, TheBatchFillsEveryFreePlaceOnceAndNoMore) {
  // Five cases arrive while Redis knows nothing of them (no events): the batch finds them
  // through a rebuild, as after a restart.
  std::vector<std::string> cases;
  for (int i = 0; i < 5; ++i) {
    auto c = world.Submit();
    world.cases.Accept(c.tracking_number, CaseWorld::Window(), {});
    cases.push_back(c.tracking_number);
  }
  dispatch.Rebuild();
  EXPECT_EQ(live.PendingCount("370102"), 5u);

  EXPECT_EQ(dispatch.RunBatch(), 4);  // two places each

  std::map<std::int64_t, int> per_agent;
  std::set<std::string> offered;
  for (const auto& offer : store.PendingOffers(0)) {
    ++per_agent[offer.agent_id];
    EXPECT_TRUE(offered.insert(offer.tracking_number).second) << offer.tracking_number;
  }
  EXPECT_EQ(per_agent[kZhao], 2);
  EXPECT_EQ(per_agent[kSun], 2);
  EXPECT_EQ(live.PendingCount("370102"), 1u);
  EXPECT_EQ(dispatch.RunBatch(), 0);  // nobody has room left
}

TEST_F(DispatchServiceTest, AnAdministratorsSettingsAreSettledSavedAndLive) {
  AgentSettingsRequest asked;
  asked.user_id = kSun;
  asked.capacity = 7;
  asked.on_duty = true;
  asked.regions = {"370102"};
  // No hours given: office hours, Monday to Friday.
  const auto saved = dispatch.UpdateAgent(asked);
  EXPECT_EQ(saved.hours[0], "09:00-17:00");
  EXPECT_EQ(saved.hours[5], "");

  const auto stored = store.Agent(kSun, kernel::StaffScope::Everything());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->profile.capacity, 7);
  ASSERT_TRUE(stored->profile.hours.by_weekday[0].has_value());
  EXPECT_EQ(stored->profile.hours.by_weekday[0]->start, std::chrono::minutes(9 * 60));
  EXPECT_FALSE(stored->profile.hours.by_weekday[5].has_value());
  ASSERT_TRUE(live.Agent(kSun).has_value());
  EXPECT_EQ(live.Agent(kSun)->capacity, 7);  // the live state follows at once
}

TEST_F(DispatchServiceTest, RefusedSettingsNameTheirFieldAndSaveNothing) {
  const auto refusal = [&](AgentSettingsRequest asked) {
    asked.user_id = kSun;
    try {
      dispatch.UpdateAgent(asked);
    } catch (const kernel::ApiError& error) {
      return error.Code() + " " + error.Field();
    }
    return std::string();
  };
  AgentSettingsRequest no_room;
  no_room.capacity = 0;
  no_room.regions = {"370102"};
  EXPECT_EQ(refusal(no_room), "validation_failed capacity");
  AgentSettingsRequest short_week;
  short_week.hours = {"09:00-17:00"};
  short_week.regions = {"370102"};
  EXPECT_EQ(refusal(short_week), "validation_failed hours");
  AgentSettingsRequest nowhere;
  nowhere.capacity = 9;
  EXPECT_EQ(refusal(nowhere), "validation_failed regions");
  AgentSettingsRequest unknown_region;
  unknown_region.regions = {"379999"};
  EXPECT_EQ(refusal(unknown_region), "validation_failed regions");

  EXPECT_EQ(store.Agent(kSun, kernel::StaffScope::Everything())->profile.capacity, 2);
}

TEST_F(DispatchServiceTest, ALostLiveStateIsRebuiltFromTheStore) {
  const auto tracking = Accepted();
  const auto offer = *PendingOfferOf(tracking);
  EXPECT_FALSE(dispatch.RebuildIfStale());

  live.Lose();
  EXPECT_TRUE(dispatch.RebuildIfStale());

  EXPECT_TRUE(live.IsBuilt());
  ASSERT_TRUE(live.Offer(offer.id).has_value());
  EXPECT_EQ(live.Offer(offer.id)->tracking_number, tracking);
  EXPECT_EQ(LiveLoad(kZhao), 1);
  EXPECT_EQ(live.AvailableAgents("370102001"), (std::vector<std::int64_t>{kZhao, kSun}));
}

TEST_F(DispatchServiceTest, AnOfferOfACaseSuspendedMeanwhileIsWithdrawn) {
  const auto tracking = Accepted();
  const auto offer = *PendingOfferOf(tracking);
  world.cases.Suspend(tracking, CaseWorld::Supervisor(), "等待核查");

  dispatch.OnCaseEvent(tracking, "suspended", "370102001");

  EXPECT_EQ(store.Offer(offer.id)->state, OfferState::kWithdrawn);
  EXPECT_FALSE(live.Offer(offer.id).has_value());
  EXPECT_EQ(LiveLoad(kZhao), 0);
}

}  // namespace
}  // namespace daiban::dispatch
