// The case lifecycle against real PostgreSQL and Redis: submission rules, idempotency,
// acceptance and deadlines, suspension, the applicant's code, scope, the state machine's
// refusals, rating and follow-ups, and what each change writes (timeline, outbox, notices).
#include <gtest/gtest.h>

#include <filesystem>
#include <pqxx/pqxx>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/cases/list_cursor.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/pg/redis_guess_limiter.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "scratch_database.hpp"

namespace daiban::intake {
namespace {

using cases::CaseAction;
using cases::CaseState;
using kernel::Role;

// The status and rule of the ApiError `action` throws (0 and "" when it throws none).
std::pair<int, std::string> Refusal(const std::function<void()>& action) {
  try {
    action();
  } catch (const kernel::ApiError& error) {
    return {error.Status(), error.Code() == "validation_failed" ? error.Field() : error.Code()};
  }
  return {0, ""};
}

// 2026-12-01 (a Tuesday) 10:00 China Standard Time.
const kernel::Instant kTuesdayMorning = kernel::Instant(std::chrono::seconds(1796090400));

class CaseLifecyclePgTest : public ::testing::Test {
 protected:
  CaseLifecyclePgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 3});
    db::RedisOptions redis_options;
    redis_options.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
    redis_ = std::make_unique<db::RedisPool>(redis_options);
    catalogue_store_ = std::make_unique<catalogue::PgCatalogueStore>(*pool_);
    std::vector<std::pair<std::string, std::string>> files;
    auto demo = std::filesystem::path(DAIBAN_SOURCE_DIR) / "db/seed/demo";
    for (const auto& name : catalogue::CatalogueFileNames())
      files.emplace_back(name, kernel::ReadFile(demo / name));
    catalogue::CatalogueService(*catalogue_store_, clock_).Import(files);
    calendar_store_ = std::make_unique<catalogue::PgCalendarStore>(*pool_);
    calendar_ = std::make_unique<catalogue::CalendarService>(*calendar_store_, clock_,
                                                             cases::OfficeHours{});
    calendar_->Load("cn-calendar-2026.csv",
                    kernel::ReadFile(std::filesystem::path(DAIBAN_SOURCE_DIR) /
                                     "db/seed/calendar/cn-calendar-2026.csv"));
    case_catalogue_ = std::make_unique<catalogue::CatalogueForCases>(*catalogue_store_);
    store_ = std::make_unique<cases::PgCaseStore>(*pool_);
    // A per-test address prefix keeps the Redis counters of different tests apart.
    guesses_ = std::make_unique<cases::RedisGuessLimiter>(*redis_, 5, std::chrono::seconds(900));
    service_ = std::make_unique<cases::CaseService>(*store_, *case_catalogue_, *calendar_,
                                                    *guesses_, clock_, ids_);
    accounts::PgAccountStore accounts(*pool_);
    agent_id_ = accounts.AddUser(
        {accounts::Role::kAgent, "赵代办", "13800000104", "", "370102", ""}, "unused-hash");
    address_ = "it-" + kernel::RandomIdGenerator().HexId(6);
  }

  cases::CaseRequest Request() {
    cases::CaseRequest request;
    request.item_code = "GA-002";  // 户口迁移: material 4 is non-essential
    request.mode = "proxy";
    request.region_code = "370102001";
    request.applicant = {cases::ApplicantKind::kCitizen,
                         "刘市民",
                         "13912345678",
                         "11010519491231002X",
                         "历下区解放路1号",
                         {36.66, 117.05},
                         "",
                         ""};
    for (int seq : {1, 2, 3, 5}) request.materials.push_back({"", seq, true});
    request.materials.push_back({"", 4, false});
    request.delivery = {cases::DeliveryMethod::kExpress, "历下区解放路1号",
                        cases::GeoPoint{36.66, 117.05}};
    return request;
  }

  cases::Submission Submit(const cases::CaseRequest& request, const std::string& key = "") {
    cases::Submission kept;
    service_->Submit(
        request,
        kernel::IdempotentAnswer{"test", key.empty() ? ids_.HexId(8) : key, "hash-" + key, 0, ""},
        [&](const cases::Submission& s) {
          kept = s;
          return std::string("{}");
        });
    return kept;
  }

  int Count(const std::string& sql) {
    int n = 0;
    pool_->Read([&](pqxx::transaction_base& tx) { n = tx.exec(sql)[0][0].as<int>(); });
    return n;
  }

  cases::Actor Window() { return {Role::kWindow, 0, "王窗口", "370102", ""}; }
  std::int64_t AddStaff(accounts::Role role, const std::string& phone) {
    accounts::PgAccountStore accounts(*pool_);
    return accounts.AddUser({role, "王窗口", phone, "", "370102", ""}, "unused-hash");
  }
  cases::Actor Supervisor(const std::string& region) {
    return {Role::kSupervisor, 0, "督办", region, ""};
  }
  cases::Actor Admin() { return {Role::kAdmin, 0, "管理员", "", ""}; }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kTuesdayMorning};
  kernel::SeededIdGenerator ids_{2026};
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<catalogue::PgCatalogueStore> catalogue_store_;
  std::unique_ptr<catalogue::PgCalendarStore> calendar_store_;
  std::unique_ptr<catalogue::CalendarService> calendar_;
  std::unique_ptr<catalogue::CatalogueForCases> case_catalogue_;
  std::unique_ptr<cases::PgCaseStore> store_;
  std::unique_ptr<cases::RedisGuessLimiter> guesses_;
  std::unique_ptr<cases::CaseService> service_;
  std::int64_t agent_id_ = 0;
  std::string address_;
};

TEST_F(CaseLifecyclePgTest, SubmissionIsCheckedAgainstTheCatalogueAndTheRules) {
  auto expect = [&](const cases::CaseRequest& request, const std::string& field) {
    EXPECT_EQ(Refusal([&] { Submit(request); }), std::make_pair(422, field));
  };
  auto r = Request();
  r.mode = "walk";
  expect(r, "mode");
  r = Request();
  r.item_code = "NO-SUCH";
  expect(r, "item_code");
  r = Request();
  r.bundle_code = "BDL-KYBS";  // both an item and a bundle
  expect(r, "item_code");
  r = Request();
  r.region_code = "999999";
  expect(r, "region_code");
  r = Request();
  r.applicant.phone = "12345";
  expect(r, "applicant.phone");
  r = Request();
  r.applicant.id_number = "110105194912310021";  // wrong check digit
  expect(r, "applicant.id_number");
  r = Request();
  r.applicant.location = {39.9, 116.4};  // Beijing
  expect(r, "applicant.location");
  r = Request();
  r.materials[0].provided = false;  // an essential one
  expect(r, "materials");
  r = Request();
  r.materials.push_back({"", 99, true});
  expect(r, "materials");
  r = Request();
  r.delivery.address.clear();
  expect(r, "delivery.address");
  r = Request();
  r.mode = "led";  // needs an appointment
  expect(r, "appointment_at");
  r = Request();
  r.applicant.kind = cases::ApplicantKind::kFirm;
  r.applicant.firm_name = "某公司";
  r.applicant.firm_credit_code = "91370100MA3C000000";  // wrong check character
  expect(r, "firm.credit_code");
  EXPECT_EQ(Count("SELECT count(*) FROM cases"), 0) << "a refused submission writes nothing";
}

TEST_F(CaseLifecyclePgTest, IdempotencyKeysReplayAndRefuseOtherBodies) {
  int calls = 0;
  auto render = [&](const cases::Submission& s) {
    ++calls;
    return "{\"tracking_number\":\"" + s.created.tracking_number + "\"}";
  };
  auto first = service_->Submit(Request(),
                                kernel::IdempotentAnswer{"test", "key-1", "hash-a", 0, ""}, render);
  auto again = service_->Submit(Request(),
                                kernel::IdempotentAnswer{"test", "key-1", "hash-a", 0, ""}, render);
  EXPECT_EQ(first.body, again.body);
  EXPECT_EQ(Count("SELECT count(*) FROM cases"), 1);
  EXPECT_EQ(Refusal([&] {
              service_->Submit(Request(),
                               kernel::IdempotentAnswer{"test", "key-1", "hash-b", 0, ""}, render);
            }),
            std::make_pair(409, std::string("idempotency_key_reused")));
}

// The access code is shown once and stored nowhere in clear, not even in the kept answer; a
// retry re-issues a code, which replaces the first.
TEST_F(CaseLifecyclePgTest, TheKeptAnswerHoldsNoAccessCodeAndAReplayReissuesOne) {
  auto render = [](const cases::Submission& s) {
    nlohmann::json body = {{"tracking_number", s.created.tracking_number}};
    if (!s.access_code.empty()) body["access_code"] = s.access_code;
    return body.dump();
  };
  const auto request = Request();
  const std::string scope = cases::CaseService::ApplicantScope(request.applicant);
  auto first =
      service_->Submit(request, kernel::IdempotentAnswer{scope, "key-1", "hash-a", 0, ""}, render);
  const auto answer = nlohmann::json::parse(first.body);
  const std::string code = answer["access_code"];
  const std::string tracking = answer["tracking_number"];
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(Count("SELECT count(*) FROM idempotency_keys WHERE response::text LIKE '%" + code +
                  "%' OR response::jsonb ? 'access_code'"),
            0);
  auto again =
      service_->Submit(request, kernel::IdempotentAnswer{scope, "key-1", "hash-a", 0, ""}, render);
  EXPECT_TRUE(again.replayed);
  EXPECT_FALSE(nlohmann::json::parse(again.body).contains("access_code"));
  const std::string fresh = service_->ReissueAccessCode(tracking);
  EXPECT_NE(fresh, code);
  EXPECT_EQ(service_->ReadAsApplicant(tracking, fresh, address_).tracking_number, tracking);
  EXPECT_EQ(Refusal([&] { service_->ReadAsApplicant(tracking, code, address_); }).first, 404);
  // Scopes by identity: another applicant's scope is another, the same one is stable.
  auto other = request;
  other.applicant.id_number = "110105198001010032";
  EXPECT_NE(cases::CaseService::ApplicantScope(other.applicant), scope);
  EXPECT_EQ(cases::CaseService::ApplicantScope(Request().applicant), scope);
  const auto theirs =
      service_->Submit(other,
                       kernel::IdempotentAnswer{cases::CaseService::ApplicantScope(other.applicant),
                                                "key-1", "hash-a", 0, ""},
                       render);
  EXPECT_FALSE(theirs.replayed);
  EXPECT_NE(nlohmann::json::parse(theirs.body)["tracking_number"], tracking);
}

// A staff write with an Idempotency-Key applies once: the answer (rendered from the case and
// timeline the write left) is kept in the write's own transaction, a retry gets the same status
// and body and writes nothing, and the key with another request is 409 as for phones.
TEST_F(CaseLifecyclePgTest, AKeyedStaffWriteAppliesOnceAndReplaysItsFirstAnswer) {
  const std::string tracking = Submit(Request()).created.tracking_number;
  cases::Actor window = Window();
  window.user_id = AddStaff(accounts::Role::kWindow, "13800000201");
  const std::string scope = "user:" + std::to_string(window.user_id);
  const std::string request = "POST /api/v1/cases/" + tracking + "/accept\n{}";
  const auto key = kernel::StaffKeyOf(window.user_id, "accept-1", request);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->scope, scope);
  int renders = 0;
  auto render = [&](const cases::Case& c, const std::vector<cases::CaseEvent>& timeline) {
    ++renders;
    return nlohmann::json{
        {"state", cases::ToWord(c.state)}, {"version", c.version}, {"events", timeline.size()}}
        .dump();
  };
  auto accept = [&](cases::KeyedWrite* keyed) {
    return service_->Accept(tracking, window, {{4, "2026-12-10"}}, std::nullopt, {}, keyed);
  };
  auto first = service_->Once(key, render, accept);
  EXPECT_EQ(first.status, 200);
  EXPECT_FALSE(first.replayed);
  // The answer shows the write's own event: it was rendered after the change, in its transaction.
  EXPECT_EQ(nlohmann::json::parse(first.body),
            (nlohmann::json{{"state", "accepted"}, {"version", 2}, {"events", 2}}));
  EXPECT_EQ(Count("SELECT count(*) FROM idempotency_keys WHERE scope = '" + scope +
                  "' AND key = 'accept-1' AND status = 200 AND response = '" + first.body + "'"),
            1);
  auto again = service_->Once(key, render, accept);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM case_events WHERE type = 'accept'"), 1);
  // The same key with another request: refused as phones' keys are, nothing written.
  const auto reused = kernel::StaffKeyOf(window.user_id, "accept-1", request + " ");
  EXPECT_EQ(Refusal([&] { service_->Once(reused, render, accept); }),
            std::make_pair(409, std::string("idempotency_key_reused")));
  // Another user's key of the same name is another key.
  cases::Actor other = window;
  other.user_id = AddStaff(accounts::Role::kWindow, "13800000202");
  EXPECT_EQ(Refusal([&] {
              service_->Once(kernel::StaffKeyOf(other.user_id, "accept-1", request), render,
                             accept);
            }).first,
            409);  // the case is accepted already: the state machine refuses, no answer kept
  EXPECT_EQ(Count("SELECT count(*) FROM idempotency_keys WHERE scope = 'user:" +
                  std::to_string(other.user_id) + "'"),
            0);
}

// The kept answer and the change commit together: when the key is taken by the time the
// write commits (a concurrent retry won), the change rolls back with it.
TEST_F(CaseLifecyclePgTest, AStaffWriteWhoseKeyWasTakenMeanwhileWritesNothing) {
  const std::string tracking = Submit(Request()).created.tracking_number;
  cases::Actor window = Window();
  window.user_id = AddStaff(accounts::Role::kWindow, "13800000203");
  const auto key = kernel::StaffKeyOf(window.user_id, "accept-2", "POST accept\n{}");
  pool_->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO idempotency_keys (scope, key, request_hash, status, response) "
        "VALUES ($1, $2, $3, 200, '{\"first\": true}')",
        key->scope, key->key, key->request_hash);
  });
  cases::KeyedWrite keyed{*key, [](const cases::Case&, const auto&) { return std::string("{}"); },
                          "", false};
  EXPECT_THROW(service_->Accept(tracking, window, {{4, "2026-12-10"}}, std::nullopt, {}, &keyed),
               kernel::IdempotencyKeyTaken);
  EXPECT_EQ(Count("SELECT count(*) FROM case_events WHERE type = 'accept'"), 0);
  EXPECT_EQ(service_->ReadAsStaff(tracking, Admin()).state, CaseState::kSubmitted);
  // Through Once, the first answer is the answer.
  auto answer = service_->Once(
      key, [](const cases::Case&, const auto&) { return std::string("{}"); },
      [&](cases::KeyedWrite* k) {
        return service_->Accept(tracking, window, {{4, "2026-12-10"}}, std::nullopt, {}, k);
      });
  EXPECT_TRUE(answer.replayed);
  EXPECT_EQ(nlohmann::json::parse(answer.body), (nlohmann::json{{"first", true}}));
}

// The gateway resent a keyed acceptance to the other instance while the first still held it:
// the twin commits after this request looked for a kept answer and before it locks the case,
// so the state machine refuses ("accepted already"). The answer is the twin's, not a 409.
TEST_F(CaseLifecyclePgTest, AStaffWriteRefusedBecauseItsTwinCommittedFirstGivesTheTwinsAnswer) {
  const std::string tracking = Submit(Request()).created.tracking_number;
  cases::Actor window = Window();
  window.user_id = AddStaff(accounts::Role::kWindow, "13800000204");
  const auto key = kernel::StaffKeyOf(window.user_id, "accept-3", "POST accept\n{}");
  auto render = [](const cases::Case& c, const auto&) {
    return nlohmann::json{{"state", cases::ToWord(c.state)}, {"version", c.version}}.dump();
  };
  auto accept = [&](cases::KeyedWrite* keyed) {
    return service_->Accept(tracking, window, {{4, "2026-12-10"}}, std::nullopt, {}, keyed);
  };
  cases::CaseService::Answer twin;
  auto answer = service_->Once(key, render, [&](cases::KeyedWrite* keyed) {
    twin = service_->Once(key, render, accept);  // commits before this write takes the case
    return accept(keyed);
  });
  EXPECT_FALSE(twin.replayed);
  EXPECT_TRUE(answer.replayed);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, twin.body);
  EXPECT_EQ(nlohmann::json::parse(answer.body),
            (nlohmann::json{{"state", "accepted"}, {"version", 2}}));
  EXPECT_EQ(Count("SELECT count(*) FROM case_events WHERE type = 'accept'"), 1);
}

TEST_F(CaseLifecyclePgTest, AcceptanceSetsTheDeadlineAndDefersMaterials) {
  auto submitted = Submit(Request());
  const std::string tracking = submitted.created.tracking_number;
  EXPECT_EQ(submitted.created.state, CaseState::kSubmitted);
  // The missing non-essential material (seq 4) needs a promised date.
  EXPECT_EQ(Refusal([&] { service_->Accept(tracking, Window(), {}); }),
            std::make_pair(422, std::string("deferrals")));
  auto accepted = service_->Accept(tracking, Window(), {{4, "2026-12-10"}});
  EXPECT_EQ(accepted.state, CaseState::kAccepted);
  ASSERT_TRUE(accepted.clock);
  // GA-002 commits 5 working days: Dec 2, 3, 4, 7, 8 -> 2026-12-08 17:00.
  EXPECT_EQ(cases::FormatRfc3339China(accepted.clock->deadline), "2026-12-08T17:00:00+08:00");
  EXPECT_FALSE(accepted.clock->provisional);
  EXPECT_EQ(accepted.materials[3].status, cases::MaterialStatus::kDeferred);
  EXPECT_EQ(accepted.materials[3].promised_date, "2026-12-10");
  EXPECT_EQ(Count("SELECT count(*) FROM case_events"), 2);  // created, accept
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE stream = 'events:cases'"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE template = 'case_accepted' "
                  "AND recipient_masked = '139****5678'"),
            1);
}

TEST_F(CaseLifecyclePgTest, SuspensionMovesTheDeadlineByTheWorkingTimeSpent) {
  const std::string tracking = Submit(Request()).created.tracking_number;
  auto accepted = service_->Accept(tracking, Window(), {{4, "2026-12-10"}});
  service_->Suspend(tracking, Window(), "等待第三方核查");
  clock_.Advance(std::chrono::hours(2));  // 10:00 -> 12:00, two office hours
  auto resumed = service_->Resume(tracking, Window(), "");
  EXPECT_EQ(resumed.state, CaseState::kAccepted);
  // Two working hours later than 2026-12-08 17:00: past that day's close, so the next
  // working day's 11:00.
  EXPECT_EQ(cases::FormatRfc3339China(accepted.clock->deadline), "2026-12-08T17:00:00+08:00");
  EXPECT_EQ(cases::FormatRfc3339China(resumed.clock->deadline), "2026-12-09T11:00:00+08:00");
  EXPECT_EQ(Refusal([&] { service_->Suspend(tracking, Window(), ""); }),
            std::make_pair(422, std::string("reason")));
}

TEST_F(CaseLifecyclePgTest, TheLastRequestedMaterialSuppliedResumesTheCase) {
  auto submitted = Submit(Request());
  const std::string tracking = submitted.created.tracking_number;
  const std::string code = submitted.access_code;
  service_->Accept(tracking, Window(), {{4, "2026-12-10"}});
  auto all = cases::CaseScope::Everything();
  service_->Transition(tracking, all, Admin(), CaseAction::kAssign, "", {}, std::nullopt,
                       [&](cases::Case& c, cases::CaseChange&) { c.agent_id = agent_id_; });
  cases::Actor agent{Role::kAgent, agent_id_, "赵代办", "", ""};
  service_->Transition(tracking, all, agent, CaseAction::kStartProgress, "", {}, std::nullopt);
  // No such material: refused, nothing changes.
  EXPECT_EQ(Refusal([&] {
              service_->Transition(tracking, all, agent, CaseAction::kRequestSupplement, "x", {},
                                   std::nullopt, [](cases::Case& c, cases::CaseChange&) {
                                     cases::CaseService::NeedSupplement(c, 99);
                                   });
            }),
            std::make_pair(422, std::string("material_seq")));
  // The window wants a fresh copy of materials 1 and 3 (补正): the case is suspended for them.
  auto suspended = service_->Transition(tracking, all, agent, CaseAction::kRequestSupplement,
                                        "户口簿复印件不清晰", {}, std::nullopt,
                                        [](cases::Case& c, cases::CaseChange&) {
                                          cases::CaseService::NeedSupplement(c, 1);
                                          cases::CaseService::NeedSupplement(c, 3);
                                        });
  EXPECT_EQ(suspended.state, CaseState::kSuspended);
  clock_.Advance(std::chrono::hours(3));  // 10:00 -> 13:00
  // The deferred (容缺) material does not end the suspension; the first requested one neither.
  EXPECT_EQ(service_->SupplyMaterial(tracking, code, address_, 4).state, CaseState::kSuspended);
  EXPECT_EQ(service_->SupplyMaterial(tracking, code, address_, 1).state, CaseState::kSuspended);
  auto resumed = service_->SupplyMaterial(tracking, code, address_, 3);
  EXPECT_EQ(resumed.state, CaseState::kInProgress);
  // Three office hours later than 2026-12-08 17:00: the next working day's 12:00.
  EXPECT_EQ(cases::FormatRfc3339China(resumed.clock->deadline), "2026-12-09T12:00:00+08:00");
  auto timeline = service_->Timeline(resumed);
  EXPECT_EQ(timeline.back().type, "resume");
  EXPECT_EQ(timeline.back().actor_role, Role::kSystem);
}

TEST_F(CaseLifecyclePgTest, TheStateMachineRefusesWithTheCurrentState) {
  const std::string tracking = Submit(Request()).created.tracking_number;
  service_->Accept(tracking, Window(), {{4, "2026-12-10"}});
  try {
    service_->Reject(tracking, Window(), "材料不全");
    FAIL() << "rejecting an accepted case must be refused";
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Status(), 409);
    EXPECT_EQ(error.Code(), "illegal_transition");
    EXPECT_NE(error.Message().find("accepted"), std::string::npos);
  }
  cases::Actor agent{Role::kAgent, agent_id_, "赵代办", "", ""};
  EXPECT_EQ(Refusal([&] {
              service_->Transition(tracking, cases::CaseScope::Everything(), agent,
                                   CaseAction::kAccept, "", {}, std::nullopt);
            }).first,
            403);
  EXPECT_EQ(Refusal([&] { service_->Suspend(tracking, Window(), "x", 1); }),
            std::make_pair(409, std::string("stale_version")));
}

TEST_F(CaseLifecyclePgTest, AWrongCodeLooksLikeAnUnknownNumberAndGuessesAreLimited) {
  auto submitted = Submit(Request());
  const std::string tracking = submitted.created.tracking_number;
  EXPECT_EQ(service_->ReadAsApplicant(tracking, submitted.access_code, address_).tracking_number,
            tracking);
  auto wrong = Refusal([&] { service_->ReadAsApplicant(tracking, "WRONGCOD", address_); });
  auto unknown = Refusal([&] { service_->ReadAsApplicant("DB0000000000X", "WRONGCOD", address_); });
  EXPECT_EQ(wrong, unknown);
  EXPECT_EQ(wrong.first, 404);
  for (int i = 0; i < 5; ++i) {
    Refusal([&] { service_->ReadAsApplicant(tracking, "WRONGCOD", address_); });
  }
  EXPECT_EQ(
      Refusal([&] { service_->ReadAsApplicant(tracking, submitted.access_code, address_); }).first,
      429);
}

TEST_F(CaseLifecyclePgTest, StaffSeeOnlyTheirScope) {
  const std::string tracking = Submit(Request()).created.tracking_number;  // 历下区
  EXPECT_NO_THROW(service_->ReadAsStaff(tracking, Supervisor("370102")));
  EXPECT_NO_THROW(service_->ReadAsStaff(tracking, Supervisor("370100")));  // the city
  EXPECT_EQ(Refusal([&] { service_->ReadAsStaff(tracking, Supervisor("370103")); }).first, 404);
  EXPECT_EQ(Refusal([&] {
              service_->Accept(tracking, Supervisor("370103"), {{4, "2026-12-10"}});
            }).first,
            404);
  cases::CaseFilter filter;
  EXPECT_EQ(service_->List(filter, Supervisor("370102")).cases.size(), 1u);
  EXPECT_EQ(service_->List(filter, Supervisor("370103")).cases.size(), 0u);
}

TEST_F(CaseLifecyclePgTest, FromAcceptanceToARatingWithAFollowUp) {
  auto submitted = Submit(Request());
  const std::string tracking = submitted.created.tracking_number;
  const std::string code = submitted.access_code;
  service_->Accept(tracking, Window(), {{4, "2026-12-10"}});
  auto all = cases::CaseScope::Everything();
  EXPECT_EQ(Refusal([&] { service_->Rate(tracking, code, address_, 5, ""); }),
            std::make_pair(409, std::string("not_delivered")));
  service_->Transition(tracking, all, Admin(), CaseAction::kAssign, "", {}, std::nullopt,
                       [&](cases::Case& c, cases::CaseChange&) { c.agent_id = agent_id_; });
  cases::Actor agent{Role::kAgent, agent_id_, "赵代办", "", ""};
  auto started = service_->Transition(tracking, all, agent, CaseAction::kStartProgress, "",
                                      {{"step", "materials_collected"}}, std::nullopt);
  EXPECT_EQ(started.agent_name, "赵代办");
  // The deferred (容缺) material is still missing: no result yet.
  EXPECT_EQ(Refusal([&] {
              service_->Transition(tracking, all, agent, CaseAction::kResultObtained, "", {},
                                   std::nullopt);
            }),
            std::make_pair(409, std::string("deferred_material_missing")));
  service_->SupplyMaterial(tracking, code, address_, 4);
  service_->Transition(tracking, all, agent, CaseAction::kResultObtained, "", {}, std::nullopt);
  auto delivered =
      service_->Transition(tracking, all, Window(), CaseAction::kHandOver, "", {}, std::nullopt);
  EXPECT_EQ(delivered.state, CaseState::kDelivered);
  auto rated = service_->Rate(tracking, code, address_, 2, "太慢");
  ASSERT_TRUE(rated.rating);
  EXPECT_EQ(rated.rating->score, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM followups WHERE region_code = '370102001'"), 1);
  EXPECT_EQ(Refusal([&] { service_->Rate(tracking, code, address_, 4, ""); }),
            std::make_pair(409, std::string("already_rated")));
  auto timeline = service_->Timeline(rated);
  std::vector<std::string> types;
  for (const auto& e : timeline) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"created", "accept", "assign", "start_progress",
                                             "material_supplied", "result_obtained", "hand_over",
                                             "rated"}));
}

TEST_F(CaseLifecyclePgTest, ListsPageByDeadlineAndFilterByUrgency) {
  std::vector<std::string> accepted;
  for (int i = 0; i < 3; ++i) {
    auto tracking = Submit(Request()).created.tracking_number;
    service_->Accept(tracking, Window(), {{4, "2026-12-10"}});
    accepted.push_back(tracking);
    clock_.Advance(std::chrono::hours(1));
  }
  Submit(Request());  // submitted: no deadline yet, listed last
  cases::CaseFilter filter;
  filter.limit = 2;
  auto first = service_->List(filter, Admin());
  ASSERT_EQ(first.cases.size(), 2u);
  EXPECT_TRUE(first.more);
  EXPECT_EQ(first.cases[0].tracking_number, accepted[0]);
  filter.after_deadline = first.cases[1].clock->deadline;
  filter.after_id = first.cases[1].id;
  auto second = service_->List(filter, Admin());
  ASSERT_EQ(second.cases.size(), 2u);
  EXPECT_FALSE(second.more);
  EXPECT_EQ(second.cases[0].tracking_number, accepted[2]);
  EXPECT_FALSE(second.cases[1].clock.has_value());
  cases::CaseFilter overdue;
  overdue.overdue = true;
  EXPECT_TRUE(service_->List(overdue, Admin()).cases.empty());
  clock_.Advance(std::chrono::hours(24 * 14));  // two weeks on: all three are overdue
  EXPECT_EQ(service_->List(overdue, Admin()).cases.size(), 3u);
  // The overdue list (a statement of its own) pages in the list's order with the list's cursor.
  overdue.limit = 2;
  auto late = service_->List(overdue, Admin());
  ASSERT_EQ(late.cases.size(), 2u);
  EXPECT_TRUE(late.more);
  EXPECT_EQ(late.cases[0].tracking_number, accepted[0]);
  EXPECT_EQ(late.cases[1].tracking_number, accepted[1]);
  cases::ApplyListCursor(cases::ListCursor(late.cases[1], cases::ListOrder::kDeadline), overdue);
  auto rest = service_->List(overdue, Admin());
  ASSERT_EQ(rest.cases.size(), 1u);
  EXPECT_FALSE(rest.more);
  EXPECT_EQ(rest.cases[0].tracking_number, accepted[2]);
  // Past the cases with a deadline there is nothing overdue.
  cases::CaseFilter beyond;
  beyond.overdue = true;
  cases::ApplyListCursor("k1.n.1", beyond);
  EXPECT_TRUE(service_->List(beyond, Admin()).cases.empty());
  cases::CaseFilter too_many;
  too_many.limit = 101;
  EXPECT_EQ(Refusal([&] { service_->List(too_many, Admin()); }).first, 400);
}

// The created-time list: a range of creation times in creation order, then id (two cases of
// the same second by id), paged by its own cursor; deadlines do not reorder it.
TEST_F(CaseLifecyclePgTest, ListsPageByCreationTimeWithinARange) {
  const auto from = clock_.Now();
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) {
    created.push_back(Submit(Request()).created.tracking_number);
    if (i != 1) clock_.Advance(std::chrono::minutes(10));  // the 2nd and 3rd share a second
  }
  // Accepted last-first: in deadline order the newest would come first.
  service_->Accept(created[4], Window(), {{4, "2026-12-10"}});
  service_->Accept(created[1], Window(), {{4, "2026-12-10"}});
  cases::CaseFilter filter;
  filter.order = cases::ListOrder::kCreated;
  filter.created_from = std::chrono::floor<std::chrono::seconds>(from) + std::chrono::minutes(10);
  filter.created_to = std::chrono::floor<std::chrono::seconds>(from) + std::chrono::minutes(35);
  filter.limit = 2;
  std::vector<std::string> listed;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    cases::CaseFilter asked = filter;
    if (!cursor.empty()) cases::ApplyListCursor(cursor, asked);
    auto got = service_->List(asked, Admin());
    for (const auto& c : got.cases) listed.push_back(c.tracking_number);
    if (!got.more) break;
    cursor = cases::ListCursor(got.cases.back(), cases::ListOrder::kCreated);
    EXPECT_EQ(cursor.rfind("c1.", 0), 0u) << cursor;
  }
  EXPECT_EQ(listed, (std::vector<std::string>{created[1], created[2], created[3], created[4]}));
  // A cursor of the deadline order is refused in creation order, and the other way round.
  cases::CaseFilter crossed = filter;
  EXPECT_EQ(Refusal([&] { cases::ApplyListCursor("k1.n.1", crossed); }).first, 400);
  cases::CaseFilter by_deadline;
  EXPECT_EQ(Refusal([&] { cases::ApplyListCursor(cursor, by_deadline); }).first, 400);
}

TEST_F(CaseLifecyclePgTest, HandOverChecksTheIdentityThenCloses) {
  auto submitted = Submit(Request());
  const std::string tracking = submitted.created.tracking_number;
  service_->Accept(tracking, Window(), {{4, "2026-12-10"}});
  auto all = cases::CaseScope::Everything();
  service_->Transition(tracking, all, Admin(), CaseAction::kAssign, "", {}, std::nullopt,
                       [&](cases::Case& c, cases::CaseChange&) { c.agent_id = agent_id_; });
  cases::Actor agent{Role::kAgent, agent_id_, "赵代办", "", ""};
  service_->Transition(tracking, all, agent, CaseAction::kStartProgress, "", {}, std::nullopt);
  service_->SupplyMaterial(tracking, submitted.access_code, address_, 4);
  service_->Transition(tracking, all, agent, CaseAction::kResultObtained, "", {}, std::nullopt);
  // 11010519491231002X ends in 002X.
  EXPECT_EQ(Refusal([&] { service_->HandOver(tracking, Window(), "刘市民", "1234"); }),
            std::make_pair(422, std::string("id_last4")));
  EXPECT_EQ(Count("SELECT count(*) FROM case_events WHERE type = 'handover_refused'"), 1);
  auto closed = service_->HandOver(tracking, Window(), "刘市民", "002x");
  EXPECT_EQ(closed.state, CaseState::kClosed);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE template = 'delivered'"), 1);
  EXPECT_EQ(service_->Rate(tracking, submitted.access_code, address_, 5, "好").rating->score, 5);
}

TEST_F(CaseLifecyclePgTest, TheApplicantCancelsBeforeTheResult) {
  auto submitted = Submit(Request());
  auto cancelled = service_->Cancel(submitted.created.tracking_number, submitted.access_code,
                                    address_, "不需要了");
  EXPECT_EQ(cancelled.state, CaseState::kCancelled);
  EXPECT_TRUE(cancelled.closed_at);
  EXPECT_EQ(Refusal([&] {
              service_->Cancel(submitted.created.tracking_number, submitted.access_code, address_,
                               "");
            }).first,
            409);
  EXPECT_EQ(Count("SELECT count(*) FROM cases"), 1) << "cases are never deleted";
}

}  // namespace
}  // namespace daiban::intake
