#pragma once

// AttachmentStore's contract as one typed suite: the in-memory store runs it in the unit tests
// (attachment_store_test.cpp) and PgAttachmentStore against PostgreSQL and a scratch folder in
// the integration tests (attachment_store_pgtest.cpp), so the fake cannot drift from the real
// store. A world type gives the suite its store, cases and uploaders:
//
//   struct World {
//     AttachmentStore& Store();
//     std::int64_t NewCase();      // a case's id
//     std::int64_t NewUploader();  // a staff account's id
//   };
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "daiban/cases/attachment_store.hpp"
#include "daiban/cases/attachments.hpp"
#include "daiban/cases/testing/photos.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/idempotency.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::cases::testing {

template <typename World>
class AttachmentStoreContract : public ::testing::Test {
 protected:
  // 2026-12-01 (a Tuesday) 10:00 China Standard Time.
  static constexpr kernel::Instant kNow{std::chrono::seconds(1796090400)};

  AttachmentStore& Store() { return world_.Store(); }

  World world_;
};

TYPED_TEST_SUITE_P(AttachmentStoreContract);

TYPED_TEST_P(AttachmentStoreContract, SavedPhotosAreListedFoundAndRead) {
  const auto case_id = this->world_.NewCase();
  const auto agent = this->world_.NewUploader();
  const std::string photo = Jpeg(640, 480, "door");
  const auto image = InspectImage(photo, "image/jpeg");
  const auto device_time = kernel::Moment(std::chrono::seconds(1796090000));
  const auto first = this->Store().Save({.case_id = case_id,
                                         .bytes = photo,
                                         .image = image,
                                         .uploaded_by = agent,
                                         .received_at = this->kNow,
                                         .device_time = device_time,
                                         .note = "门牌照片"},
                                        std::nullopt);
  const auto later = this->kNow + std::chrono::minutes(1);
  const auto second = this->Store().Save({.case_id = case_id,
                                          .bytes = photo,
                                          .image = image,
                                          .uploaded_by = agent,
                                          .received_at = later},
                                         std::nullopt);

  EXPECT_EQ(first.sha256, kernel::Sha256Hex(photo));
  EXPECT_EQ(first.sha256, second.sha256);
  EXPECT_NE(first.id, second.id);

  auto listed = this->Store().List(case_id);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, first.id);
  EXPECT_EQ(listed[1].id, second.id);
  EXPECT_EQ(listed[0].note, "门牌照片");
  EXPECT_EQ(listed[0].device_time, device_time);
  EXPECT_FALSE(listed[1].device_time.has_value());
  EXPECT_EQ(listed[0].uploaded_at, std::chrono::floor<std::chrono::seconds>(this->kNow));
  EXPECT_EQ(listed[0].width, 640);
  EXPECT_EQ(listed[0].height, 480);
  EXPECT_EQ(listed[0].size_bytes, static_cast<std::int64_t>(photo.size()));
  EXPECT_EQ(listed[0].content_type, "image/jpeg");
  EXPECT_EQ(listed[0].uploaded_by, agent);

  auto found = this->Store().Find(second.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->case_id, case_id);
  EXPECT_EQ(found->uploaded_at, second.uploaded_at);
  EXPECT_FALSE(this->Store().Find(second.id + 1000).has_value());
  EXPECT_EQ(this->Store().Read(first.sha256), photo);
  EXPECT_FALSE(this->Store().Read(kernel::Sha256Hex("never stored")).has_value());
  EXPECT_FALSE(this->Store().Read("../../etc/passwd").has_value());
  EXPECT_TRUE(this->Store().List(case_id + 1000).empty());
}

TYPED_TEST_P(AttachmentStoreContract, AnIdempotencyKeyKeepsOneRowAndTheFirstAnswer) {
  const auto case_id = this->world_.NewCase();
  const auto agent = this->world_.NewUploader();
  const std::string photo = Png(8, 8);
  const auto image = InspectImage(photo, "image/png");
  const AttachmentAnswer answer{
      "user:" + std::to_string(agent), "key-1", "hash-1",
      [](const Attachment& a) { return "{\"id\":" + std::to_string(a.id) + "}"; }};
  const NewPhoto sent{.case_id = case_id,
                      .bytes = photo,
                      .image = image,
                      .uploaded_by = agent,
                      .received_at = this->kNow};
  const auto saved = this->Store().Save(sent, answer);
  EXPECT_THROW(this->Store().Save(sent, answer), kernel::IdempotencyKeyTaken);
  EXPECT_EQ(this->Store().List(case_id).size(), 1u) << "the duplicate is not saved";
  auto kept = kernel::SameRequest(this->world_.Store().FindAnswer(answer.scope, "key-1"), "hash-1");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->status, 201);
  EXPECT_EQ(kernel::Json::parse(kept->body).at("id"), saved.id);
}

REGISTER_TYPED_TEST_SUITE_P(AttachmentStoreContract, SavedPhotosAreListedFoundAndRead,
                            AnIdempotencyKeyKeepsOneRowAndTheFirstAnswer);

}  // namespace daiban::cases::testing
