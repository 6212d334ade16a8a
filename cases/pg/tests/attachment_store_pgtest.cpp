// PgAttachmentStore against real PostgreSQL and a scratch folder: each photo's bytes stored
// once by content (written atomically, a damaged file replaced), its rows listed, found and read
// back, and the first answer to an Idempotency-Key kept in the row's transaction.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "daiban/cases/attachments.hpp"
#include "daiban/cases/pg_attachment_store.hpp"
#include "daiban/cases/pg_case_store.hpp"
#include "daiban/cases/testing/photos.hpp"
#include "daiban/cases/testing/store_contract.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "daiban/kernel/json.hpp"
#include "pg_contract_world.hpp"

namespace daiban::cases {
namespace {

namespace fs = std::filesystem;
using kernel::Json;
using kernel::ReadFile;
using kernel::Sha256Hex;
using testing::Jpeg;
using testing::Png;

// 2026-12-01 (a Tuesday) 10:00 China Standard Time.
const kernel::Instant kTuesdayMorning = kernel::Instant(std::chrono::seconds(1796090400));

class AttachmentStorePgTest : public ::testing::Test {
 protected:
  AttachmentStorePgTest() {
    agent_ = world_.NewAccount(kernel::Role::kAgent);
    case_id_ =
        testing::CreateContractCase(world_.Cases(), "DB0001", "370102",
                                    std::chrono::floor<std::chrono::seconds>(kTuesdayMorning));
    folder_ = fs::temp_directory_path() / ("daiban-photos-" + kernel::RandomIdGenerator().HexId(6));
    store_ = std::make_unique<PgAttachmentStore>(world_.Pool(), folder_.string());
  }
  ~AttachmentStorePgTest() override {
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }

  int Count(const std::string& sql) {
    int n = 0;
    world_.Pool().Read([&](pqxx::transaction_base& tx) { n = tx.exec(sql)[0][0].as<int>(); });
    return n;
  }

  // Regular files under the photo folder; `hidden` counts only leftover temporary files.
  int Files(bool hidden = false) { return testing::PhotoFiles(folder_, hidden); }

  db::testing::PgContractWorld<PgCaseStore> world_;
  kernel::ManualClock clock_{kTuesdayMorning};
  std::int64_t agent_ = 0;
  std::int64_t case_id_ = 0;
  fs::path folder_;
  std::unique_ptr<PgAttachmentStore> store_;
};

TEST_F(AttachmentStorePgTest, SameBytesAreOneFileAndTwoRows) {
  const std::string photo = Jpeg(640, 480, "door");
  auto image = InspectImage(photo, "image/jpeg");
  auto device_time = cases::Moment(std::chrono::seconds(1796090000));
  auto first = store_->Save(case_id_, photo, image, agent_, clock_.Now(), device_time, "门牌照片",
                            std::nullopt);
  clock_.Advance(std::chrono::minutes(1));
  auto second =
      store_->Save(case_id_, photo, image, agent_, clock_.Now(), std::nullopt, "", std::nullopt);

  EXPECT_EQ(first.sha256, Sha256Hex(photo));
  EXPECT_EQ(first.sha256, second.sha256);
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(Count("SELECT count(*) FROM attachments"), 2);
  EXPECT_EQ(Files(), 1) << "content addressing stores the bytes once";
  EXPECT_EQ(Files(true), 0) << "no temporary file is left behind";
  const fs::path path = folder_ / first.sha256.substr(0, 2) / first.sha256;
  EXPECT_EQ(store_->PathOf(first.sha256), path);
  EXPECT_EQ(ReadFile(path), photo);

  auto listed = store_->List(case_id_);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, first.id);
  EXPECT_EQ(listed[1].id, second.id);
  EXPECT_EQ(listed[0].note, "门牌照片");
  EXPECT_EQ(listed[0].device_time, device_time);
  EXPECT_FALSE(listed[1].device_time.has_value());
  EXPECT_EQ(listed[0].uploaded_at, std::chrono::floor<std::chrono::seconds>(kTuesdayMorning));
  EXPECT_EQ(listed[0].width, 640);
  EXPECT_EQ(listed[0].height, 480);
  EXPECT_EQ(listed[0].size_bytes, static_cast<std::int64_t>(photo.size()));
  EXPECT_EQ(listed[0].content_type, "image/jpeg");
  EXPECT_EQ(listed[0].uploaded_by, agent_);

  auto found = store_->Find(second.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->case_id, case_id_);
  EXPECT_EQ(found->uploaded_at, second.uploaded_at);
  EXPECT_FALSE(store_->Find(second.id + 1000).has_value());
  EXPECT_EQ(store_->Read(first.sha256), photo);
  EXPECT_FALSE(store_->Read(Sha256Hex("never stored")).has_value());
  EXPECT_FALSE(store_->Read("../../etc/passwd").has_value());
  EXPECT_TRUE(store_->List(case_id_ + 1000).empty());

  // A damaged file (another size) is replaced by the next upload of the same photo.
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "damaged";
  store_->Save(case_id_, photo, image, agent_, clock_.Now(), std::nullopt, "", std::nullopt);
  EXPECT_EQ(ReadFile(path), photo);
}

TEST_F(AttachmentStorePgTest, AnIdempotencyKeyKeepsOneRow) {
  const std::string photo = Png(8, 8);
  auto image = InspectImage(photo, "image/png");
  AttachmentAnswer answer{
      "user:" + std::to_string(agent_), "key-1", "hash-1",
      [](const Attachment& a) { return "{\"id\":" + std::to_string(a.id) + "}"; }};
  auto saved = store_->Save(case_id_, photo, image, agent_, clock_.Now(), std::nullopt, "", answer);
  EXPECT_THROW(store_->Save(case_id_, photo, image, agent_, clock_.Now(), std::nullopt, "", answer),
               kernel::IdempotencyKeyTaken);
  EXPECT_EQ(Count("SELECT count(*) FROM attachments"), 1) << "the duplicate rolled back";
  auto replay = kernel::SameRequest(world_.Cases().FindAnswer(answer.scope, "key-1"), "hash-1");
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(replay->status, 201);
  EXPECT_EQ(Json::parse(replay->body).at("id"), saved.id);
}

TEST_F(AttachmentStorePgTest, TheFolderMustBeNamed) {
  EXPECT_THROW(PgAttachmentStore(world_.Pool(), ""), kernel::ConfigError);
}

}  // namespace
}  // namespace daiban::cases
