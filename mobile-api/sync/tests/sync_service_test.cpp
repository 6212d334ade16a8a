#include "daiban/mobile/sync/sync_service.hpp"

#include <gtest/gtest.h>

#include <set>

#include "daiban/cases/testing/case_world.hpp"
#include "daiban/kernel/errors.hpp"

// The phones' offline protocol against the in-memory case store and in-memory dispatch and
// tracking sides (no servers).
namespace daiban::mobile {
namespace {

using cases::testing::CaseWorld;
using nlohmann::json;

class FakeOffers final : public SyncOffers {
 public:
  std::vector<dispatch::OfferRecord> OffersOf(const cases::Actor& agent) override {
    std::vector<dispatch::OfferRecord> mine;
    for (const auto& offer : pending) {
      if (offer.agent_id == agent.user_id) mine.push_back(offer);
    }
    return mine;
  }
  void Accept(std::int64_t offer_id, const cases::Actor& agent) override {
    Take(offer_id, agent);
    answers.push_back("accept " + std::to_string(offer_id));
  }
  void Decline(std::int64_t offer_id, const cases::Actor& agent,
               const std::string& reason) override {
    Take(offer_id, agent);
    answers.push_back("decline " + std::to_string(offer_id) + " " + reason);
  }

  std::vector<dispatch::OfferRecord> pending;
  std::vector<std::string> answers;

 private:
  void Take(std::int64_t offer_id, const cases::Actor& agent) {
    auto found = std::find_if(pending.begin(), pending.end(), [&](const auto& offer) {
      return offer.id == offer_id && offer.agent_id == agent.user_id;
    });
    if (found == pending.end()) throw kernel::Conflict("offer_gone", "the offer is gone");
    pending.erase(found);
  }
};

class FakeDeliveries final : public SyncDeliveries {
 public:
  std::string Act(const cases::Actor& courier, std::int64_t delivery_id, const std::string& action,
                  const json& body, std::optional<cases::Moment> device_time,
                  const std::string& key) override {
    if (delivery_id != 77) throw kernel::NotFound("no such delivery");
    acts.push_back({courier.user_id, action, key, device_time.has_value(), body});
    return json{{"delivery", {{"id", delivery_id}, {"state", action}}}}.dump();
  }
  struct Done {
    std::int64_t courier = 0;
    std::string action;
    std::string key;
    bool device_time = false;
    json body;
  };
  std::vector<Done> acts;
};

class SyncServiceTest : public ::testing::Test {
 protected:
  json Progress(const std::string& key, const std::string& at, const std::string& tracking,
                json body) {
    return {{"idempotency_key", key},
            {"device_time", at},
            {"kind", "progress"},
            {"tracking_number", tracking},
            {"body", std::move(body)}};
  }

  CaseWorld world_;
  cases::ProgressService progress_{world_.cases, world_.clock};
  FakeOffers offers_;
  FakeDeliveries deliveries_;
  SyncService sync_{world_.cases, progress_, offers_, deliveries_};
  cases::Actor agent_ = CaseWorld::Agent();
};

TEST_F(SyncServiceTest, ItemsApplyInDeviceTimeOrderAndAnswerInTheOrderSent) {
  auto tracking = world_.Assigned(agent_).tracking_number;
  // Sent out of order: the result first, the collection an hour earlier.
  json items = json::array(
      {Progress("b", "2026-12-01T11:00:00+08:00", tracking,
                {{"kind", "result_obtained"}, {"result_reference", "R-1"}}),
       Progress("a", "2026-12-01T02:00:00Z", tracking, {{"kind", "materials_collected"}})});
  auto outcomes = sync_.Apply(agent_, items);
  ASSERT_EQ(outcomes.size(), 2U);
  EXPECT_EQ(outcomes[0]["index"], 0);
  EXPECT_EQ(outcomes[0]["status"], "applied");
  EXPECT_EQ(outcomes[0]["idempotency_key"], "b");
  EXPECT_EQ(outcomes[0]["result"]["state"], "result_ready");
  EXPECT_EQ(outcomes[1]["status"], "applied");
  EXPECT_EQ(outcomes[1]["result"]["state"], "in_progress");
  // Replaying the batch changes nothing and answers the same.
  const auto events = world_.cases.Timeline(world_.cases.ReadAsStaff(tracking, agent_)).size();
  auto again = sync_.Apply(agent_, items);
  EXPECT_EQ(again[0]["result"], outcomes[0]["result"]);
  EXPECT_EQ(world_.cases.Timeline(world_.cases.ReadAsStaff(tracking, agent_)).size(), events);
}

TEST_F(SyncServiceTest, EveryItemGetsAnOutcomeAndRefusalsSayWhy) {
  auto mine = world_.Assigned(agent_).tracking_number;
  auto theirs = world_.Assigned(CaseWorld::Agent(14, "孙代办")).tracking_number;
  json items = json::array(
      {Progress("1", "2026-12-01T10:00:00+08:00", theirs, {{"kind", "materials_collected"}}),
       Progress("2", "yesterday", mine, {{"kind", "materials_collected"}}),
       "not an object",
       Progress("3", "2026-12-01T10:05:00+08:00", mine, {{"kind", "flying"}}),
       {{"idempotency_key", "4"}, {"device_time", "2026-12-01T10:06:00+08:00"}, {"kind", "x"}},
       Progress("5", "2026-12-01T10:07:00+08:00", mine, {{"kind", "materials_collected"}})});
  auto outcomes = sync_.Apply(agent_, items);
  ASSERT_EQ(outcomes.size(), 6U);
  EXPECT_EQ(outcomes[0]["status"], "refused");
  EXPECT_EQ(outcomes[0]["code"], "not_assigned_to_you");
  EXPECT_EQ(outcomes[0]["message"], "the case is not (or no longer) assigned to you");
  EXPECT_EQ(outcomes[1]["status"], "refused");
  EXPECT_EQ(outcomes[1]["field"], "device_time");
  EXPECT_EQ(outcomes[2]["status"], "refused");
  EXPECT_EQ(outcomes[2]["field"], "items");
  EXPECT_EQ(outcomes[3]["code"], "validation_failed");
  EXPECT_EQ(outcomes[3]["field"], "kind");
  EXPECT_EQ(outcomes[4]["field"], "kind");
  EXPECT_EQ(outcomes[5]["status"], "applied");  // the others did not stop it
  EXPECT_EQ(world_.cases.ReadAsStaff(mine, agent_).state, cases::CaseState::kInProgress);
}

TEST_F(SyncServiceTest, OfferAnswersAndCourierActionsGoToTheirSides) {
  dispatch::OfferRecord offer;
  offer.id = 5;
  offer.agent_id = agent_.user_id;
  offers_.pending = {offer, offer};
  offers_.pending[1].id = 6;
  json items = json::array({{{"idempotency_key", "o1"},
                             {"device_time", "2026-12-01T10:00:00+08:00"},
                             {"kind", "offer_accept"},
                             {"offer_id", 5}},
                            {{"idempotency_key", "o2"},
                             {"device_time", "2026-12-01T10:01:00+08:00"},
                             {"kind", "offer_decline"},
                             {"offer_id", 6},
                             {"body", {{"reason", "太远"}}}},
                            {{"idempotency_key", "o3"},
                             {"device_time", "2026-12-01T10:02:00+08:00"},
                             {"kind", "offer_accept"},
                             {"offer_id", 5}}});
  auto outcomes = sync_.Apply(agent_, items);
  EXPECT_EQ(outcomes[0]["status"], "applied");
  EXPECT_FALSE(outcomes[0].contains("result"));
  EXPECT_EQ(outcomes[1]["status"], "applied");
  EXPECT_EQ(outcomes[2]["code"], "offer_gone");
  EXPECT_EQ(offers_.answers, (std::vector<std::string>{"accept 5", "decline 6 太远"}));

  const cases::Actor courier{kernel::Role::kCourier, 5, "钱寄递", "", ""};
  json deliveries = json::array({{{"idempotency_key", "d1"},
                                  {"device_time", "2026-12-01T10:00:00+08:00"},
                                  {"kind", "delivery"},
                                  {"delivery_id", 77},
                                  {"body", {{"action", "picked_up"}}}},
                                 {{"idempotency_key", "d2"},
                                  {"device_time", "2026-12-01T10:00:00+08:00"},
                                  {"kind", "delivery"},
                                  {"delivery_id", 78},
                                  {"body", {{"action", "picked_up"}}}}});
  outcomes = sync_.Apply(courier, deliveries);
  EXPECT_EQ(outcomes[0]["result"]["delivery"]["state"], "picked_up");
  EXPECT_EQ(outcomes[1]["code"], "not_assigned_to_you");
  ASSERT_EQ(deliveries_.acts.size(), 1U);
  EXPECT_EQ(deliveries_.acts[0].courier, 5);
  EXPECT_EQ(deliveries_.acts[0].key, "d1");
  EXPECT_TRUE(deliveries_.acts[0].device_time);
}

TEST_F(SyncServiceTest, ABatchIsAnArrayOfAtMostTwoHundredItems) {
  EXPECT_THROW(sync_.Apply(agent_, json::object()), kernel::ApiError);
  json many = json::array();
  for (int i = 0; i <= 200; ++i) many.push_back(json::object());
  try {
    sync_.Apply(agent_, many);
    ADD_FAILURE() << "201 items were taken";
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 413);
  }
  many.erase(many.begin());
  EXPECT_EQ(sync_.Apply(agent_, many).size(), 200U);
}

TEST_F(SyncServiceTest, ChangesListTasksRemovalsAndOffers) {
  auto kept = world_.Assigned(agent_).tracking_number;
  auto reassigned = world_.Assigned(agent_).tracking_number;
  auto cancelled = world_.Assigned(agent_).tracking_number;
  dispatch::OfferRecord offer;
  offer.id = 9;
  offer.agent_id = agent_.user_id;
  offers_.pending = {offer};
  auto first = sync_.ChangesSince(agent_, {});
  EXPECT_EQ(first.tasks.size(), 3U);
  EXPECT_TRUE(first.removed.empty());
  ASSERT_EQ(first.offers.size(), 1U);
  EXPECT_FALSE(first.more);
  EXPECT_FALSE(first.cursor.open_work) << "the tasks fit one page: the events go on";
  world_.cases.Transition(reassigned, cases::CaseScope::Everything(), CaseWorld::Supervisor(),
                          cases::CaseAction::kUnassign, "代办员请假",
                          {{"previous_agent_id", agent_.user_id}}, std::nullopt);
  world_.cases.Transition(cancelled, cases::CaseScope::Everything(), CaseWorld::Supervisor(),
                          cases::CaseAction::kCancel, "申请人撤回", {}, std::nullopt);
  auto later = sync_.ChangesSince(agent_, first.cursor);
  EXPECT_TRUE(later.tasks.empty());
  EXPECT_EQ(later.removed, (std::vector<std::pair<std::string, std::string>>{
                               {reassigned, "reassigned"}, {cancelled, "cancelled"}}));
  EXPECT_GT(later.cursor.event_id, first.cursor.event_id);
  // A cold start now: the one task left, none of the history of the two taken away.
  auto again = sync_.ChangesSince(agent_, {});
  ASSERT_EQ(again.tasks.size(), 1U);
  EXPECT_EQ(again.tasks[0].tracking_number, kept);
  EXPECT_TRUE(again.removed.empty());
  EXPECT_EQ(again.cursor.event_id, later.cursor.event_id);
  // Couriers get no offers.
  const cases::Actor courier{kernel::Role::kCourier, 5, "钱寄递", "", ""};
  EXPECT_TRUE(sync_.ChangesSince(courier, {}).offers.empty());
}

// A phone on a cold start reads its open tasks a page at a time (`more` while some are left),
// then the events from the newest one when it began: a case changed between two pages comes
// again in the events, so nothing written meanwhile is missed.
TEST_F(SyncServiceTest, AColdStartPagesTheOpenTasksThenGoesOnWithTheEvents) {
  std::vector<std::string> assigned;
  for (int i = 0; i < 3; ++i) assigned.push_back(world_.Assigned(agent_).tracking_number);
  std::vector<std::string> paged;
  SyncCursor cursor;
  const std::int64_t head = world_.cases.NewestEventId();
  int calls = 0;
  for (bool more = true; more; ++calls) {
    auto page = sync_.ChangesSince(agent_, cursor, 1);
    ASSERT_EQ(page.tasks.size(), 1U);
    paged.push_back(page.tasks[0].tracking_number);
    EXPECT_EQ(page.cursor.event_id, head);
    if (calls == 0) {
      // Worked on between the pages: its event is after the cold start's cursor.
      world_.cases.Transition(assigned[0], cases::CaseScope::Everything(), CaseWorld::Supervisor(),
                              cases::CaseAction::kCancel, "申请人撤回", {}, std::nullopt);
    }
    EXPECT_EQ(page.more, page.cursor.open_work.has_value());
    cursor = page.cursor;
    more = page.more;
    ASSERT_LT(calls, 10) << "the pages never end";
  }
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(paged, assigned) << "in the task list's order";
  auto events = sync_.ChangesSince(agent_, cursor);
  EXPECT_EQ(events.removed,
            (std::vector<std::pair<std::string, std::string>>{{assigned[0], "cancelled"}}));
  EXPECT_FALSE(events.more);
  // The page is never larger than the task list's, whatever the limit.
  for (int i = 0; i < cases::kTaskListPage; ++i) world_.Assigned(agent_);
  auto whole = sync_.ChangesSince(agent_, {});
  EXPECT_EQ(whole.tasks.size(), static_cast<std::size_t>(cases::kTaskListPage));
  EXPECT_TRUE(whole.more);
}

// The events page too: calls of a small limit, each going on from the last one's cursor while
// `more` says so, see every task one call without a limit sees and end at the same cursor.
TEST_F(SyncServiceTest, ChangesPageWithALimitAndSayWhetherMoreFollow) {
  world_.Assigned(agent_);  // a case before the cursor: the events after it are the test's
  const auto before = sync_.ChangesSince(agent_, {}).cursor;
  ASSERT_GT(before.event_id, 0);
  std::set<std::string> assigned;
  for (int i = 0; i < 3; ++i) assigned.insert(world_.Assigned(agent_).tracking_number);
  auto whole = sync_.ChangesSince(agent_, before);
  EXPECT_FALSE(whole.more);
  std::set<std::string> paged;
  SyncCursor cursor = before;
  int calls = 0;
  for (bool more = true; more; ++calls) {
    auto page = sync_.ChangesSince(agent_, cursor, 1);
    EXPECT_LE(page.tasks.size(), 1U);
    for (const auto& task : page.tasks) paged.insert(task.tracking_number);
    EXPECT_GT(page.cursor.event_id, cursor.event_id);
    cursor = page.cursor;
    more = page.more;
    ASSERT_LT(calls, 1000) << "the pages never end";
  }
  EXPECT_GT(calls, 3);
  EXPECT_EQ(paged, assigned);
  EXPECT_EQ(cursor, whole.cursor);
  EXPECT_FALSE(sync_.ChangesSince(agent_, cursor, 1).more);
  for (const SyncCursor& from : {SyncCursor{}, before}) {
    for (int limit : {0, -1, cases::CaseService::kMaxChangesPerCall + 1}) {
      try {
        sync_.ChangesSince(agent_, from, limit);
        ADD_FAILURE() << "limit " << limit << " was taken";
      } catch (const kernel::ApiError& error) {
        EXPECT_EQ(error.Status(), 400);
        EXPECT_EQ(error.Field(), "limit");
      }
    }
  }
}

}  // namespace
}  // namespace daiban::mobile
