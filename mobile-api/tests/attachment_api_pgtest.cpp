// The photo routes against real PostgreSQL and Redis, through a real HTTP server and
// AuthService: who may add, list and read photos, and what is refused (401, 403, 404, 409, 413,
// 415, 400). The store itself is tested in cases/pg.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/pg/pg_attachment_store.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/pg/redis_guess_limiter.hpp"
#include "daiban/cases/testing/case_world.hpp"
#include "daiban/cases/testing/photos.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "daiban/kernel/http_server.hpp"
#include "daiban/kernel/log.hpp"
#include "daiban/kernel/metrics.hpp"
#include "daiban/mobile/attachment_api.hpp"
#include "scratch_database.hpp"

namespace daiban::mobile {
namespace {

using cases::PgAttachmentStore;
using daiban::testing::RawResponse;
using kernel::Json;
using kernel::Role;
using kernel::Sha256Hex;
namespace fs = std::filesystem;

using kernel::ReadFile;
// Structurally complete JPEG and PNG files (cases/testing/photos.hpp).
using cases::testing::Jpeg;
using cases::testing::Png;
using cases::testing::Segment;

// 2026-12-01 (a Tuesday) 10:00 China Standard Time.
const kernel::Instant kTuesdayMorning = kernel::Instant(std::chrono::seconds(1796090400));
constexpr std::size_t kMaxBytes = 64 * 1024;

class AttachmentsPgTest : public ::testing::Test {
 protected:
  AttachmentsPgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 3});
    db::RedisOptions redis_options;
    redis_options.port = daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT");
    // A database of its own: the test stack's running services use database 0.
    redis_options.database = 3;
    redis_ = std::make_unique<db::RedisPool>(redis_options);

    catalogue_store_ = std::make_unique<catalogue::PgCatalogueStore>(*pool_);
    std::vector<std::pair<std::string, std::string>> files;
    auto demo = fs::path(DAIBAN_SOURCE_DIR) / "db/seed/demo";
    for (const auto& name : catalogue::CatalogueFileNames()) {
      files.emplace_back(name, ReadFile(demo / name));
    }
    catalogue::CatalogueService(*catalogue_store_, clock_).Import(files);
    calendar_store_ = std::make_unique<catalogue::PgCalendarStore>(*pool_);
    calendar_ = std::make_unique<catalogue::CalendarService>(*calendar_store_, clock_,
                                                             cases::OfficeHours{});
    calendar_->Load("cn-calendar-2026.csv", ReadFile(fs::path(DAIBAN_SOURCE_DIR) /
                                                     "db/seed/calendar/cn-calendar-2026.csv"));
    case_catalogue_ = std::make_unique<catalogue::CatalogueForCases>(*catalogue_store_);
    case_store_ = std::make_unique<cases::PgCaseStore>(*pool_);
    guesses_ = std::make_unique<cases::RedisGuessLimiter>(*redis_, 5, std::chrono::seconds(900));
    cases_ = std::make_unique<cases::CaseService>(*case_store_, *case_catalogue_, *calendar_,
                                                  *guesses_, clock_, ids_);

    auth_state_ = std::make_unique<accounts::RedisAuthState>(*redis_);

    accounts_ = std::make_unique<accounts::PgAccountStore>(*pool_);
    auth_ = std::make_unique<accounts::AuthService>(*accounts_, *auth_state_, *auth_state_, clock_,
                                                    ids_);
    agent_ = AddUser(accounts::Role::kAgent, "赵代办", "370102");
    other_agent_ = AddUser(accounts::Role::kAgent, "钱代办", "370102");
    courier_ = AddUser(accounts::Role::kCourier, "孙寄递", "370102");
    supervisor_ = AddUser(accounts::Role::kSupervisor, "李督办", "370102");
    far_supervisor_ = AddUser(accounts::Role::kSupervisor, "周督办", "370103");
    window_ = AddUser(accounts::Role::kWindow, "吴窗口", "370102");
    admin_ = AddUser(accounts::Role::kAdmin, "郑管理", "");

    folder_ = fs::temp_directory_path() / ("daiban-photos-" + kernel::RandomIdGenerator().HexId(6));
    store_ = std::make_unique<PgAttachmentStore>(*pool_, folder_.string());
    address_ = "it-" + kernel::RandomIdGenerator().HexId(6);

    auto opened = OpenCase(agent_.id);
    tracking_ = opened.tracking;
    access_code_ = opened.access_code;
    case_id_ = opened.id;
  }
  ~AttachmentsPgTest() override {
    if (server_) server_->Stop();
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }

  struct User {
    std::int64_t id = 0;
    std::string token;
  };

  // An account with a live session: its bearer token goes through the real AuthService.
  User AddUser(accounts::Role role, const std::string& name, const std::string& region) {
    static int serial = 0;
    std::string phone = "1380000" + std::to_string(1000 + serial++);
    User user;
    user.id = accounts_->AddUser({role, name, phone, "", region, ""}, "unused-hash");
    user.token = ids_.HexId(24);
    accounts_->CreateSession(accounts::TokenHash(user.token), user.id, "",
                             clock_.Now() + std::chrono::hours(12));
    return user;
  }

  struct OpenedCase {
    std::string tracking;
    std::string access_code;
    std::int64_t id = 0;
  };

  // A submitted, accepted case assigned to `agent_id`.
  OpenedCase OpenCase(std::int64_t agent_id) {
    const auto request = cases::testing::HukouRequest(cases::DeliveryMethod::kExpress);
    cases::Submission kept;
    cases_->Submit(request, kernel::IdempotentAnswer{"test", ids_.HexId(8), "hash", 0, ""},
                   [&](const cases::Submission& s) {
                     kept = s;
                     return std::string("{}");
                   });
    cases::Actor window{Role::kWindow, window_.id, "吴窗口", "370102", ""};
    cases_->Accept(kept.created.tracking_number, window, {});
    cases::Actor admin{Role::kAdmin, admin_.id, "郑管理", "", ""};
    auto assigned = cases_->Transition(
        kept.created.tracking_number, cases::CaseScope::Everything(), admin,
        cases::CaseAction::kAssign, "", {{"agent_id", agent_id}}, std::nullopt,
        [agent_id](cases::Case& c, cases::CaseChange&) { c.agent_id = agent_id; });
    return {assigned.tracking_number, kept.access_code, assigned.id};
  }

  int Count(const std::string& sql) {
    int n = 0;
    pool_->Read([&](pqxx::transaction_base& tx) { n = tx.exec(sql)[0][0].as<int>(); });
    return n;
  }

  // Regular files under the photo folder; `hidden` counts only leftover temporary files.
  int Files(bool hidden = false) { return cases::testing::PhotoFiles(folder_, hidden); }

  void StartServer() {
    server_ = std::make_unique<kernel::HttpServer>(kernel::HttpServerOptions{.port = 0}, logger_,
                                                   metrics_, clock_, ids_);
    photos_ = std::make_unique<cases::AttachmentService>(*store_, clock_, kMaxBytes);
    AddAttachmentRoutes(server_->Routes(), *cases_, *photos_, *auth_, kMaxBytes);
    server_->Start();
  }

  RawResponse Call(const std::string& method, const std::string& target, const User* user,
                   const std::string& body = {}, std::map<std::string, std::string> headers = {}) {
    if (user != nullptr) headers["Authorization"] = "Bearer " + user->token;
    headers["X-Real-IP"] = address_;  // keeps this test's failed look-ups to itself
    return daiban::testing::Request("127.0.0.1", server_->Port(), method, target, body, headers);
  }

  RawResponse Upload(const User& user, const std::string& bytes, const std::string& type,
                     const std::string& key, std::map<std::string, std::string> headers = {},
                     const std::string& tracking = "") {
    headers["Content-Type"] = type;
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return Call("POST",
                "/mobile/v1/cases/" + (tracking.empty() ? tracking_ : tracking) + "/attachments",
                &user, bytes, headers);
  }

  std::string ErrorCode(const RawResponse& response) {
    try {
      return Json::parse(response.body).at("error").at("code").get<std::string>();
    } catch (const std::exception&) {
      return "(not the error JSON: " + response.body + ")";
    }
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kTuesdayMorning};
  // Random: bearer tokens and tracking numbers must not repeat across runs (Redis caches
  // sessions by token).
  kernel::RandomIdGenerator ids_;
  kernel::Logger logger_{"test", kernel::LogLevel::kError, clock_};
  kernel::Metrics metrics_{"test"};
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<db::RedisPool> redis_;
  std::unique_ptr<catalogue::PgCatalogueStore> catalogue_store_;
  std::unique_ptr<catalogue::PgCalendarStore> calendar_store_;
  std::unique_ptr<catalogue::CalendarService> calendar_;
  std::unique_ptr<catalogue::CatalogueForCases> case_catalogue_;
  std::unique_ptr<cases::PgCaseStore> case_store_;
  std::unique_ptr<cases::RedisGuessLimiter> guesses_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<accounts::PgAccountStore> accounts_;
  std::unique_ptr<accounts::RedisAuthState> auth_state_;
  std::unique_ptr<accounts::AuthService> auth_;
  User agent_, other_agent_, courier_, supervisor_, far_supervisor_, window_, admin_;
  fs::path folder_;
  std::unique_ptr<PgAttachmentStore> store_;
  std::unique_ptr<cases::AttachmentService> photos_;
  std::unique_ptr<kernel::HttpServer> server_;
  std::string address_;
  std::string tracking_;
  std::string access_code_;
  std::int64_t case_id_ = 0;
};

TEST_F(AttachmentsPgTest, TheAssignedAgentUploadsAndReadsPhotos) {
  StartServer();
  const std::string photo = Jpeg(1024, 768, "receipt");
  auto created = Upload(agent_, photo, "image/jpeg", "up-1",
                        {{"X-Device-Time", "2026-12-01T09:55:00+08:00"},
                         {"X-Note", "%E7%AA%97%E5%8F%A3%E5%9B%9E%E6%89%A7"}});  // 窗口回执
  ASSERT_EQ(created.status, 201) << created.body;
  auto body = Json::parse(created.body);
  EXPECT_EQ(body.at("sha256"), Sha256Hex(photo));
  EXPECT_EQ(body.at("content_type"), "image/jpeg");
  EXPECT_EQ(body.at("width"), 1024);
  EXPECT_EQ(body.at("height"), 768);
  EXPECT_EQ(body.at("size_bytes"), photo.size());
  EXPECT_EQ(body.at("uploaded_at"), "2026-12-01T10:00:00+08:00");
  EXPECT_EQ(body.at("device_time"), "2026-12-01T09:55:00+08:00");
  EXPECT_EQ(body.at("note"), "窗口回执");
  const std::int64_t id = body.at("id").get<std::int64_t>();

  // A retry returns the first answer and adds nothing; the key with another photo is 409.
  auto retried = Upload(agent_, photo, "image/jpeg", "up-1",
                        {{"X-Device-Time", "2026-12-01T09:55:00+08:00"},
                         {"X-Note", "%E7%AA%97%E5%8F%A3%E5%9B%9E%E6%89%A7"}});
  EXPECT_EQ(retried.status, 201);
  EXPECT_EQ(Json::parse(retried.body), body);  // kept as jsonb: same value, other spacing
  EXPECT_EQ(Count("SELECT count(*) FROM attachments"), 1);
  auto reused = Upload(agent_, Jpeg(10, 10), "image/jpeg", "up-1");
  EXPECT_EQ(reused.status, 409) << reused.body;
  EXPECT_EQ(ErrorCode(reused), "idempotency_key_reused");

  // A PNG too, then the list (oldest first).
  auto second = Upload(agent_, Png(300, 200), "image/png", "up-2");
  ASSERT_EQ(second.status, 201) << second.body;
  auto list = Call("GET", "/mobile/v1/cases/" + tracking_ + "/attachments", &agent_);
  ASSERT_EQ(list.status, 200) << list.body;
  auto listed = Json::parse(list.body).at("attachments");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].at("id"), id);
  EXPECT_EQ(listed[1].at("content_type"), "image/png");
  EXPECT_EQ(listed[1].at("width"), 300);

  auto image =
      Call("GET", "/mobile/v1/cases/" + tracking_ + "/attachments/" + std::to_string(id), &agent_);
  ASSERT_EQ(image.status, 200) << image.body;
  EXPECT_EQ(image.body, photo);
  EXPECT_EQ(image.Header("content-type").value_or(""), "image/jpeg");
  EXPECT_EQ(image.Header("x-content-type-options").value_or(""), "nosniff");
}

TEST_F(AttachmentsPgTest, StaffInScopeMaySeeThePhotosAndNobodyElse) {
  StartServer();
  auto created = Upload(agent_, Jpeg(20, 10), "image/jpeg", "scope-1");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = std::to_string(Json::parse(created.body).at("id").get<std::int64_t>());
  const std::string list = "/mobile/v1/cases/" + tracking_ + "/attachments";
  const std::string one = list + "/" + id;

  for (const User* allowed : {&supervisor_, &window_, &admin_}) {
    EXPECT_EQ(Call("GET", list, allowed).status, 200);
    EXPECT_EQ(Call("GET", one, allowed).status, 200);
  }
  EXPECT_EQ(Upload(supervisor_, Png(2, 2), "image/png", "sup-1").status, 201);

  // Another agent and a supervisor of another district: as if the case did not exist.
  for (const User* outsider : {&other_agent_, &far_supervisor_}) {
    EXPECT_EQ(Upload(*outsider, Jpeg(5, 5), "image/jpeg", "out-1").status, 404);
    EXPECT_EQ(Call("GET", list, outsider).status, 404);
    EXPECT_EQ(Call("GET", one, outsider).status, 404);
  }
  // Couriers never see a case's photos; no token at all is 401.
  EXPECT_EQ(Upload(courier_, Jpeg(5, 5), "image/jpeg", "c-1").status, 403);
  EXPECT_EQ(Call("GET", list, &courier_).status, 403);
  EXPECT_EQ(Call("GET", one, &courier_).status, 403);
  EXPECT_EQ(Call("GET", list, nullptr).status, 401);
  User forged{agent_.id, "not-a-token"};
  EXPECT_EQ(Upload(forged, Jpeg(5, 5), "image/jpeg", "f-1").status, 401);
  EXPECT_EQ(Count("SELECT count(*) FROM attachments"), 2);
}

TEST_F(AttachmentsPgTest, TheApplicantReadsWithTheAccessCode) {
  StartServer();
  const std::string photo = Png(64, 48);
  auto created = Upload(agent_, photo, "image/png", "app-1");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string one = "/mobile/v1/cases/" + tracking_ + "/attachments/" +
                          std::to_string(Json::parse(created.body).at("id").get<std::int64_t>());

  auto read = Call("GET", one + "?code=" + access_code_, nullptr);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body, photo);
  EXPECT_EQ(read.Header("content-type").value_or(""), "image/png");
  EXPECT_EQ(Call("GET", one + "?code=WRONG1", nullptr).status, 404);
  EXPECT_EQ(Call("GET", one, nullptr).status, 400);
  // The list is staff work: the applicant's code does not open it.
  EXPECT_EQ(
      Call("GET", "/mobile/v1/cases/" + tracking_ + "/attachments?code=" + access_code_, nullptr)
          .status,
      401);
}

TEST_F(AttachmentsPgTest, APhotoOfAnotherCaseIsNotFound) {
  StartServer();
  auto other = OpenCase(agent_.id);
  auto created = Upload(agent_, Jpeg(7, 7), "image/jpeg", "other-1", {}, other.tracking);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = std::to_string(Json::parse(created.body).at("id").get<std::int64_t>());
  const std::string wrong = "/mobile/v1/cases/" + tracking_ + "/attachments/" + id;
  EXPECT_EQ(Call("GET", wrong, &admin_).status, 404);
  EXPECT_EQ(Call("GET", wrong, &agent_).status, 404);
  EXPECT_EQ(Call("GET", wrong + "?code=" + access_code_, nullptr).status, 404);
  EXPECT_EQ(
      Call("GET", "/mobile/v1/cases/" + other.tracking + "/attachments/" + id, &agent_).status,
      200);
  EXPECT_EQ(Call("GET", "/mobile/v1/cases/" + tracking_ + "/attachments/abc", &agent_).status, 404);
  EXPECT_EQ(Call("GET", "/mobile/v1/cases/" + tracking_ + "/attachments/-1", &agent_).status, 404);
}

TEST_F(AttachmentsPgTest, BadUploadsAreRefused) {
  StartServer();
  auto lying = Upload(agent_, Png(4, 4), "image/jpeg", "bad-1");
  EXPECT_EQ(lying.status, 415) << lying.body;
  EXPECT_EQ(ErrorCode(lying), "unsupported_media_type");
  EXPECT_EQ(Upload(agent_, "GIF89a......", "image/gif", "bad-2").status, 415);
  // Exactly the limit passes (the server's own limit follows the largest route); one more
  // byte is 413.
  std::string padded = Jpeg(4, 4, "padded");
  padded.insert(2, Segment(0xFE, std::string(kMaxBytes - padded.size() - 4, 'p')));
  ASSERT_EQ(padded.size(), kMaxBytes);
  auto fits = Upload(agent_, padded, "image/jpeg", "fits-1");
  EXPECT_EQ(fits.status, 201) << fits.body;
  auto big = Upload(agent_, std::string(kMaxBytes + 1, '\xFF'), "image/jpeg", "bad-3");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(ErrorCode(big), "payload_too_large");
  std::string truncated = Jpeg(4, 4);
  truncated.resize(truncated.size() - 3);
  EXPECT_EQ(Upload(agent_, truncated, "image/jpeg", "bad-4").status, 422);
  EXPECT_EQ(Upload(agent_, "", "image/jpeg", "bad-5").status, 400);
  EXPECT_EQ(Upload(agent_, Jpeg(4, 4), "image/jpeg", "").status, 400) << "no Idempotency-Key";
  auto late = Upload(agent_, Jpeg(4, 4), "image/jpeg", "bad-6", {{"X-Device-Time", "yesterday"}});
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(Upload(agent_, Jpeg(4, 4), "image/jpeg", "bad-7", {{"X-Note", "%E7%AA"}}).status, 400);
  EXPECT_EQ(Upload(agent_, Jpeg(4, 4), "image/jpeg", "bad-8", {{"X-Note", "%ZZ"}}).status, 400);
  EXPECT_EQ(Count("SELECT count(*) FROM attachments"), 1) << "only the photo that fits";
  EXPECT_EQ(Files(), 1);
}

TEST_F(AttachmentsPgTest, AMissingFileIsAnUnavailableDependency) {
  StartServer();
  const std::string photo = Jpeg(9, 9, "lost");
  auto created = Upload(agent_, photo, "image/jpeg", "lost-1");
  ASSERT_EQ(created.status, 201) << created.body;
  auto body = Json::parse(created.body);
  fs::remove(store_->PathOf(body.at("sha256").get<std::string>()));
  auto read = Call("GET",
                   "/mobile/v1/cases/" + tracking_ + "/attachments/" +
                       std::to_string(body.at("id").get<std::int64_t>()),
                   &agent_);
  EXPECT_EQ(read.status, 503);
  EXPECT_EQ(ErrorCode(read), "unavailable");
  EXPECT_EQ(read.body.find(folder_.string()), std::string::npos) << "no path reaches a client";
}

}  // namespace
}  // namespace daiban::mobile
