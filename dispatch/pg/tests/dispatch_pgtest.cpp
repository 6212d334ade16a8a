// Dispatch against real PostgreSQL and Redis: offers made, taken, declined and expired;
// direct assignment within capacity; the SLA watch; Redis flushed mid-flow; and two dispatch
// instances racing over 2,000 cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/pg/redis_guess_limiter.hpp"
#include "daiban/cases/testing/case_world.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/db/outbox_relay.hpp"
#include "daiban/db/pg_listener.hpp"
#include "daiban/db/stream_consumer.hpp"
#include "daiban/dispatch/app/dispatch_service.hpp"
#include "daiban/dispatch/live/live_state.hpp"
#include "daiban/dispatch/pg/pg_dispatch_store.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "scratch_database.hpp"

namespace daiban::dispatch {
namespace {

using kernel::Role;

// 2026-12-01 (a Tuesday) 10:00 China Standard Time.
const kernel::Instant kTuesdayMorning = kernel::Instant(std::chrono::seconds(1796090400));

// One dispatch process: its own pools and services over the shared database and Redis.
struct Instance {
  Instance(const std::string& url, const kernel::Clock& clock, kernel::IdGenerator& ids,
           const kernel::Logger& logger, DispatchOptions options = {}) {
    pool = std::make_unique<db::PgPool>(db::PgOptions{.url = url, .pool_size = 4});
    db::RedisOptions redis_options;
    redis_options.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
    // A database of its own: the test stack's running dispatch rebuilds database 0.
    redis_options.database = 3;
    redis = std::make_unique<db::RedisPool>(redis_options);
    catalogue = std::make_unique<catalogue::PgCatalogueStore>(*pool);
    calendar_store = std::make_unique<catalogue::PgCalendarStore>(*pool);
    calendar =
        std::make_unique<catalogue::CalendarService>(*calendar_store, clock, cases::OfficeHours{});
    case_catalogue = std::make_unique<catalogue::CatalogueForCases>(*catalogue);
    case_store = std::make_unique<cases::PgCaseStore>(*pool);
    guesses = std::make_unique<cases::RedisGuessLimiter>(*redis, 100, std::chrono::seconds(60));
    case_service = std::make_unique<cases::CaseService>(*case_store, *case_catalogue, *calendar,
                                                        *guesses, clock, ids);
    store = std::make_unique<PgDispatchStore>(*pool);
    live = std::make_unique<RedisLiveState>(*redis, clock);
    service =
        std::make_unique<DispatchService>(*store, *case_service, *live, clock, logger, options);
  }
  std::unique_ptr<db::PgPool> pool;
  std::unique_ptr<db::RedisPool> redis;
  std::unique_ptr<catalogue::PgCatalogueStore> catalogue;
  std::unique_ptr<catalogue::PgCalendarStore> calendar_store;
  std::unique_ptr<catalogue::CalendarService> calendar;
  std::unique_ptr<catalogue::CatalogueForCases> case_catalogue;
  std::unique_ptr<cases::PgCaseStore> case_store;
  std::unique_ptr<cases::RedisGuessLimiter> guesses;
  std::unique_ptr<cases::CaseService> case_service;
  std::unique_ptr<PgDispatchStore> store;
  std::unique_ptr<RedisLiveState> live;
  std::unique_ptr<DispatchService> service;
};

class DispatchPgTest : public ::testing::Test {
 protected:
  DispatchPgTest() {
    database_.Migrate();
    main_ = std::make_unique<Instance>(database_.Url(), clock_, ids_, logger_, Options());
    std::vector<std::pair<std::string, std::string>> files;
    auto demo = std::filesystem::path(DAIBAN_SOURCE_DIR) / "db/seed/demo";
    for (const auto& name : catalogue::CatalogueFileNames())
      files.emplace_back(name, kernel::ReadFile(demo / name));
    catalogue::CatalogueService(*main_->catalogue, clock_).Import(files);
    main_->calendar->Load("cn-calendar-2026.csv",
                          kernel::ReadFile(std::filesystem::path(DAIBAN_SOURCE_DIR) /
                                           "db/seed/calendar/cn-calendar-2026.csv"));
    main_->live->Rebuild({});  // an empty, built live state for this test
  }

  static DispatchOptions Options() {
    DispatchOptions options;
    options.offers.ttl = std::chrono::seconds(120);
    options.offers.max_offers_per_case = 3;
    return options;
  }

  // An agent covering 历下区, on duty around the clock.
  std::int64_t AddAgent(const std::string& name, int capacity, double lat = 36.66,
                        double lng = 117.05) {
    return AddAgentIn(name, {"370102"}, {"JN-GA", "JN-SCJG"}, capacity, lat, lng);
  }
  std::int64_t AddAgentIn(const std::string& name, const std::vector<std::string>& regions,
                          const std::vector<std::string>& departments, int capacity = 3,
                          double lat = 36.66, double lng = 117.05) {
    accounts::PgAccountStore accounts(*main_->pool);
    std::string phone = "1370000" + std::to_string(1000 + next_phone_++);
    auto id =
        accounts.AddUser({accounts::Role::kAgent, name, phone, "", regions.front(), ""}, "unused");
    AgentSettings settings;
    settings.user_id = id;
    settings.capacity = capacity;
    settings.on_duty = true;
    settings.hours.fill("00:00-24:00");
    settings.regions = regions;
    settings.departments = departments;
    main_->service->SaveAgent(settings);
    main_->pool->Transact([&](pqxx::dbtransaction& tx) {
      tx.exec_params("UPDATE agents SET last_lat = $2, last_lng = $3 WHERE user_id = $1", id, lat,
                     lng);
    });
    return id;
  }

  // A case of 户口迁移 (JN-GA) in 历下区, accepted by the window.
  std::string AcceptedCase() {
    const auto request = cases::testing::HukouRequest(cases::DeliveryMethod::kWindow);
    std::string tracking;
    main_->case_service->Submit(request, kernel::IdempotentAnswer{"t", ids_.HexId(8), "h", 0, ""},
                                [&](const cases::Submission& s) {
                                  tracking = s.created.tracking_number;
                                  return std::string("{}");
                                });
    main_->case_service->Accept(tracking, {Role::kWindow, 0, "王窗口", "370102", ""}, {});
    return tracking;
  }

  int Count(const std::string& sql) {
    int n = 0;
    main_->pool->Read([&](pqxx::transaction_base& tx) { n = tx.exec(sql)[0][0].as<int>(); });
    return n;
  }

  void ExpectTheTwoCasesBehindOffered(int total, int refused);

  static cases::Actor AgentActor(std::int64_t id) { return {Role::kAgent, id, "代办员", "", ""}; }
  static cases::Actor Supervisor() { return {Role::kSupervisor, 0, "张督办", "370102", ""}; }
  static cases::Actor SupervisorOf(const std::string& region, const std::string& department) {
    return {Role::kSupervisor, 0, "督办", region, department};
  }
  static cases::Actor Admin() { return {Role::kAdmin, 0, "管理员", "", ""}; }

  static std::set<std::int64_t> Ids(const std::vector<AgentRecord>& agents) {
    std::set<std::int64_t> ids;
    for (const auto& a : agents) ids.insert(a.profile.id);
    return ids;
  }

  // The code of the ApiError `action` throws ("" when it throws none).
  template <typename Action>
  static std::string ErrorOf(Action action) {
    try {
      action();
    } catch (const kernel::ApiError& error) {
      return std::to_string(error.Status()) + " " + error.Code() + " " + error.Field();
    }
    return "";
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kTuesdayMorning};
  kernel::SeededIdGenerator ids_{99};
  kernel::SystemClock log_clock_;
  kernel::Logger logger_{"test", kernel::LogLevel::kError, log_clock_};
  std::unique_ptr<Instance> main_;
  int next_phone_ = 0;
};

TEST_F(DispatchPgTest, TheNearestAgentGetsTheOfferAndTakesIt) {
  auto near = AddAgent("近", 3, 36.66, 117.05);
  AddAgent("远", 3, 36.80, 117.40);
  auto tracking = AcceptedCase();
  main_->service->OnCaseEvent(tracking, "accepted", "370102001");
  auto offers = main_->store->PendingOffers(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].agent_id, near);
  EXPECT_EQ(offers[0].tracking_number, tracking);
  EXPECT_EQ(main_->live->PendingCount("370102"), 0u) << "an offered case leaves the queue";
  // Another agent cannot take it; the offered one can.
  EXPECT_THROW(main_->service->AcceptOffer(offers[0].id, AgentActor(near + 1)), kernel::ApiError);
  auto taken = main_->service->AcceptOffer(offers[0].id, AgentActor(near));
  EXPECT_EQ(taken.state, cases::CaseState::kAssigned);
  EXPECT_EQ(taken.agent_id, near);
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'accepted'"), 1);
  // Accepting again (a lost answer, a resent request) answers the same case and changes nothing.
  auto again = main_->service->AcceptOffer(offers[0].id, AgentActor(near));
  EXPECT_EQ(again.agent_id, near);
  EXPECT_EQ(again.version, taken.version);
  EXPECT_EQ(Count("SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id "
                  "WHERE c.tracking_number = '" +
                  tracking + "' AND e.type = 'assign'"),
            1);
  EXPECT_THROW(main_->service->AcceptOffer(offers[0].id, AgentActor(near + 1)), kernel::ApiError);
}

TEST_F(DispatchPgTest, AnOfferOfASuspendedCaseIsWithdrawn) {
  auto agent = AddAgent("甲", 1);
  auto tracking = AcceptedCase();
  ASSERT_TRUE(main_->service->OfferNow(tracking));
  main_->case_service->Suspend(tracking, {Role::kWindow, 0, "王窗口", "370102", ""}, "等待核查");
  main_->service->OnCaseEvent(tracking, "suspended", "370102001");
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'withdrawn'"), 1);
  EXPECT_EQ(main_->store->Agent(agent, kernel::StaffScope::Everything())->pending_offers, 0)
      << "the agent's place is free again";
  // A late event for a case waiting again withdraws nothing.
  main_->case_service->Resume(tracking, {Role::kWindow, 0, "王窗口", "370102", ""}, "");
  main_->service->OnCaseEvent(tracking, "accepted", "370102001");
  ASSERT_EQ(main_->store->PendingOffers(0).size(), 1u);
  main_->service->OnCaseEvent(tracking, "suspended", "370102001");
  EXPECT_EQ(main_->store->PendingOffers(0).size(), 1u);
}

TEST_F(DispatchPgTest, ADeclinedOfferPassesOnAndKeepsItsReason) {
  auto first = AddAgent("甲", 3, 36.66, 117.05);
  auto second = AddAgent("乙", 3, 36.70, 117.10);
  auto tracking = AcceptedCase();
  auto offer = main_->service->OfferNow(tracking);
  ASSERT_TRUE(offer);
  const auto declining = offer->agent_id;  // whichever is cheaper for the department's hall
  const auto other = declining == first ? second : first;
  main_->service->DeclineOffer(offer->id, AgentActor(declining), "正在办理其他件");
  auto next = main_->store->PendingOffers(0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].agent_id, other);
  EXPECT_EQ(main_->store->Offer(offer->id)->decline_reason, "正在办理其他件");
  // Declining again answers as the first time and passes the case on no further.
  main_->service->DeclineOffer(offer->id, AgentActor(declining), "正在办理其他件");
  ASSERT_EQ(main_->store->PendingOffers(0).size(), 1u);
  EXPECT_EQ(main_->store->PendingOffers(0)[0].id, next[0].id);
  EXPECT_THROW(main_->service->DeclineOffer(next[0].id, AgentActor(other), ""), kernel::ApiError);
}

TEST_F(DispatchPgTest, UnansweredOffersExpireAndEscalateAfterTheLimit) {
  AddAgent("甲", 3, 36.66, 117.05);
  AddAgent("乙", 3, 36.70, 117.10);
  AddAgent("丙", 3, 36.75, 117.15);
  auto tracking = AcceptedCase();
  ASSERT_TRUE(main_->service->OfferNow(tracking));
  for (int round = 0; round < 3; ++round) {
    clock_.Advance(std::chrono::seconds(121));
    EXPECT_EQ(main_->service->ExpireOffers(), 1);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'expired'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'pending'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE kind = 'unassigned'"), 1);
  EXPECT_EQ(main_->live->PendingCount("370102"), 1u) << "the case waits for a supervisor";
}

TEST_F(DispatchPgTest, SupervisorsAssignBeyondCapacityOnlyWithAReason) {
  auto agent = AddAgent("甲", 1);
  auto a = AcceptedCase();
  auto b = AcceptedCase();
  auto assigned = main_->service->Assign(a, agent, Supervisor(), "熟悉该业务");
  EXPECT_EQ(assigned.assigned.state, cases::CaseState::kAssigned);
  EXPECT_TRUE(assigned.overrides.empty());
  // Full: overriding the capacity needs a reason.
  EXPECT_EQ(ErrorOf([&] { main_->service->Assign(b, agent, Supervisor(), ""); }),
            "422 validation_failed reason");
  EXPECT_EQ(Count("SELECT count(*) FROM cases WHERE agent_id IS NOT NULL"), 1);
  auto over = main_->service->Assign(b, agent, Supervisor(), "急件，甲最熟悉");
  EXPECT_EQ(over.overrides, (std::vector<std::string>{"no_capacity"}));
  EXPECT_EQ(Count("SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id "
                  "WHERE c.tracking_number = '" +
                  b +
                  "' AND e.type = 'assign' AND e.reason = '急件，甲最熟悉' "
                  "AND e.data->'overrides' = '[\"no_capacity\"]'::jsonb"),
            1);
  // Back to the queue with a reason.
  main_->service->Reassign(a, std::nullopt, Supervisor(), "代办员请假");
  EXPECT_EQ(Count("SELECT count(*) FROM cases WHERE state = 'assigned'"), 1);
}

// The agents' board reads each agent's open work from the counter kept as the cases change
// (0029) and the appointments from the open cases that have one: both are what the cases
// table says, per agent and for one.
TEST_F(DispatchPgTest, TheAgentsBoardCountsOpenCasesAndAssignmentReadsTheirAppointments) {
  auto busy = AddAgent("甲", 5);
  auto light = AddAgent("乙", 5);
  auto idle = AddAgent("丙", 5);
  std::vector<std::string> busy_cases;
  for (int i = 0; i < 3; ++i) {
    busy_cases.push_back(AcceptedCase());
    main_->service->Assign(busy_cases.back(), busy, Supervisor(), "");
  }
  auto light_case = AcceptedCase();
  main_->service->Assign(light_case, light, Supervisor(), "");
  // Appointments on two of the busy agent's cases and the light one's; one busy case goes back
  // to the queue with its appointment, which then belongs to no agent's open work.
  std::int64_t epoch = 1796100000;
  main_->pool->Transact([&](pqxx::dbtransaction& tx) {
    for (const auto& tracking : {busy_cases[0], busy_cases[1], light_case}) {
      tx.exec_params(
          "UPDATE cases SET appointment_at = to_timestamp($2) WHERE tracking_number = $1", tracking,
          epoch);
      epoch += 3600;
    }
  });
  main_->service->Reassign(busy_cases[1], std::nullopt, Supervisor(), "代办员请假");
  // One moves from agent to agent, and back, and over again: the counts follow each move.
  main_->service->Reassign(busy_cases[2], light, Supervisor(), "就近");
  main_->service->Reassign(busy_cases[2], busy, Supervisor(), "改回");
  main_->service->Reassign(light_case, busy, Supervisor(), "乙请假");
  main_->service->Reassign(light_case, light, Supervisor(), "乙回来了");

  auto expected_appointments = [&](std::int64_t agent) {
    std::vector<std::int64_t> at;
    main_->pool->Read([&](pqxx::transaction_base& tx) {
      for (const auto& row : tx.exec_params(
               "SELECT extract(epoch FROM appointment_at)::bigint FROM cases WHERE agent_id = $1 "
               "AND appointment_at IS NOT NULL AND state IN ('assigned', 'in_progress', "
               "'suspended') ORDER BY 1",
               agent)) {
        at.push_back(row[0].as<std::int64_t>());
      }
    });
    return at;
  };
  auto appointments_of = [](const AgentRecord& record) {
    std::vector<std::int64_t> at;
    for (auto moment : record.profile.appointments) at.push_back(moment.time_since_epoch().count());
    std::sort(at.begin(), at.end());
    return at;
  };
  std::map<std::int64_t, int> expected_open = {{busy, 2}, {light, 1}, {idle, 0}};
  int seen = 0;
  for (const auto& record : main_->service->Agents(Admin(), "", {}).agents) {
    auto id = record.profile.id;
    if (!expected_open.contains(id)) continue;
    ++seen;
    EXPECT_EQ(record.open_cases, expected_open[id]) << id;
    EXPECT_EQ(record.open_cases,
              Count("SELECT count(*) FROM cases WHERE agent_id = " + std::to_string(id) +
                    " AND state IN ('assigned', 'in_progress', 'suspended')"));
    // The board shows no appointments; one agent's view and what assignment reads list them.
    EXPECT_TRUE(record.profile.appointments.empty());
    auto one = main_->service->Agent(Admin(), id);
    EXPECT_EQ(one.open_cases, record.open_cases);
    EXPECT_EQ(appointments_of(one), expected_appointments(id)) << id;
  }
  EXPECT_EQ(seen, 3);
  for (const auto& record : main_->store->Agents("", kernel::StaffScope::Everything(), {})) {
    if (!expected_open.contains(record.profile.id)) continue;
    EXPECT_EQ(appointments_of(record), expected_appointments(record.profile.id));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM agent_open_work w FULL JOIN (SELECT agent_id, count(*) "
                  "AS cases FROM cases WHERE state IN ('assigned', 'in_progress', 'suspended') "
                  "GROUP BY agent_id) c USING (agent_id) "
                  "WHERE coalesce(w.cases, 0) <> coalesce(c.cases, 0)"),
            0);
  EXPECT_EQ(expected_appointments(busy).size(), 1u);
  EXPECT_EQ(expected_appointments(light).size(), 1u);
  EXPECT_TRUE(expected_appointments(idle).empty());
}

// Each agent's open-work counter (0029) through every way a case enters and leaves an agent's
// work, two writers at once moving cases between the same two agents in opposite directions:
// the counter rows are locked in agent order, so neither waits for the other in a cycle (a
// deadlock would surface here as a pqxx::transaction_rollback), and every count is exact.
TEST_F(DispatchPgTest, EachAgentsOpenWorkIsCountedAsItsCasesMove) {
  auto first = AddAgent("甲", 100);
  auto second = AddAgent("乙", 100);
  std::vector<std::string> cases;
  for (int i = 0; i < 8; ++i) {
    cases.push_back(AcceptedCase());
    main_->service->Assign(cases.back(), i % 2 == 0 ? first : second, Supervisor(), "");
  }
  auto exact = [&] {
    return Count(
               "SELECT count(*) FROM agent_open_work w FULL JOIN (SELECT agent_id, count(*) "
               "AS cases FROM cases WHERE state IN ('assigned', 'in_progress', 'suspended') "
               "GROUP BY agent_id) c USING (agent_id) "
               "WHERE coalesce(w.cases, 0) <> coalesce(c.cases, 0)") == 0;
  };
  auto open_work = [&](std::int64_t agent) {
    return Count("SELECT coalesce((SELECT cases FROM agent_open_work WHERE agent_id = " +
                 std::to_string(agent) + "), 0)");
  };
  EXPECT_EQ(open_work(first), 4);
  EXPECT_EQ(open_work(second), 4);

  // Each writer swaps the agents of its own four cases, one statement a case, forty times.
  std::atomic<int> failures{0};
  auto writer = [&](int parity) {
    db::PgPool pool({.url = database_.Url(), .pool_size = 1});
    for (int round = 0; round < 40; ++round) {
      try {
        pool.Transact([&](pqxx::dbtransaction& tx) {
          for (std::size_t i = parity; i < cases.size(); i += 2) {
            tx.exec_params(
                "UPDATE cases SET agent_id = CASE agent_id WHEN $2 THEN $3 ELSE $2 END "
                "WHERE tracking_number = $1",
                cases[i], first, second);
          }
        });
      } catch (const std::exception&) {
        ++failures;
      }
    }
  };
  std::thread one(writer, 0), other(writer, 1);
  one.join();
  other.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(exact());

  // In progress and suspended stay open work; a result ready leaves it, as does a cancel.
  main_->pool->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params("UPDATE cases SET state = 'in_progress' WHERE tracking_number = $1", cases[0]);
    tx.exec_params(
        "UPDATE cases SET state = 'suspended', suspended_at = now() "
        "WHERE tracking_number = $1",
        cases[1]);
    tx.exec_params(
        "UPDATE cases SET state = 'result_ready', result_ready_at = now() "
        "WHERE tracking_number = $1",
        cases[2]);
  });
  EXPECT_TRUE(exact());
  main_->pool->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params("UPDATE cases SET state = 'cancelled' WHERE tracking_number = $1", cases[3]);
  });
  EXPECT_TRUE(exact());
  EXPECT_EQ(open_work(first) + open_work(second), 6);
}

TEST_F(DispatchPgTest, AssignmentRefusesRegionDepartmentAndInactiveAccounts) {
  auto tracking = AcceptedCase();  // GA-002 (JN-GA) in 370102001
  auto shizhong = AddAgentIn("市中", {"370103"}, {"JN-GA"});
  auto unskilled = AddAgentIn("无户籍", {"370102"}, {"JN-SCJG"});
  auto gone = AddAgentIn("离职", {"370102"}, {"JN-GA"});
  auto resting = AddAgentIn("休息", {"370102"}, {"JN-GA"});
  main_->pool->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params("UPDATE users SET active = false WHERE id = $1", gone);
    tx.exec_params("UPDATE agents SET on_duty = false WHERE user_id = $1", resting);
  });
  const std::string reason = "督办指定";
  EXPECT_EQ(ErrorOf([&] { main_->service->Assign(tracking, shizhong, Admin(), reason); }),
            "409 agent_outside_region agent_id");
  EXPECT_EQ(ErrorOf([&] { main_->service->Assign(tracking, unskilled, Admin(), reason); }),
            "409 agent_lacks_department agent_id");
  EXPECT_EQ(ErrorOf([&] { main_->service->Assign(tracking, gone, Admin(), reason); }),
            "409 agent_inactive agent_id");
  // An agent outside the supervisor's scope is unknown to it; a case outside it too.
  EXPECT_EQ(ErrorOf([&] { main_->service->Assign(tracking, shizhong, Supervisor(), reason); }),
            "422 validation_failed agent_id");
  EXPECT_EQ(ErrorOf([&] {
              main_->service->Assign(tracking, shizhong, SupervisorOf("370103", ""), reason);
            }),
            "404 not_found ");
  EXPECT_EQ(Count("SELECT count(*) FROM cases WHERE agent_id IS NOT NULL"), 0);
  // Off duty is overridden, with a reason, and recorded.
  EXPECT_EQ(ErrorOf([&] { main_->service->Assign(tracking, resting, Supervisor(), ""); }),
            "422 validation_failed reason");
  auto done = main_->service->Assign(tracking, resting, Supervisor(), reason);
  EXPECT_EQ(done.assigned.agent_id, resting);
  EXPECT_EQ(done.overrides, (std::vector<std::string>{"off_duty"}));
  // A reassignment to an ineligible agent is refused before the case leaves its agent.
  EXPECT_EQ(ErrorOf([&] { main_->service->Reassign(tracking, unskilled, Supervisor(), reason); }),
            "409 agent_lacks_department agent_id");
  EXPECT_EQ(Count("SELECT count(*) FROM cases WHERE agent_id = " + std::to_string(resting) +
                  " AND state = 'assigned'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM case_events WHERE type = 'unassign'"), 0);
}

TEST_F(DispatchPgTest, SupervisorsReachOnlyTheAgentsCasesAndAlertsOfTheirScope) {
  auto lixia = AddAgentIn("历下", {"370102"}, {"JN-GA", "JN-SCJG"});
  auto street = AddAgentIn("街道", {"370102001"}, {"JN-SCJG"});
  auto shizhong = AddAgentIn("市中", {"370103"}, {"JN-GA"});
  const auto lixia_supervisor = SupervisorOf("370102", "");
  const auto shizhong_supervisor = SupervisorOf("370103", "");
  const auto police = SupervisorOf("", "JN-GA");
  const auto lixia_police = SupervisorOf("370102", "JN-GA");
  auto agents = [&](const cases::Actor& viewer) {
    return Ids(main_->service->Agents(viewer, "", {}).agents);
  };
  EXPECT_EQ(agents(lixia_supervisor), (std::set<std::int64_t>{lixia, street}));
  EXPECT_EQ(agents(shizhong_supervisor), (std::set<std::int64_t>{shizhong}));
  EXPECT_EQ(agents(police), (std::set<std::int64_t>{lixia, shizhong}));
  EXPECT_EQ(agents(lixia_police), (std::set<std::int64_t>{lixia}));
  EXPECT_EQ(agents(Admin()), (std::set<std::int64_t>{lixia, street, shizhong}));
  // A region filter outside the scope leaves the list empty.
  EXPECT_TRUE(main_->service->Agents(shizhong_supervisor, "370102", {}).agents.empty());
  // One agent, and its duty: outside the scope as unknown (404), nothing changed.
  EXPECT_EQ(main_->service->Agent(lixia_supervisor, street).profile.id, street);
  EXPECT_EQ(ErrorOf([&] { main_->service->Agent(shizhong_supervisor, lixia); }), "404 not_found ");
  EXPECT_EQ(ErrorOf([&] { main_->service->Agent(lixia_police, street); }), "404 not_found ");
  EXPECT_EQ(ErrorOf([&] { main_->service->SetDuty(shizhong_supervisor, lixia, false); }),
            "404 not_found ");
  EXPECT_EQ(ErrorOf([&] { main_->service->SetDuty(police, street, false); }), "404 not_found ");
  EXPECT_EQ(Count("SELECT count(*) FROM agents WHERE NOT on_duty"), 0);
  main_->service->SetDuty(lixia_supervisor, street, false);
  EXPECT_EQ(Count("SELECT count(*) FROM agents WHERE NOT on_duty"), 1);
  // The queue and the alerts: a 历下区 case of JN-GA.
  auto tracking = AcceptedCase();
  main_->store->RaiseAlert(tracking, "unassigned", "test",
                           std::chrono::floor<std::chrono::seconds>(kTuesdayMorning));
  auto queued = [&](const cases::Actor& viewer) {
    for (const auto& q : main_->service->Queue(viewer, "")) {
      if (q.tracking_number == tracking) return true;
    }
    return false;
  };
  auto alerted = [&](const cases::Actor& viewer) {
    for (const auto& a : main_->service->Alerts(viewer, 100)) {
      if (a.tracking_number == tracking) return true;
    }
    return false;
  };
  for (const auto& viewer : {lixia_supervisor, police, lixia_police, Admin()}) {
    EXPECT_TRUE(queued(viewer)) << viewer.region_code << viewer.department_code;
    EXPECT_TRUE(alerted(viewer)) << viewer.region_code << viewer.department_code;
  }
  for (const auto& viewer : {shizhong_supervisor, SupervisorOf("", "JN-SCJG")}) {
    EXPECT_FALSE(queued(viewer)) << viewer.region_code << viewer.department_code;
    EXPECT_FALSE(alerted(viewer)) << viewer.region_code << viewer.department_code;
  }
  // Other roles are refused outright.
  EXPECT_EQ(ErrorOf([&] { main_->service->Agents(AgentActor(lixia), "", {}); }), "403 forbidden ");
}

TEST_F(DispatchPgTest, TheSlaWatchRaisesYellowThenRed) {
  auto tracking = AcceptedCase();  // GA-002: 5 working days, due 2026-12-08 17:00
  EXPECT_EQ(main_->service->WatchSla(), 0);
  // At risk when less than a quarter of its 47 working hours is left: Tuesday 12-08 10:00
  // leaves 7.
  clock_.Set(kTuesdayMorning + std::chrono::hours(24 * 7));
  EXPECT_EQ(main_->service->WatchSla(), 1);
  EXPECT_EQ(main_->service->WatchSla(), 0) << "raised once";
  clock_.Set(kTuesdayMorning + std::chrono::hours(24 * 8));  // Wednesday 12-09: overdue
  EXPECT_GE(main_->service->WatchSla(), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE kind = 'yellow'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE kind = 'red'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE stream = 'events:alerts'"), 2);
  cases::CaseFilter overdue;
  overdue.overdue = true;
  EXPECT_EQ(main_->case_service->List(overdue, {Role::kAdmin, 0, "", "", ""}).cases.size(), 1u);
  (void)tracking;
}

TEST_F(DispatchPgTest, RedisFlushedMidFlowLosesNoCase) {
  AddAgent("甲", 1);
  std::vector<std::string> cases;
  for (int i = 0; i < 4; ++i) cases.push_back(AcceptedCase());
  for (const auto& c : cases) main_->service->OnCaseEvent(c, "accepted", "370102001");
  EXPECT_EQ(main_->live->PendingCount("370102"), 3u);  // one offered, three waiting
  // Redis loses everything (this test's database; tests run one at a time).
  main_->redis->Command({"FLUSHDB"});
  EXPECT_FALSE(main_->live->IsBuilt());
  EXPECT_TRUE(main_->service->RebuildIfStale());
  EXPECT_EQ(main_->live->PendingCount("370102"), 3u);
  EXPECT_EQ(main_->live->DueOffers(std::numeric_limits<std::int64_t>::max() / 2, 10).size(), 1u);
  // The flow resumes: the offer is taken, the next case is offered.
  auto offer = main_->store->PendingOffers(0).front();
  main_->service->AcceptOffer(offer.id, AgentActor(offer.agent_id));
  auto more = AddAgent("乙", 5);
  EXPECT_EQ(main_->service->RunBatch(), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'pending' AND agent_id = " +
                  std::to_string(more)),
            3);
}

// `total` waiting cases, an hour apart (later acceptance, later deadline), the `refused` most
// urgent of them refused by both agents with a free place (甲 declined them, 乙 let them expire):
// a batch reading pages of two cases must offer the two cases behind them, and nothing else.
void DispatchPgTest::ExpectTheTwoCasesBehindOffered(int total, int refused) {
  auto options = Options();
  options.batch_limit = 2;
  Instance dispatch(database_.Url(), clock_, ids_, logger_, options);
  const auto first = AddAgent("甲", 2, 36.66, 117.05);
  const auto second = AddAgent("乙", 2, 36.70, 117.10);
  std::vector<std::string> cases;
  for (int i = 0; i < total; ++i) {
    cases.push_back(AcceptedCase());
    clock_.Advance(std::chrono::hours(1));
  }
  main_->pool->Transact([&](pqxx::dbtransaction& tx) {
    for (int i = 0; i < refused; ++i) {
      const auto& tracking = cases[static_cast<std::size_t>(i)];
      tx.exec_params(
          "INSERT INTO offers (case_id, agent_id, state, offered_at, expires_at, answered_at, "
          "decline_reason) SELECT id, $2, 'declined', now(), now(), now(), '不在附近' "
          "FROM cases WHERE tracking_number = $1",
          tracking, first);
      tx.exec_params(
          "INSERT INTO offers (case_id, agent_id, state, offered_at, expires_at) "
          "SELECT id, $2, 'expired', now(), now() FROM cases WHERE tracking_number = $1",
          tracking, second);
    }
  });
  dispatch.service->Rebuild();
  EXPECT_EQ(dispatch.service->RunBatch(), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM offers o JOIN cases c ON c.id = o.case_id "
                  "WHERE o.state = 'pending' AND c.tracking_number IN ('" +
                  cases[static_cast<std::size_t>(refused)] + "', '" +
                  cases[static_cast<std::size_t>(refused + 1)] + "')"),
            2);
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'pending'"), 2);
}

// The most urgent waiting cases were refused by every agent with a free place: they must not
// take the places batch after batch; the batch reads past them and offers the cases behind.
TEST_F(DispatchPgTest, CasesEveryFreeAgentDeclinedDoNotHoldThePlacesOfTheOthers) {
  ExpectTheTwoCasesBehindOffered(6, 4);
}

// More of them than a batch reads pages (kMaxWaitingPages, 20, of two cases here): the cases
// behind are offered all the same. A night's three agents declining every case of a deep queue
// had left every later case unoffered.
TEST_F(DispatchPgTest, ADeepRunOfCasesEveryFreeAgentRefusedHidesNothingBehindIt) {
  ExpectTheTwoCasesBehindOffered(50, 48);
}

TEST_F(DispatchPgTest, TwoInstancesOver2000CasesAssignOnceAndRespectCapacity) {
  // 40 agents with 30 places each (1,200 places) for 2,000 accepted cases, seeded in SQL.
  std::vector<std::int64_t> agents;
  for (int i = 0; i < 40; ++i) {
    agents.push_back(
        AddAgent("代办员" + std::to_string(i), 30, 36.60 + 0.005 * i, 117.0 + 0.004 * i));
  }
  main_->pool->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec(R"sql(
INSERT INTO cases (tracking_number, access_code_hash, item_code, mode, region_code, department_code,
  committed_days, state, applicant_kind, applicant_name, applicant_phone, applicant_id_number,
  applicant_address, applicant_lat, applicant_lng, delivery_method, created_at, accepted_at,
  deadline_at, at_risk_at, updated_at)
SELECT 'DBRACE' || lpad(g::text, 7, '0'), 'x', 'GA-002', 'proxy', '370102001', 'JN-GA', 5,
  'accepted', 'citizen', '测试', '13912345678', '11010519491231002X', '历下区', 36.66 + g * 0.00001,
  117.05, 'window', now(), now(), now() + (g || ' minutes')::interval + interval '3 days',
  now() + interval '2 days', now()
FROM generate_series(1, 2000) g)sql");
  });
  kernel::SystemClock wall;  // both instances at real time, as two processes would be
  kernel::RandomIdGenerator ids_a, ids_b;
  auto options = Options();
  options.batch_limit = 2000;  // the whole queue in one batch
  Instance a(database_.Url(), wall, ids_a, logger_, options);
  Instance b(database_.Url(), wall, ids_b, logger_, options);
  a.service->Rebuild();
  auto race = [](Instance& instance) {
    for (int round = 0; round < 3; ++round) instance.service->RunBatch();
  };
  std::thread first(race, std::ref(a));
  std::thread second(race, std::ref(b));
  first.join();
  second.join();
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT case_id FROM offers WHERE state = 'pending' "
                  "GROUP BY case_id HAVING count(*) > 1) x"),
            0)
      << "a case was offered twice";
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'pending'"), 1200)
      << "every place filled";
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT agent_id FROM offers WHERE state = 'pending' "
                  "GROUP BY agent_id HAVING count(*) > 30) x"),
            0)
      << "an agent got more than its capacity";
  // Both instances accept every offer at once; each case ends assigned exactly once.
  auto offers = a.store->PendingOffers(0);
  auto accept = [&](Instance& instance, std::size_t parity) {
    for (std::size_t i = 0; i < offers.size(); ++i) {
      // Both try every offer; only one may win each.
      try {
        instance.service->AcceptOffer(offers[(i + parity) % offers.size()].id,
                                      AgentActor(offers[(i + parity) % offers.size()].agent_id));
      } catch (const kernel::ApiError&) {
      }
    }
  };
  std::thread accept_a(accept, std::ref(a), 0);
  std::thread accept_b(accept, std::ref(b), offers.size() / 2);
  accept_a.join();
  accept_b.join();
  EXPECT_EQ(Count("SELECT count(*) FROM cases WHERE state = 'assigned'"), 1200);
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT case_id FROM case_events WHERE type = 'assign' "
                  "GROUP BY case_id HAVING count(*) > 1) x"),
            0)
      << "a case was assigned twice";
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT agent_id FROM cases WHERE state = 'assigned' "
                  "GROUP BY agent_id HAVING count(*) > 30) x"),
            0);
}

// The real-time path end to end in one process: the outbox trigger's notification wakes the
// relay, the relay publishes to the stream, a consumer of the dispatch group hands each event to
// dispatch. Notifications lost, a consumer killed with events read but unfinished, and events
// published twice must neither lose nor duplicate an offer: PostgreSQL arbitrates.
TEST_F(DispatchPgTest, TheWakeUpPathNeitherLosesNorDuplicatesOffers) {
  using namespace std::chrono_literals;
  for (int i = 0; i < 3; ++i) AddAgent("代办员" + std::to_string(i), 10, 36.66 + 0.01 * i);
  const std::string stream = "events:cases";
  main_->redis->Command({"DEL", stream});
  db::OutboxRelay relay(*main_->pool, *main_->redis, logger_);
  relay.RunOnce();  // what the fixture's setup wrote
  auto unpublished = [&] {
    return Count("SELECT count(*) FROM outbox WHERE published_at IS NULL");
  };
  // Waits (generously; never a timed assertion) until `done` holds.
  auto eventually = [](const std::function<bool()>& done) {
    for (int i = 0; i < 3000 && !done(); ++i) std::this_thread::sleep_for(10ms);
    return done();
  };

  std::mutex relay_mutex;  // the listener's thread and the test both run the relay
  std::atomic<bool> announced{false};
  db::PgListener listener(
      database_.Url(), db::kOutboxChannel,
      [&](const std::string& payload) {
        if (payload.empty()) announced = true;
        std::lock_guard lock(relay_mutex);
        relay.RunOnce();
      },
      logger_);
  listener.Start();
  ASSERT_TRUE(eventually([&] { return announced.load(); }));
  std::vector<std::string> cases;
  for (int i = 0; i < 4; ++i) cases.push_back(AcceptedCase());
  // Woken by the commits alone: nobody polls.
  EXPECT_TRUE(eventually([&] { return unpublished() == 0; }));

  // Notifications lost (the listener is gone): the events wait for the safety-net poll.
  listener.Stop();
  for (int i = 0; i < 4; ++i) cases.push_back(AcceptedCase());
  EXPECT_GT(unpublished(), 0);
  {
    std::lock_guard lock(relay_mutex);
    while (relay.RunOnce() > 0) {
    }
  }
  EXPECT_EQ(unpublished(), 0);

  auto handle = [&](const db::StreamMessage& m) {
    const auto& p = m.payload;
    if (!p.is_object() || !p.contains("to")) return;
    main_->service->OnCaseEvent(p.value("tracking_number", m.aggregate), p["to"].get<std::string>(),
                                p.value("region_code", ""));
  };
  db::StreamConsumer doomed(*main_->redis, stream, "dispatch", "doomed:9102", handle, logger_);
  doomed.EnsureGroup();
  // "doomed" reads half the events and is killed before finishing any of them.
  main_->redis->Command(
      {"XREADGROUP", "GROUP", "dispatch", "doomed:9102", "COUNT", "8", "STREAMS", stream, ">"});
  // The relay sends some events again (a run that failed after its XADDs): same outbox ids.
  auto entries = main_->redis->Command({"XRANGE", stream, "-", "+", "COUNT", "6"});
  for (const auto& entry : entries.elements) {
    std::vector<std::string> argv = {"XADD", stream, "*"};
    for (const auto& field : entry.elements.at(1).elements) argv.push_back(field.text);
    main_->redis->Command(argv);
  }

  db::StreamConsumer survivor(*main_->redis, stream, "dispatch", "survivor:9102", handle, logger_,
                              {.claim_idle = std::chrono::hours(1), .dead_consumer_idle = 200ms});
  auto pending = [&] {
    auto summary = main_->redis->Command({"XPENDING", stream, "dispatch"});
    return summary.elements.at(0).integer;
  };
  EXPECT_TRUE(eventually([&] {
    survivor.RunOnce();
    return pending() == 0 && Count("SELECT count(*) FROM offers") >= 8;
  }));
  EXPECT_EQ(Count("SELECT count(*) FROM offers WHERE state = 'pending'"), 8) << "one each";
  EXPECT_EQ(Count("SELECT count(*) FROM offers"), 8) << "no case offered twice";
  EXPECT_EQ(Count("SELECT count(*) FROM cases c WHERE c.state = 'accepted' AND NOT EXISTS "
                  "(SELECT 1 FROM offers o WHERE o.case_id = c.id)"),
            0)
      << "every accepted case offered";
  main_->redis->Command({"DEL", stream});
}

// The phone triggers (migration 0022): an offer made or answered and a case given to an agent
// wake that agent's waiting phone, only when the writing transaction commits.
TEST_F(DispatchPgTest, OffersAndAssignmentsNotifyTheAgentsPhone) {
  using namespace std::chrono_literals;
  auto agent = AddAgent("甲", 3);
  std::mutex mutex;
  std::vector<std::string> heard;
  std::atomic<bool> listening{false};
  db::PgListener listener(
      database_.Url(), db::kPhoneChannel,
      [&](const std::string& payload) {
        if (payload.empty()) listening = true;
        std::lock_guard lock(mutex);
        if (!payload.empty()) heard.push_back(payload);
      },
      logger_);
  listener.Start();
  auto heard_for = [&](const std::string& prefix) {
    std::lock_guard lock(mutex);
    return std::count_if(heard.begin(), heard.end(),
                         [&](const std::string& payload) { return payload.rfind(prefix, 0) == 0; });
  };
  // Waits (generously; never a timed assertion) until `done` holds.
  auto eventually = [](const std::function<bool()>& done) {
    for (int i = 0; i < 3000 && !done(); ++i) std::this_thread::sleep_for(10ms);
    return done();
  };
  ASSERT_TRUE(eventually([&] { return listening.load(); }));
  const std::string mine = std::to_string(agent) + ":";

  auto tracking = AcceptedCase();
  main_->service->OnCaseEvent(tracking, "accepted", "370102001");
  ASSERT_TRUE(eventually([&] { return heard_for("offer:" + mine) == 1; }));
  {
    std::lock_guard lock(mutex);
    const std::string& payload = heard.back();
    auto ms = std::stoll(payload.substr(payload.rfind(':') + 1));
    EXPECT_GT(ms, 1'700'000'000'000LL) << "the change's wall-clock time in milliseconds";
  }
  auto offers = main_->store->PendingOffers(0);
  ASSERT_EQ(offers.size(), 1u);
  main_->service->AcceptOffer(offers[0].id, AgentActor(agent));
  EXPECT_TRUE(eventually([&] { return heard_for("offer:" + mine) == 2; })) << "the offer answered";
  EXPECT_TRUE(eventually([&] { return heard_for("case:" + mine) >= 1; })) << "the case assigned";

  // A write that rolls back wakes nobody: a marker committed after it arrives (notifications
  // come in commit order) while the rolled-back one never does.
  auto before = heard_for("offer:" + mine);
  {
    pqxx::connection connection(database_.Url());
    {
      pqxx::work tx(connection);
      tx.exec("UPDATE offers SET state = 'expired' WHERE state = 'accepted'");
      tx.abort();
    }
    pqxx::nontransaction marker(connection);
    marker.exec("SELECT phone_notify('offer', -1)");
  }
  ASSERT_TRUE(eventually([&] { return heard_for("offer:-1:") == 1; }));
  EXPECT_EQ(heard_for("offer:" + mine), before);
  listener.Stop();
}

}  // namespace
}  // namespace daiban::dispatch
