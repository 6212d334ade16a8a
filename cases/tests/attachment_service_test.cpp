// The photo use cases against the in-memory store (no database, no files): a photo added once
// per key with its answer kept, the checks in their order, and a photo read back only through
// its own case.
#include "daiban/cases/attachment_service.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/testing/in_memory_attachment_store.hpp"
#include "daiban/cases/testing/photos.hpp"
#include "daiban/cases/testing/refusals.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::cases {
namespace {

using testing::CodeOf;

class AttachmentServiceTest : public ::testing::Test {
 protected:
  static Case OfId(std::int64_t id) {
    Case c;
    c.id = id;
    return c;
  }
  kernel::KeyedAnswer Add(const std::string& key, const std::string& request,
                          const PhotoUpload& upload, std::int64_t case_id = 1) {
    return photos.Add(
        agent, upload,
        [&] {
          ++case_reads;
          return case_id;
        },
        0, kernel::KeyOf(kernel::UserKeyScope(agent.user_id), key, request),
        [&](const Attachment& a) {
          ++renders;
          return std::to_string(a.id) + " " + a.sha256.substr(0, 8);
        });
  }

  kernel::ManualClock clock{kernel::Instant{std::chrono::seconds(1796090400)}};
  testing::InMemoryAttachmentStore store;
  AttachmentService photos{store, clock, 64 * 1024};
  const Actor agent{kernel::Role::kAgent, 7, "王代办", "", ""};
  const std::string jpeg = testing::Jpeg(64, 48, "receipt");
  int case_reads = 0;
  int renders = 0;
};

TEST_F(AttachmentServiceTest, APhotoIsAddedOnceAndARetryGetsTheFirstAnswer) {
  const PhotoUpload upload{jpeg, "image/jpeg", std::nullopt, "回执"};
  auto first = Add("photo-1", "case 1 receipt", upload);
  EXPECT_EQ(first.status, 201);
  EXPECT_FALSE(first.replayed);
  auto again = Add("photo-1", "case 1 receipt", upload);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  // The retry neither read the case nor stored a second row.
  EXPECT_EQ(case_reads, 1);
  EXPECT_EQ(renders, 1);  // the kept answer is this request's answer
  ASSERT_EQ(photos.List(OfId(1)).size(), 1u);
  EXPECT_EQ(photos.List(OfId(1))[0].note, "回执");
  EXPECT_EQ(photos.List(OfId(1))[0].uploaded_by, 7);
  // The key with another request is refused; another key is another photo.
  EXPECT_EQ(CodeOf([&] { Add("photo-1", "case 1 another", upload); }), "idempotency_key_reused");
  Add("photo-2", "case 1 receipt", upload);
  EXPECT_EQ(photos.List(OfId(1)).size(), 2u);
}

TEST_F(AttachmentServiceTest, TheCaseIsCheckedBeforeTheBytesAndABadPhotoStoresNothing) {
  // A case the caller may not see: 404 before the bytes are looked at.
  EXPECT_EQ(CodeOf([&] {
              photos.Add(
                  agent, {"not a photo", "image/jpeg", std::nullopt, ""},
                  []() -> std::int64_t { throw kernel::NotFound("no case"); }, 0,
                  kernel::KeyOf("user:7", "k", "r"), [](const Attachment&) { return ""; });
            }),
            "not_found");
  EXPECT_EQ(CodeOf([&] {
              Add("bad-1", "text", {"hello", "image/jpeg", std::nullopt, ""});
            }),
            "unsupported_media_type");
  EXPECT_EQ(CodeOf([&] {
              Add("bad-2", "png as jpeg", {jpeg, "image/png", std::nullopt, ""});
            }),
            "unsupported_media_type");
  EXPECT_EQ(
      CodeOf([&] {
        Add("bad-3", "big", {std::string(64 * 1024 + 1, 'x'), "image/jpeg", std::nullopt, ""});
      }),
      "payload_too_large");
  EXPECT_TRUE(photos.List(OfId(1)).empty());
  EXPECT_FALSE(store.FindAnswer("user:7", "bad-1"));
  // A refused key is free for the photo the phone sends next.
  EXPECT_EQ(Add("bad-1", "text", {jpeg, "image/jpeg", std::nullopt, ""}).status, 201);
}

TEST_F(AttachmentServiceTest, APhotoIsReadOnlyThroughItsOwnCase) {
  Add("photo-1", "case 1", {jpeg, "image/jpeg", std::nullopt, ""}, 1);
  const auto id = photos.List(OfId(1)).at(0).id;
  auto photo = photos.Read(OfId(1), id);
  EXPECT_EQ(photo.bytes, jpeg);
  EXPECT_EQ(photo.attachment.content_type, "image/jpeg");
  EXPECT_EQ(photo.attachment.width, 64);
  EXPECT_EQ(CodeOf([&] { photos.Read(OfId(2), id); }), "not_found");
  EXPECT_EQ(CodeOf([&] { photos.Read(OfId(1), id + 100); }), "not_found");
}

}  // namespace
}  // namespace daiban::cases
