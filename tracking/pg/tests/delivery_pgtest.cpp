// Deliveries against real PostgreSQL: created once per express result, given to the courier
// whose improved plan grows least (grouped by hall, never over capacity, also when two assigners
// race), the courier's stops re-planned from the stored order when its list changes (a stop it
// has arrived at never moves), the courier's actions moving the case to closed with attempts and
// the chain of custody kept, a window hand-over cancelling the leg, and the public view's rounded
// position and ETA.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/cases/custody.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/pg/redis_guess_limiter.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "daiban/tracking/app/delivery_service.hpp"
#include "daiban/tracking/pg/pg_delivery_store.hpp"
#include "scratch_database.hpp"

namespace daiban::tracking {
namespace {

using cases::CaseAction;
using cases::CaseScope;
using kernel::Role;

// 2026-12-01 (a Tuesday) 10:00 China Standard Time.
const kernel::Instant kTuesdayMorning = kernel::Instant(std::chrono::seconds(1796090400));
constexpr const char* kApplicantId = "11010519491231002X";

// The halls of the catalogue's departments, keyed like the tracking service's.
class Halls final : public HallDirectory {
 public:
  explicit Halls(catalogue::PgCatalogueStore& catalogue) : catalogue_(catalogue) {}
  std::optional<Hall> HallOf(const std::string& code) override {
    for (const auto& d : catalogue_.Departments()) {
      if (d.code == code)
        return Hall{"dept:" + d.code, d.hall_name, d.hall_address, {d.hall.lat, d.hall.lng}};
    }
    return std::nullopt;
  }

 private:
  catalogue::PgCatalogueStore& catalogue_;
};

class DeliveryPgTest : public ::testing::Test {
 protected:
  DeliveryPgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 4});
    catalogue_ = std::make_unique<catalogue::PgCatalogueStore>(*pool_);
    calendar_store_ = std::make_unique<catalogue::PgCalendarStore>(*pool_);
    calendar_ = std::make_unique<catalogue::CalendarService>(*calendar_store_, clock_,
                                                             cases::OfficeHours{});
    case_catalogue_ = std::make_unique<catalogue::CatalogueForCases>(*catalogue_);
    case_store_ = std::make_unique<cases::PgCaseStore>(*pool_);
    cases_ = std::make_unique<cases::CaseService>(*case_store_, *case_catalogue_, *calendar_,
                                                  guesses_, clock_, ids_);
    store_ = std::make_unique<PgDeliveryStore>(*pool_);
    halls_ = std::make_unique<Halls>(*catalogue_);
    service_ = std::make_unique<DeliveryService>(*store_, *cases_, *halls_, clock_);
    std::vector<std::pair<std::string, std::string>> files;
    auto demo = std::filesystem::path(DAIBAN_SOURCE_DIR) / "db/seed/demo";
    for (const auto& name : catalogue::CatalogueFileNames())
      files.emplace_back(name, kernel::ReadFile(demo / name));
    catalogue::CatalogueService(*catalogue_, clock_).Import(files);
    calendar_->Load("cn-calendar-2026.csv",
                    kernel::ReadFile(std::filesystem::path(DAIBAN_SOURCE_DIR) /
                                     "db/seed/calendar/cn-calendar-2026.csv"));
    accounts::PgAccountStore accounts(*pool_);
    agent_ =
        accounts.AddUser({accounts::Role::kAgent, "赵代办", "13600000001", "", "370102", ""}, "x");
  }

  std::int64_t AddCourier(const std::string& name, int capacity, GeoPoint base,
                          const std::string& region = "370102") {
    accounts::PgAccountStore accounts(*pool_);
    std::string phone = "1350000" + std::to_string(1000 + next_phone_++);
    auto id = accounts.AddUser({accounts::Role::kCourier, name, phone, "", region, ""}, "x");
    service_->SaveCourier({id, "中国邮政EMS", "ebike", capacity, true, base, {region}});
    return id;
  }

  // A case of 户口迁移 (JN-GA) in 历下区 that the agent is handling.
  std::string InProgress(bool express = true, GeoPoint to = {36.670, 117.060}) {
    cases::CaseRequest request;
    request.item_code = "GA-002";
    request.mode = "proxy";
    request.region_code = "370102001";
    request.applicant = {cases::ApplicantKind::kCitizen,
                         "刘市民",
                         "13912345678",
                         kApplicantId,
                         "历下区解放路1号",
                         {36.66, 117.05},
                         "",
                         ""};
    for (int seq : {1, 2, 3, 4, 5}) request.materials.push_back({"", seq, true});
    request.delivery = {
        express ? cases::DeliveryMethod::kExpress : cases::DeliveryMethod::kWindow,
        express ? "历下区解放路1号2单元" : "",
        express ? std::optional<cases::GeoPoint>(cases::GeoPoint{to.lat, to.lng}) : std::nullopt,
        cases::DeliveryWindow::kAny};
    std::string tracking;
    cases_->Submit(request, kernel::IdempotentAnswer{"t", ids_.HexId(8), "h", 0, ""},
                   [&](const cases::Submission& s) {
                     tracking = s.created.tracking_number;
                     return std::string("{}");
                   });
    const cases::Actor admin{Role::kAdmin, 0, "管理员", "", ""};
    cases_->Accept(tracking, admin, {});
    cases_->Transition(tracking, CaseScope::Everything(), admin, CaseAction::kAssign, "", {},
                       std::nullopt,
                       [&](cases::Case& c, cases::CaseChange&) { c.agent_id = agent_; });
    cases_->Transition(tracking, CaseScope::Everything(), Agent(), CaseAction::kStartProgress, "",
                       {}, std::nullopt);
    return tracking;
  }

  // The same case with its result ready, and the event tracking reads.
  std::string ResultReady(bool express = true, GeoPoint to = {36.670, 117.060}) {
    auto tracking = InProgress(express, to);
    // The agent's trips, linked as the phone links them: the originals from the applicant to
    // the window, the result from the window into the agent's hands.
    const cases::Actor hall{Role::kWindow, 0, "JN-GA", "", ""};
    cases_->Note(tracking, CaseScope::Everything(), Agent(), "materials_collected", "", {},
                 std::nullopt, [&](cases::Case& c, cases::CaseChange& change) {
                   change.event_data["custody"] =
                       *cases::TakeLink(change.CustodySoFar(), c, Agent(), {Role::kApplicant});
                 });
    cases_->Note(tracking, CaseScope::Everything(), Agent(), "submitted_to_window", "", {},
                 std::nullopt, [&](cases::Case& c, cases::CaseChange& change) {
                   change.event_data["custody"] =
                       cases::GiveLink(change.CustodySoFar(), c, Agent(), hall);
                 });
    cases_->Transition(tracking, CaseScope::Everything(), Agent(), CaseAction::kResultObtained, "",
                       {}, std::nullopt, [&](cases::Case& c, cases::CaseChange& change) {
                         c.result_reference = "户迁字0001";
                         change.event_data["custody"] =
                             *cases::TakeLink(change.CustodySoFar(), c, Agent(), {Role::kWindow});
                       });
    service_->OnCaseEvent(tracking, "result_ready");
    return tracking;
  }

  // A result for the door at `to`, and its leg.
  DeliveryRecord ResultTo(GeoPoint to) { return LegOf(ResultReady(true, to)); }
  int OrderOf(const DeliveryRecord& d) { return store_->Find(d.id)->stop_order.value_or(0); }
  // The courier's phone list: "P<id>" for a pickup, "D<id>" for a drop-off, in order.
  std::vector<std::string> PhoneList(std::int64_t courier) {
    std::vector<std::string> out;
    for (const auto& s : service_->StopsOf(CourierActor(courier))) {
      out.push_back((s.stop.kind == StopKind::kPickup ? "P" : "D") + std::to_string(s.delivery.id));
    }
    return out;
  }
  static std::string P(const DeliveryRecord& d) { return "P" + std::to_string(d.id); }
  static std::string D(const DeliveryRecord& d) { return "D" + std::to_string(d.id); }

  cases::Actor Agent() const { return {Role::kAgent, agent_, "赵代办", "", ""}; }

  cases::Case Case(const std::string& tracking) {
    return cases_->ReadAsStaff(tracking, {Role::kAdmin, 0, "", "", ""});
  }
  DeliveryRecord LegOf(const std::string& tracking) {
    auto legs = store_->OfCase(Case(tracking).id);
    EXPECT_EQ(legs.size(), 1u);
    return legs.at(0);
  }
  int Count(const std::string& sql) {
    int n = 0;
    pool_->Read([&](pqxx::transaction_base& tx) { n = tx.exec(sql)[0][0].as<int>(); });
    return n;
  }
  static cases::Actor CourierActor(std::int64_t id) {
    return {Role::kCourier, id, "寄递员", "", ""};
  }
  void Fix(std::int64_t user, double lat, double lng, kernel::Instant at,
           const std::string& flag = "") {
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      tx.exec_params(
          "INSERT INTO locations (user_id, lat, lng, device_time, received_at, flagged) "
          "VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($4), $5)",
          user, lat, lng,
          static_cast<double>(
              std::chrono::floor<std::chrono::seconds>(at).time_since_epoch().count()),
          flag);
      // As the mobile gateway's ingest does: a plausible fix moves the newest position forward.
      if (flag.empty()) {
        tx.exec_params(
            "INSERT INTO latest_positions (user_id, lat, lng, device_time, received_at) "
            "VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($4)) ON CONFLICT (user_id) DO "
            "UPDATE SET lat = excluded.lat, lng = excluded.lng, device_time = "
            "excluded.device_time, received_at = excluded.received_at "
            "WHERE latest_positions.device_time <= excluded.device_time",
            user, lat, lng,
            static_cast<double>(
                std::chrono::floor<std::chrono::seconds>(at).time_since_epoch().count()));
      }
    });
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kTuesdayMorning};
  kernel::SeededIdGenerator ids_{7};
  struct NoLimit final : cases::GuessLimiter {
    bool Blocked(const std::string&) override { return false; }
    void RecordFailure(const std::string&) override {}
  } guesses_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<catalogue::PgCatalogueStore> catalogue_;
  std::unique_ptr<catalogue::PgCalendarStore> calendar_store_;
  std::unique_ptr<catalogue::CalendarService> calendar_;
  std::unique_ptr<catalogue::CatalogueForCases> case_catalogue_;
  std::unique_ptr<cases::PgCaseStore> case_store_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<PgDeliveryStore> store_;
  std::unique_ptr<Halls> halls_;
  std::unique_ptr<DeliveryService> service_;
  std::int64_t agent_ = 0;
  int next_phone_ = 0;
};

TEST_F(DeliveryPgTest, AnExpressResultGetsOneLegAWindowResultNone) {
  auto express = ResultReady(true);
  service_->OnCaseEvent(express, "result_ready");  // a redelivered event creates nothing
  auto leg = LegOf(express);
  EXPECT_EQ(leg.state, DeliveryState::kPending);
  EXPECT_EQ(leg.leg, Leg::kResult);
  EXPECT_EQ(leg.pickup_key, "dept:JN-GA");
  EXPECT_EQ(leg.dropoff_address, "历下区解放路1号2单元");
  EXPECT_DOUBLE_EQ(leg.dropoff.lat, 36.670);
  EXPECT_EQ(leg.contents, "户口迁移（市内迁移） 办理结果（户迁字0001）");
  // Ready at 10:00 with "any": today from now until 20:00.
  EXPECT_EQ(leg.window.from, std::chrono::floor<std::chrono::seconds>(kTuesdayMorning));
  EXPECT_EQ(cases::FormatRfc3339China(leg.window.to), "2026-12-01T20:00:00+08:00");

  auto window = ResultReady(false);
  EXPECT_TRUE(store_->OfCase(Case(window).id).empty());
}

TEST_F(DeliveryPgTest, TheNearestCourierGetsItAndPickupsAtOneHallAreGrouped) {
  // JN-GA's hall is in the city centre; the near courier is closer to it than the far one.
  auto hall = halls_->HallOf("JN-GA")->at;
  auto near = AddCourier("近", 2, {hall.lat + 0.01, hall.lng});
  auto far = AddCourier("远", 5, {hall.lat + 0.05, hall.lng});
  auto first = ResultReady();
  EXPECT_EQ(service_->AssignPending(), 1);
  EXPECT_EQ(LegOf(first).courier_id, near);
  EXPECT_EQ(LegOf(first).state, DeliveryState::kAssigned);
  // The far courier moves close to the hall: still, the near one fetches there anyway.
  Fix(far, hall.lat + 0.002, hall.lng, kTuesdayMorning);
  auto second = ResultReady();
  EXPECT_EQ(service_->AssignPending(), 1);
  EXPECT_EQ(LegOf(second).courier_id, near) << "grouped with the pickup it already has";
  // The near one is full now (capacity 2).
  auto third = ResultReady();
  EXPECT_EQ(service_->AssignPending(), 1);
  EXPECT_EQ(LegOf(third).courier_id, far);
  // The plan is stored: the near courier's two legs have their stop numbers.
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE courier_id = " + std::to_string(near) +
                  " AND stop_order IS NOT NULL AND planned_at IS NOT NULL"),
            2);
  // Its timeline says so.
  auto timeline = cases_->Timeline(Case(first));
  EXPECT_EQ(timeline.back().type, "courier_assigned");
}

TEST_F(DeliveryPgTest, NobodyAvailableLeavesItPending) {
  auto off = AddCourier("休", 3, {36.66, 117.05});
  service_->SetDuty(off, false);
  AddCourier("外区", 3, {36.66, 117.05}, "370103");
  auto tracking = ResultReady();
  EXPECT_EQ(service_->AssignPending(), 0);
  EXPECT_EQ(LegOf(tracking).state, DeliveryState::kPending);
}

TEST_F(DeliveryPgTest, SupervisorsSeeOnlyTheCouriersOfTheirRegions) {
  auto lixia = AddCourier("历下", 3, {36.66, 117.05}, "370102");
  auto street = AddCourier("街道", 3, {36.66, 117.05}, "370102001");
  auto shizhong = AddCourier("市中", 3, {36.62, 117.00}, "370103");
  auto ids = [&](const kernel::StaffScope& scope) {
    std::set<std::int64_t> found;
    for (const auto& c : service_->Couriers(scope)) found.insert(c.profile.id);
    return found;
  };
  EXPECT_EQ(ids(kernel::StaffScope::Of("370102", "")), (std::set<std::int64_t>{lixia, street}));
  EXPECT_EQ(ids(kernel::StaffScope::Of("370103", "")), (std::set<std::int64_t>{shizhong}));
  // With a department too, a courier (which serves none) is judged by its regions alone.
  EXPECT_EQ(ids(kernel::StaffScope::Of("370103", "JN-GA")), (std::set<std::int64_t>{shizhong}));
  // A supervisor of a department only reaches no courier, and a scope naming nothing none.
  EXPECT_TRUE(ids(kernel::StaffScope::Of("", "JN-GA")).empty());
  EXPECT_TRUE(ids(kernel::StaffScope::Nothing()).empty());
  EXPECT_EQ(ids(kernel::StaffScope::Everything()),
            (std::set<std::int64_t>{lixia, street, shizhong}));
  EXPECT_TRUE(service_->Courier(street, kernel::StaffScope::Of("370102", "")).has_value());
  EXPECT_FALSE(service_->Courier(street, kernel::StaffScope::Of("370103", "")).has_value());
  EXPECT_FALSE(service_->Courier(lixia, kernel::StaffScope::Of("370102001", "")).has_value());
}

TEST_F(DeliveryPgTest, TwoAssignersRacingNeverOverfillACourier) {
  auto courier = AddCourier("独", 1, {36.66, 117.05});
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(LegOf(ResultReady()).id);
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (auto id : ids) {
    threads.emplace_back([&, id] {
      db::PgPool pool(db::PgOptions{.url = database_.Url(), .pool_size = 1});
      PgDeliveryStore store(pool);
      pool.Transact([&](pqxx::dbtransaction& tx) {
        db::Tx t(tx);
        if (store.Assign(t, id, courier, std::chrono::floor<std::chrono::seconds>(kTuesdayMorning)))
          ++won;
      });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE courier_id IS NOT NULL"), 1);
}

// The assigner's lock on a courier serializes assigners only: a visit of the same courier,
// whose attempt row checks its courier key, goes on meanwhile. When the assigner took the row
// FOR UPDATE, the visit waited on the courier after locking its leg while the assigner, saving
// its plan, waited on that leg: a deadlock, 9 times in a simulated Jinan day.
TEST_F(DeliveryPgTest, AnAssignerHoldingACourierDoesNotBlockTheCouriersVisits) {
  auto courier = AddCourier("并", 5, {36.66, 117.05});
  auto visited = LegOf(ResultReady()).id;
  auto added = LegOf(ResultReady()).id;
  pool_->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params("UPDATE deliveries SET courier_id = $1, state = 'assigned' WHERE id = $2",
                   courier, visited);
  });
  pqxx::connection assigner_connection(database_.Url());
  pqxx::work assigner(assigner_connection);
  db::Tx t(assigner);
  ASSERT_TRUE(
      store_->Assign(t, added, courier, std::chrono::floor<std::chrono::seconds>(kTuesdayMorning)));
  // Still inside the assigner's transaction: the visit must not wait for it.
  pqxx::connection visit_connection(database_.Url());
  pqxx::work visit(visit_connection);
  visit.exec("SET LOCAL lock_timeout = '2s'");
  EXPECT_NO_THROW(
      visit.exec_params("INSERT INTO delivery_attempts (delivery_id, courier_id, outcome, at) "
                        "VALUES ($1, $2, 'failed', now())",
                        visited, courier));
  visit.commit();
  assigner.commit();
}

TEST_F(DeliveryPgTest, TheCouriersVisitsMoveTheCaseToClosedAndKeepEveryAttempt) {
  auto courier = AddCourier("钱", 5, {36.66, 117.05});
  auto tracking = ResultReady();
  ASSERT_EQ(service_->AssignPending(), 1);
  const auto id = LegOf(tracking).id;
  CourierReport report;
  report.position = GeoPoint{36.651, 117.02};

  // Another courier's delivery looks unknown; out-of-order actions are refused.
  auto other = AddCourier("孙", 5, {36.66, 117.05});
  EXPECT_THROW(service_->Act(CourierActor(other), id, CourierAction::kPickUp, report),
               kernel::ApiError);
  try {
    service_->Act(CourierActor(courier), id, CourierAction::kDeliver, report);
    FAIL() << "delivered before the pickup";
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 409);
  }

  report.device_time = std::chrono::floor<std::chrono::seconds>(kTuesdayMorning) +
                       std::chrono::hours(1);  // a phone clock an hour fast: kept, flagged
  auto picked = service_->Act(CourierActor(courier), id, CourierAction::kPickUp, report);
  EXPECT_EQ(picked.case_state, "out_for_delivery");
  EXPECT_EQ(cases_->Timeline(Case(tracking)).back().data.value("device_time_flag", ""), "future");
  report.device_time.reset();
  EXPECT_EQ(Case(tracking).state, cases::CaseState::kOutForDelivery);

  report.reason = "not_home";
  clock_.Advance(std::chrono::hours(2));
  auto failed = service_->Act(CourierActor(courier), id, CourierAction::kFail, report);
  EXPECT_EQ(failed.delivery.state, DeliveryState::kPickedUp);
  EXPECT_EQ(failed.delivery.attempts, 1);
  EXPECT_EQ(cases::FormatRfc3339China(failed.delivery.window.from), "2026-12-02T09:00:00+08:00");
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE template = 'delivery_failed'"), 1);

  report.reason.clear();
  report.proof = {"刘市民", "1234", "M0 0 L1 1", ""};
  try {
    service_->Act(CourierActor(courier), id, CourierAction::kDeliver, report);
    FAIL() << "a wrong ID was accepted";
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 422);
    EXPECT_EQ(error.Field(), "id_last4");
  }
  EXPECT_EQ(LegOf(tracking).state, DeliveryState::kPickedUp) << "nothing delivered";
  EXPECT_EQ(Case(tracking).state, cases::CaseState::kOutForDelivery);

  report.proof.id_last4 = "002x";
  auto delivered = service_->Act(CourierActor(courier), id, CourierAction::kDeliver, report);
  EXPECT_EQ(delivered.delivery.state, DeliveryState::kDelivered);
  EXPECT_EQ(Case(tracking).state, cases::CaseState::kClosed);

  std::vector<std::string> outcomes;
  for (const auto& a : store_->Attempts(id)) outcomes.push_back(a.outcome);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"failed", "identity_mismatch", "delivered"}));
  auto attempts = store_->Attempts(id);
  EXPECT_EQ(attempts.back().proof_kind, "signature");
  EXPECT_EQ(attempts.back().id_last4_match, true);
  ASSERT_TRUE(attempts.back().position);

  // The chain: the agent who obtained the result hands it to the courier at the hall, the
  // courier to the applicant, with positions; every link continues the one before.
  auto chain = cases::CustodyChain(cases_->Timeline(Case(tracking)));
  ASSERT_EQ(chain.size(), 5u);
  EXPECT_EQ(chain[3].from_role + ">" + chain[3].to_role, "agent>courier");
  EXPECT_EQ(chain[3].from_name, "赵代办");
  EXPECT_EQ(chain[4].from_role, "courier");
  EXPECT_EQ(chain[4].to_role, "applicant");
  EXPECT_EQ(chain[4].to_name, "刘市民");
  ASSERT_TRUE(chain[4].position);
  EXPECT_TRUE(cases::CustodyBreaks(chain).empty());
  // The courier is free again.
  EXPECT_EQ(service_->Courier(courier)->profile.load, 0);
}

TEST_F(DeliveryPgTest, TheThirdFailedVisitAlertsTheSupervisorsOnce) {
  auto courier = AddCourier("钱", 5, {36.66, 117.05});
  auto tracking = ResultReady();
  ASSERT_EQ(service_->AssignPending(), 1);
  const auto id = LegOf(tracking).id;
  service_->Act(CourierActor(courier), id, CourierAction::kPickUp, {});
  CourierReport report;
  report.reason = "not_home";
  for (int visit = 1; visit <= 4; ++visit) {
    service_->Act(CourierActor(courier), id, CourierAction::kFail, report);
    EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE kind = 'delivery_failed'"),
              visit >= 3 ? 1 : 0)
        << "after visit " << visit;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE stream = 'events:alerts' "
                  "AND event_type = 'delivery_failed'"),
            1);
  EXPECT_EQ(LegOf(tracking).attempts, 4);
}

TEST_F(DeliveryPgTest, AResultHandedOverAtTheWindowCancelsTheLeg) {
  AddCourier("钱", 5, {36.66, 117.05});
  auto tracking = ResultReady();
  ASSERT_EQ(service_->AssignPending(), 1);
  cases_->HandOver(tracking, {Role::kWindow, 0, "王窗口", "370102", ""}, "刘市民", "002X");
  service_->OnCaseEvent(tracking, "delivered");
  EXPECT_EQ(LegOf(tracking).state, DeliveryState::kCancelled);
}

TEST_F(DeliveryPgTest, ThePublicSeesARoundedPositionAndAnEta) {
  auto courier = AddCourier("钱", 5, {36.66, 117.05});
  auto tracking = ResultReady();
  ASSERT_EQ(service_->AssignPending(), 1);
  EXPECT_FALSE(service_->PublicView(Case(tracking))->courier_position) << "not before the pickup";
  service_->Act(CourierActor(courier), LegOf(tracking).id, CourierAction::kPickUp, {});
  // Moving north at about 20 km/h, then one impossible jump to Shanghai (flagged, ignored).
  Fix(courier, 36.64000, 117.05, kTuesdayMorning - std::chrono::minutes(6));
  Fix(courier, 36.65000, 117.05, kTuesdayMorning - std::chrono::minutes(3));
  Fix(courier, 36.66012, 117.05049, kTuesdayMorning);
  Fix(courier, 31.23, 121.47, kTuesdayMorning, "too_fast");
  auto view = service_->PublicView(Case(tracking));
  ASSERT_TRUE(view);
  ASSERT_TRUE(view->courier_position);
  EXPECT_DOUBLE_EQ(view->courier_position->lat, 36.660);
  EXPECT_DOUBLE_EQ(view->courier_position->lng, 117.050);
  EXPECT_DOUBLE_EQ(view->destination.lat, 36.670);
  EXPECT_DOUBLE_EQ(view->destination.lng, 117.060);
  ASSERT_TRUE(view->eta);
  EXPECT_EQ(view->eta->stops_before, 0);
  EXPECT_GT(view->eta->at, std::chrono::floor<std::chrono::seconds>(kTuesdayMorning));
  EXPECT_NEAR(view->eta->speed_kmh, 2.24 * 1.3 / 0.1, 2.0);  // about 2.24 km in 6 min, road km
}

// The public ETA reads the stored plan only up to its leg (OpenUpTo): the stops it counts
// before the drop-off are those the courier's whole stop list shows before it, an arrived leg
// (which leads the plan) included.
TEST_F(DeliveryPgTest, ThePublicEtaCountsTheStopsTheCouriersListShowsBeforeIt) {
  auto courier = AddCourier("钱", 5, {36.66, 117.05});
  std::vector<std::string> trackings = {ResultReady(true, {36.670, 117.060}),
                                        ResultReady(true, {36.680, 117.070}),
                                        ResultReady(true, {36.650, 117.040})};
  ASSERT_EQ(service_->AssignPending(), 3);
  for (const auto& tracking : trackings) {
    service_->Act(CourierActor(courier), LegOf(tracking).id, CourierAction::kPickUp, {});
  }
  service_->Act(CourierActor(courier), LegOf(trackings[2]).id, CourierAction::kArrive, {});
  Fix(courier, 36.66000, 117.05, kTuesdayMorning);
  const auto stops = service_->StopsOf(CourierActor(courier));
  ASSERT_EQ(stops.size(), 3u);
  EXPECT_EQ(stops[0].delivery.id, LegOf(trackings[2]).id) << "the arrived leg leads";
  for (const auto& tracking : trackings) {
    const auto leg = LegOf(tracking).id;
    int before = 0;
    while (stops[before].delivery.id != leg) ++before;
    auto view = service_->PublicView(Case(tracking));
    ASSERT_TRUE(view && view->eta) << tracking;
    EXPECT_EQ(view->eta->stops_before, before) << tracking;
  }
}

// The public view's reads are named statements: PostgreSQL plans the first executions for
// their parameters and may switch to one generic plan afterwards (pruning the fixes' day
// partitions at run time). Past that switch the answers stay the same, leg by leg.
TEST_F(DeliveryPgTest, ThePublicViewAnswersTheSameOnceItsStatementsArePlannedGenerically) {
  auto courier = AddCourier("钱", 5, {36.66, 117.05});
  std::vector<std::string> trackings = {ResultReady(true, {36.670, 117.060}),
                                        ResultReady(true, {36.680, 117.070})};
  ASSERT_EQ(service_->AssignPending(), 2);
  for (const auto& tracking : trackings) {
    service_->Act(CourierActor(courier), LegOf(tracking).id, CourierAction::kPickUp, {});
  }
  Fix(courier, 36.64000, 117.05, kTuesdayMorning - std::chrono::minutes(6));
  Fix(courier, 36.66000, 117.05, kTuesdayMorning);
  std::map<std::string, std::string> first;
  for (int round = 0; round < 8; ++round) {
    for (const auto& tracking : trackings) {
      auto view = service_->PublicView(Case(tracking));
      ASSERT_TRUE(view && view->eta && view->courier_position) << tracking << " round " << round;
      std::ostringstream text;
      text << view->delivery.id << ' ' << view->courier_position->lat << ' '
           << view->courier_position->lng << ' ' << view->eta->stops_before << ' '
           << view->eta->at.time_since_epoch().count() << ' ' << view->eta->speed_kmh << ' '
           << view->failed_attempts;
      if (round == 0) {
        first[tracking] = text.str();
      } else {
        EXPECT_EQ(text.str(), first[tracking]) << tracking << " round " << round;
      }
    }
  }
  EXPECT_NE(first[trackings[0]], first[trackings[1]]);
}

TEST_F(DeliveryPgTest, ACourierCollectsTheOriginalsForTheAgent) {
  auto courier = AddCourier("钱", 5, {36.66, 117.05});
  auto tracking = InProgress();
  auto leg = service_->RequestCollection(tracking, Agent());
  EXPECT_EQ(leg.leg, Leg::kCollection);
  EXPECT_EQ(leg.pickup_name, "刘市民");
  EXPECT_EQ(leg.dropoff_name, "赵代办");
  EXPECT_EQ(leg.pickup_key, "case:" + tracking);
  EXPECT_EQ(service_->RequestCollection(tracking, Agent()).id, leg.id) << "asked once";
  EXPECT_THROW(service_->RequestCollection(tracking, {Role::kAgent, agent_ + 1000, "别人", "", ""}),
               kernel::ApiError);
  ASSERT_EQ(service_->AssignPending(), 1);

  CourierReport report;
  report.position = GeoPoint{36.66, 117.05};
  service_->Act(CourierActor(courier), leg.id, CourierAction::kPickUp, report);
  EXPECT_EQ(Case(tracking).state, cases::CaseState::kInProgress) << "the case does not move";
  report.proof = {"赵代办", "", "M0 0 L2 2", ""};  // handed in at the hall: no ID check
  auto done = service_->Act(CourierActor(courier), leg.id, CourierAction::kDeliver, report);
  EXPECT_EQ(done.delivery.state, DeliveryState::kDelivered);
  EXPECT_EQ(Case(tracking).state, cases::CaseState::kInProgress);

  auto chain = cases::CustodyChain(cases_->Timeline(Case(tracking)));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].from_role + ">" + chain[0].to_role, "applicant>courier");
  EXPECT_EQ(chain[1].from_role + ">" + chain[1].to_role, "courier>agent");
  EXPECT_EQ(chain[1].to_name, "赵代办");
  // A result leg still comes when the result is ready.
  cases_->Transition(tracking, CaseScope::Everything(), Agent(), CaseAction::kResultObtained, "",
                     {}, std::nullopt);
  service_->OnCaseEvent(tracking, "result_ready");
  EXPECT_EQ(store_->OfCase(Case(tracking).id).size(), 2u);
}

TEST_F(DeliveryPgTest, NoCollectionOnceTheResultIsReady) {
  auto tracking = ResultReady();
  try {
    service_->RequestCollection(tracking, Agent());
    FAIL() << "collected after the result";
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 409);
  }
}

}  // namespace
}  // namespace daiban::tracking

namespace daiban::tracking {
namespace {

// The live re-plan: couriers are compared by how much their improved plans grow, and a courier's
// stops are re-planned (ReplanStops, from the stored order) whenever its list changes. One
// degree of longitude is about 89 km here; couriers ride ebikes at 20 km/h, and every window is
// today's 09-20, so nothing below is ever late.

TEST_F(DeliveryPgTest, TheCourierWhosePlanGrowsLeastGetsItEvenWhenAnotherIsNearer) {
  const auto hall = halls_->HallOf("JN-GA")->at;
  const GeoPoint west{hall.lat, hall.lng - 0.10};                     // 8.9 km west of the hall
  auto near = AddCourier("近", 5, {hall.lat, hall.lng + 0.01});       // 0.9 km east of it
  auto passing = AddCourier("顺路", 5, {hall.lat, hall.lng + 0.03});  // 2.7 km east of it
  // The passing courier already carries a result to the west: it rides past the hall anyway.
  service_->SetDuty(near, false);
  auto carried = ResultTo(west);
  ASSERT_EQ(service_->AssignPending(), 1);
  ASSERT_EQ(store_->Find(carried.id)->courier_id, passing);
  service_->Act(CourierActor(passing), carried.id, CourierAction::kPickUp, {});
  service_->SetDuty(near, true);

  // Nearest to the pickup is `near` (ChooseCourier would take it); for `passing` the new leg
  // adds no distance at all.
  ASSERT_EQ(ChooseCourier({1, "370102001", "dept:JN-GA", hall, west},
                          {service_->Courier(near)->profile, service_->Courier(passing)->profile})
                ->courier_id,
            near);
  auto next = ResultTo(west);
  ASSERT_EQ(service_->AssignPending(), 1);
  EXPECT_EQ(store_->Find(next.id)->courier_id, passing);
  auto list = PhoneList(passing);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list.front(), P(next)) << "fetched on the way west";
}

TEST_F(DeliveryPgTest, AddingALegReplansAndTheStoredOrderFollows) {
  const auto hall = halls_->HallOf("JN-GA")->at;
  auto courier = AddCourier("钱", 5, {hall.lat, hall.lng + 0.05});
  auto far = ResultTo({hall.lat, hall.lng + 0.15});
  ASSERT_EQ(service_->AssignPending(), 1);
  service_->Act(CourierActor(courier), far.id, CourierAction::kPickUp, {});
  EXPECT_EQ(OrderOf(far), 1);
  EXPECT_EQ(PhoneList(courier), (std::vector<std::string>{D(far)}));

  // A leg from the hall behind the courier to a door on its way east: fetched and delivered
  // before riding on.
  auto on_the_way = ResultTo({hall.lat, hall.lng + 0.06});
  ASSERT_EQ(service_->AssignPending(), 1);
  EXPECT_EQ(OrderOf(on_the_way), 1);
  EXPECT_EQ(OrderOf(far), 3);
  EXPECT_EQ(PhoneList(courier), (std::vector<std::string>{P(on_the_way), D(on_the_way), D(far)}));
  auto stored = store_->Find(far.id);
  ASSERT_TRUE(stored->planned_at);
  EXPECT_GT(*stored->planned_at, *store_->Find(on_the_way.id)->planned_at);
}

TEST_F(DeliveryPgTest, AStopTheCourierHasArrivedAtNeverMoves) {
  const auto hall = halls_->HallOf("JN-GA")->at;
  auto courier = AddCourier("钱", 5, hall);
  auto far = ResultTo({hall.lat, hall.lng + 0.10});
  auto near = ResultTo({hall.lat, hall.lng + 0.01});
  ASSERT_EQ(service_->AssignPending(), 2);
  service_->Act(CourierActor(courier), far.id, CourierAction::kPickUp, {});
  service_->Act(CourierActor(courier), near.id, CourierAction::kPickUp, {});
  EXPECT_EQ(PhoneList(courier), (std::vector<std::string>{D(near), D(far)}));

  // The courier is at the far door (its phone sent no position: the plan starts at the hall,
  // where the near door would come first). That stop stays first through every re-plan.
  service_->Act(CourierActor(courier), far.id, CourierAction::kArrive, {});
  EXPECT_EQ(OrderOf(far), 1);
  EXPECT_EQ(OrderOf(near), 2);
  auto nearer = ResultTo({hall.lat, hall.lng + 0.005});
  ASSERT_EQ(service_->AssignPending(), 1);
  EXPECT_EQ(OrderOf(far), 1);
  // From the far door the near one is on the way back to the hall.
  EXPECT_EQ(PhoneList(courier), (std::vector<std::string>{D(far), D(near), P(nearer), D(nearer)}));
}

TEST_F(DeliveryPgTest, AFailedVisitLeavesTheRestReplanned) {
  const auto hall = halls_->HallOf("JN-GA")->at;
  auto courier = AddCourier("钱", 5, hall);
  // A door just east of the hall, then two northwards (along one line the other two could be
  // visited either way for the same distance).
  auto first = ResultTo({hall.lat, hall.lng + 0.01});
  auto second = ResultTo({hall.lat + 0.01, hall.lng});
  auto third = ResultTo({hall.lat + 0.02, hall.lng});
  ASSERT_EQ(service_->AssignPending(), 3);
  for (const auto& d : {first, second, third}) {
    service_->Act(CourierActor(courier), d.id, CourierAction::kPickUp, {});
  }
  EXPECT_EQ(PhoneList(courier), (std::vector<std::string>{D(first), D(second), D(third)}));
  CourierReport report;
  report.reason = "not_home";
  service_->Act(CourierActor(courier), first.id, CourierAction::kFail, report);
  // Tomorrow's window: the failed door goes last, the others move up.
  EXPECT_EQ(OrderOf(second), 1);
  EXPECT_EQ(OrderOf(third), 2);
  EXPECT_EQ(OrderOf(first), 3);
  EXPECT_EQ(PhoneList(courier), (std::vector<std::string>{D(second), D(third), D(first)}));
}

TEST_F(DeliveryPgTest, ACancelledLegLeavesTheRestReplanned) {
  const auto hall = halls_->HallOf("JN-GA")->at;
  auto courier = AddCourier("钱", 5, {hall.lat, hall.lng - 0.01});
  std::vector<std::string> trackings;
  for (double east : {0.01, 0.02, 0.03}) {
    trackings.push_back(ResultReady(true, {hall.lat, hall.lng + east}));
  }
  ASSERT_EQ(service_->AssignPending(), 3);
  std::vector<DeliveryRecord> legs;
  for (const auto& t : trackings) legs.push_back(LegOf(t));
  // Three pickups at the hall (in any order: they are one place), then the doors eastwards.
  auto list = PhoneList(courier);
  ASSERT_EQ(list.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(list.begin() + 3, list.end()),
            (std::vector<std::string>{D(legs[0]), D(legs[1]), D(legs[2])}));
  const auto first =
      std::find_if(legs.begin(), legs.end(), [&](const auto& d) { return OrderOf(d) == 1; });
  ASSERT_NE(first, legs.end());
  const auto cancelled = first->id;
  const auto tracking = trackings[static_cast<std::size_t>(first - legs.begin())];
  // The result is handed over at the window meanwhile.
  cases_->HandOver(tracking, {Role::kWindow, 0, "王窗口", "370102", ""}, "刘市民", "002X");
  service_->OnCaseEvent(tracking, "delivered");
  EXPECT_EQ(store_->Find(cancelled)->state, DeliveryState::kCancelled);
  std::vector<int> orders;
  for (const auto& d : legs) {
    if (d.id != cancelled) orders.push_back(OrderOf(d));
  }
  std::sort(orders.begin(), orders.end());
  EXPECT_EQ(orders, (std::vector<int>{1, 2})) << "the remaining pickups move up";
  EXPECT_EQ(PhoneList(courier).size(), 4u);
}

}  // namespace
}  // namespace daiban::tracking
