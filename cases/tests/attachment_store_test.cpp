// The in-memory photo store: AttachmentStore's contract (attachment_store_contract.hpp, the same
// suite PgAttachmentStore runs against PostgreSQL in attachment_store_pgtest.cpp), and what only
// the fake shows: the same photo twice is one stored content.
#include <gtest/gtest.h>

#include "daiban/cases/testing/attachment_store_contract.hpp"
#include "daiban/cases/testing/in_memory_attachment_store.hpp"
#include "daiban/cases/testing/photos.hpp"

namespace daiban::cases {
namespace {

TEST(InMemoryAttachmentStoreTest, TheSamePhotoTwiceIsOneContent) {
  testing::InMemoryAttachmentStore store;
  const std::string photo = testing::Jpeg(64, 48, "receipt");
  const auto image = InspectImage(photo, "image/jpeg");
  const kernel::Instant now{std::chrono::seconds(1796090400)};
  store.Save({.case_id = 1, .bytes = photo, .image = image, .uploaded_by = 7, .received_at = now},
             std::nullopt);
  store.Save({.case_id = 2, .bytes = photo, .image = image, .uploaded_by = 7, .received_at = now},
             std::nullopt);
  EXPECT_EQ(store.Files(), 1u);
  EXPECT_EQ(store.List(1).size(), 1u);
  EXPECT_EQ(store.List(2).size(), 1u);
}

// AttachmentStore's contract over the in-memory store: cases and uploaders are numbers.
struct InMemoryAttachmentWorld {
  AttachmentStore& Store() { return store; }
  std::int64_t NewCase() { return ++last_case; }
  std::int64_t NewUploader() { return ++last_user; }

  testing::InMemoryAttachmentStore store;
  std::int64_t last_case = 0;
  std::int64_t last_user = 0;
};

}  // namespace
}  // namespace daiban::cases

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::cases::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, AttachmentStoreContract, InMemoryAttachmentWorld);
}  // namespace daiban::cases::testing
