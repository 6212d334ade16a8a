// PgAttachmentStore against real PostgreSQL and a scratch folder: AttachmentStore's contract
// (attachment_store_contract.hpp, the same suite the in-memory store runs in
// attachment_store_test.cpp), and what only the files show: each photo's bytes stored once by
// content, written atomically, a damaged file replaced, the folder required.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "daiban/cases/attachments.hpp"
#include "daiban/cases/pg/pg_attachment_store.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/testing/attachment_store_contract.hpp"
#include "daiban/cases/testing/photos.hpp"
#include "daiban/cases/testing/store_contract.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "pg_contract_world.hpp"

namespace daiban::cases {
namespace {

namespace fs = std::filesystem;

// 2026-12-01 (a Tuesday) 10:00 China Standard Time.
const kernel::Instant kTuesdayMorning = kernel::Instant(std::chrono::seconds(1796090400));

// A migrated scratch database with the contract's regions and item (cases and accounts to hang
// photos on) and a photo folder of its own, removed afterwards.
class PgAttachmentWorld {
 public:
  PgAttachmentWorld()
      : folder_(fs::temp_directory_path() /
                ("daiban-photos-" + kernel::RandomIdGenerator().HexId(6))),
        store_(world_.Pool(), folder_.string()) {}
  ~PgAttachmentWorld() {
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }

  PgAttachmentStore& Store() { return store_; }
  std::int64_t NewCase() {
    return testing::CreateContractCase(world_.Cases(), "DB" + std::to_string(1000 + ++cases_),
                                       "370102",
                                       std::chrono::floor<std::chrono::seconds>(kTuesdayMorning));
  }
  std::int64_t NewUploader() { return world_.NewAccount(kernel::Role::kAgent); }

  db::PgPool& Pool() { return world_.Pool(); }
  const fs::path& Folder() const { return folder_; }

 private:
  db::testing::PgContractWorld<PgCaseStore> world_;
  fs::path folder_;
  PgAttachmentStore store_;
  int cases_ = 0;
};

class AttachmentStorePgTest : public ::testing::Test {
 protected:
  // Regular files under the photo folder; `hidden` counts only leftover temporary files.
  int Files(bool hidden = false) { return testing::PhotoFiles(world_.Folder(), hidden); }

  PgAttachmentWorld world_;
};

TEST_F(AttachmentStorePgTest, SameBytesAreOneFileAndTwoRows) {
  const auto case_id = world_.NewCase();
  const auto agent = world_.NewUploader();
  const std::string photo = testing::Jpeg(640, 480, "door");
  const auto image = InspectImage(photo, "image/jpeg");
  auto& store = world_.Store();
  const NewPhoto sent{.case_id = case_id,
                      .bytes = photo,
                      .image = image,
                      .uploaded_by = agent,
                      .received_at = kTuesdayMorning};
  const auto first = store.Save(sent, std::nullopt);
  store.Save(sent, std::nullopt);

  EXPECT_EQ(store.List(case_id).size(), 2u);
  EXPECT_EQ(Files(), 1) << "content addressing stores the bytes once";
  EXPECT_EQ(Files(true), 0) << "no temporary file is left behind";
  const fs::path path = world_.Folder() / first.sha256.substr(0, 2) / first.sha256;
  EXPECT_EQ(store.PathOf(first.sha256), path);
  EXPECT_EQ(kernel::ReadFile(path), photo);

  // A damaged file (another size) is replaced by the next upload of the same photo.
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "damaged";
  store.Save(sent, std::nullopt);
  EXPECT_EQ(kernel::ReadFile(path), photo);
}

TEST_F(AttachmentStorePgTest, TheFolderMustBeNamed) {
  EXPECT_THROW(PgAttachmentStore(world_.Pool(), ""), kernel::ConfigError);
}

}  // namespace
}  // namespace daiban::cases

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::cases::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Pg, AttachmentStoreContract, PgAttachmentWorld);
}  // namespace daiban::cases::testing
