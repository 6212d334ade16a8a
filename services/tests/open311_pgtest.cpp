// Open311's stores against real PostgreSQL: keys by hash (revoked ones refused, a duplicate
// left alone; accounts' PgApiKeyStore) and what a key submitted, with GET requests.json's
// filters (cases' PgServiceRequestReader).
#include <gtest/gtest.h>

#include <filesystem>
#include <pqxx/pqxx>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/accounts/pg/pg_api_key_store.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/pg/pg_service_request_reader.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/intake/open311.hpp"
#include "daiban/kernel/file.hpp"
#include "refusal.hpp"
#include "scratch_database.hpp"

namespace daiban::intake {
namespace {

// Look-ups by access code play no part here.
class NoLimit final : public cases::GuessLimiter {
 public:
  bool Blocked(const std::string&) override { return false; }
  void RecordFailure(const std::string&) override {}
};

// 2026-12-01 (a Tuesday) 10:00 China Standard Time.
const kernel::Instant kTuesdayMorning = kernel::Instant(std::chrono::seconds(1796090400));

class Open311PgTest : public ::testing::Test {
 protected:
  Open311PgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    catalogue_store_ = std::make_unique<catalogue::PgCatalogueStore>(*pool_);
    std::vector<std::pair<std::string, std::string>> files;
    auto demo = std::filesystem::path(DAIBAN_SOURCE_DIR) / "db/seed/demo";
    for (const auto& name : catalogue::CatalogueFileNames())
      files.emplace_back(name, kernel::ReadFile(demo / name));
    catalogue_ = std::make_unique<catalogue::CatalogueService>(*catalogue_store_, clock_);
    catalogue_->Import(files);
    calendar_store_ = std::make_unique<catalogue::PgCalendarStore>(*pool_);
    calendar_ = std::make_unique<catalogue::CalendarService>(*calendar_store_, clock_,
                                                             cases::OfficeHours{});
    case_catalogue_ = std::make_unique<catalogue::CatalogueForCases>(*catalogue_store_);
    store_ = std::make_unique<cases::PgCaseStore>(*pool_);
    service_ = std::make_unique<cases::CaseService>(*store_, *case_catalogue_, *calendar_, guesses_,
                                                    clock_, ids_);
    keys_ = std::make_unique<accounts::PgApiKeyStore>(*pool_);
    requests_ = std::make_unique<cases::PgServiceRequestReader>(*pool_);
  }

  std::string Submit(const std::string& item_code, std::int64_t key_id,
                     const std::string& description = "") {
    auto item = catalogue_->GetGuide(item_code).item;
    open311::Form form = {{"description", description},
                          {"last_name", "刘"},
                          {"first_name", "市民"},
                          {"phone", "13912345678"},
                          {"address_string", "历下区解放路1号"},
                          {"lat", "36.66"},
                          {"long", "117.05"},
                          {"attribute[mode]", "proxy"},
                          {"attribute[region_code]", "370102001"},
                          {"attribute[id_number]", "11010519491231002X"},
                          {"attribute[delivery_method]", "express"}};
    for (const auto& m : item.materials)
      form["attribute[M" + std::to_string(m.seq) + "]"] = "provided";
    std::string tracking;
    service_->Submit(open311::BuildCaseRequest(form, item, key_id), std::nullopt,
                     [&](const cases::Submission& s) {
                       tracking = s.created.tracking_number;
                       return std::string();
                     });
    return tracking;
  }

  std::vector<std::string> Found(std::int64_t key_id, const cases::ServiceRequestQuery& query) {
    std::vector<std::string> found;
    for (const auto& row : requests_->Requests(key_id, query)) {
      found.push_back(row.tracking_number);
    }
    return found;
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kTuesdayMorning};
  kernel::SeededIdGenerator ids_{311};
  NoLimit guesses_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<catalogue::PgCatalogueStore> catalogue_store_;
  std::unique_ptr<catalogue::CatalogueService> catalogue_;
  std::unique_ptr<catalogue::PgCalendarStore> calendar_store_;
  std::unique_ptr<catalogue::CalendarService> calendar_;
  std::unique_ptr<catalogue::CatalogueForCases> case_catalogue_;
  std::unique_ptr<cases::PgCaseStore> store_;
  std::unique_ptr<cases::CaseService> service_;
  std::unique_ptr<accounts::PgApiKeyStore> keys_;
  std::unique_ptr<cases::PgServiceRequestReader> requests_;
};

TEST_F(Open311PgTest, KeysAreFoundByHashUntilRevoked) {
  auto id = keys_->AddKey("demo", accounts::TokenHash("secret-key-1"));
  ASSERT_TRUE(id);
  EXPECT_FALSE(keys_->AddKey("again", accounts::TokenHash("secret-key-1")))
      << "a key with the same value is left alone";
  auto found = keys_->FindActiveKey(accounts::TokenHash("secret-key-1"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, *id);
  EXPECT_EQ(found->name, "demo");
  EXPECT_FALSE(keys_->FindActiveKey(accounts::TokenHash("secret-key-2")));
  pool_->Transact([&](pqxx::dbtransaction& tx) {
    tx.exec("UPDATE api_keys SET revoked_at = now() WHERE id = " + std::to_string(*id));
  });
  EXPECT_FALSE(keys_->FindActiveKey(accounts::TokenHash("secret-key-1")));
}

TEST_F(Open311PgTest, AKeySeesOnlyWhatItSubmittedWithTheFilters) {
  auto mine = *keys_->AddKey("mine", accounts::TokenHash("key-mine"));
  auto theirs = *keys_->AddKey("theirs", accounts::TokenHash("key-theirs"));
  std::string first = Submit("GA-002", mine);
  clock_.Advance(std::chrono::hours(1));
  std::string second = Submit("SCJG-001", mine);
  std::string other = Submit("GA-002", theirs);
  auto now = cases::Moment(kernel::ToMoment(clock_.Now()));

  cases::ServiceRequestQuery all;
  EXPECT_EQ(Found(mine, all), (std::vector<std::string>{second, first})) << "newest first";
  EXPECT_EQ(Found(theirs, all), std::vector<std::string>{other});

  cases::ServiceRequestQuery by_id;
  by_id.tracking_numbers = {first, other};
  EXPECT_EQ(Found(mine, by_id), std::vector<std::string>{first}) << "not another key's";

  cases::ServiceRequestQuery by_code;
  by_code.service_code = "SCJG-001";
  EXPECT_EQ(Found(mine, by_code), std::vector<std::string>{second});

  cases::ServiceRequestQuery by_date;
  by_date.from = now - std::chrono::minutes(30);
  EXPECT_EQ(Found(mine, by_date), std::vector<std::string>{second});
  by_date.from.reset();
  by_date.to = now - std::chrono::minutes(30);
  EXPECT_EQ(Found(mine, by_date), std::vector<std::string>{first});

  service_->Reject(first, {kernel::Role::kAdmin, 0, "管理员", "", ""}, "材料不全");
  cases::ServiceRequestQuery closed;
  closed.open = false;
  auto rows = requests_->Requests(mine, closed);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].tracking_number, first);
  EXPECT_EQ(rows[0].state, cases::CaseState::kRejected);
  EXPECT_EQ(rows[0].reason, "材料不全");
  EXPECT_EQ(rows[0].service_name, "户口迁移（市内迁移）");
  EXPECT_EQ(rows[0].agency, "济南市公安局");
  EXPECT_EQ(rows[0].address, "历下区解放路1号");
  EXPECT_DOUBLE_EQ(rows[0].lat, 36.66);
  EXPECT_EQ(rows[0].requested_at, cases::Moment(std::chrono::seconds(1796090400)));
  EXPECT_FALSE(rows[0].expected_at);
  cases::ServiceRequestQuery open;
  open.open = true;
  EXPECT_EQ(Found(mine, open), std::vector<std::string>{second});
  open.limit = 0;
  EXPECT_TRUE(Found(mine, open).empty());
}

TEST_F(Open311PgTest, PublicLookupsNeedTrackingNumbersAndDescriptionsStayWithTheirKey) {
  auto mine = *keys_->AddKey("mine", accounts::TokenHash("key-mine"));
  auto theirs = *keys_->AddKey("theirs", accounts::TokenHash("key-theirs"));
  std::string first = Submit("GA-002", mine, "市内迁移，委托代办");
  Submit("GA-002", theirs, "not theirs to read");

  EXPECT_TRUE(requests_->PublicRequests({}).empty()) << "no enumeration";
  cases::ServiceRequestQuery everything;
  EXPECT_TRUE(requests_->Requests(0, everything).empty()) << "no key, no names: nothing";
  auto rows = requests_->PublicRequests({first, "DB0000000000X"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].tracking_number, first);
  cases::ServiceRequestQuery by_id;
  by_id.tracking_numbers = {first};
  rows = requests_->Requests(mine, by_id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].description, "市内迁移，委托代办");
  EXPECT_TRUE(requests_->Requests(theirs, by_id).empty());
}

// A generic client sends neither the ID number nor the materials: the case waits for the
// window, which cannot accept it until both are recorded.
TEST_F(Open311PgTest, TheWindowRecordsTheIdNumberAndMaterialsAtAcceptance) {
  auto key = *keys_->AddKey("generic", accounts::TokenHash("key-generic"));
  auto item = catalogue_->GetGuide("GA-002").item;
  open311::Form form = {{"service_code", "GA-002"}, {"last_name", "刘"}, {"first_name", "市民"},
                        {"phone", "13912345678"},   {"lat", "36.66"},    {"long", "117.05"},
                        {"description", "市内迁移"}};
  open311::FillRegionFromPosition(form, [](kernel::GeoPoint) { return "370102001"; });
  std::string tracking;
  service_->Submit(open311::BuildCaseRequest(form, item, key), std::nullopt,
                   [&](const cases::Submission& s) {
                     tracking = s.created.tracking_number;
                     return std::string();
                   });
  const cases::Actor window{kernel::Role::kWindow, 0, "王窗口", "370102", ""};
  auto submitted = service_->ReadAsStaff(tracking, window);
  EXPECT_TRUE(submitted.IdNumberToCollect());
  EXPECT_EQ(submitted.MaterialsToCollect(), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(submitted.open311_description, "市内迁移");

  using testing::Refusal;
  EXPECT_EQ(Refusal([&] { service_->Accept(tracking, window, {}); }),
            std::make_pair(409, std::string("state")))
      << "essential materials missing";
  cases::AcceptanceRecord record;
  record.received_materials = {1, 2, 3, 5};
  EXPECT_EQ(Refusal([&] {
              service_->Accept(tracking, window, {{4, "2026-12-10"}}, {}, record);
            }),
            std::make_pair(422, std::string("id_number")));
  record.id_number = "11010519491231002Y";
  EXPECT_EQ(Refusal([&] {
              service_->Accept(tracking, window, {{4, "2026-12-10"}}, {}, record);
            }),
            std::make_pair(422, std::string("id_number")))
      << "check character wrong";
  record.id_number = "11010519491231002X";
  record.received_materials = {1, 2, 3, 5, 9};
  EXPECT_EQ(Refusal([&] {
              service_->Accept(tracking, window, {{4, "2026-12-10"}}, {}, record);
            }),
            std::make_pair(422, std::string("received_materials")));
  auto unchanged = service_->ReadAsStaff(tracking, window);
  EXPECT_EQ(unchanged.state, cases::CaseState::kSubmitted) << "a refusal writes nothing";
  EXPECT_TRUE(unchanged.IdNumberToCollect());

  record.received_materials = {1, 2, 3, 5};
  auto accepted = service_->Accept(tracking, window, {{4, "2026-12-10"}}, {}, record);
  EXPECT_EQ(accepted.state, cases::CaseState::kAccepted);
  auto stored = service_->ReadAsStaff(tracking, window);
  EXPECT_EQ(stored.applicant.id_number, "11010519491231002X");
  EXPECT_FALSE(stored.IdNumberToCollect());
  EXPECT_TRUE(stored.MaterialsToCollect().empty());
  EXPECT_EQ(stored.materials[0].status, cases::MaterialStatus::kProvided);
  EXPECT_EQ(stored.materials[3].status, cases::MaterialStatus::kDeferred);
  auto timeline = service_->Timeline(stored);
  EXPECT_EQ(timeline.back().data["id_number_recorded"], true);
  EXPECT_EQ(timeline.back().data.dump().find("11010519491231002X"), std::string::npos)
      << "the number itself stays out of the timeline";
}

}  // namespace
}  // namespace daiban::intake
