#include "daiban/cases/attachment_service.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::cases {

kernel::KeyedAnswer AttachmentService::Add(const Actor& by, const PhotoUpload& upload,
                                           const std::function<std::int64_t()>& case_of,
                                           std::int64_t delivery_id,
                                           const kernel::IdempotentAnswer& key,
                                           const Render& render) {
  auto find = [this](const kernel::IdempotentAnswer& k) {
    return store_.FindAnswer(k.scope, k.key);
  };
  return kernel::AnswerOnce(key, find, [&]() -> kernel::KeyedAnswer {
    const std::int64_t case_id = case_of();
    const ImageInfo image = InspectImage(upload.bytes, upload.content_type, max_bytes_);
    // The body kept with the row is this request's answer too: rendered once.
    std::string body;
    const AttachmentAnswer kept{key.scope, key.key, key.request_hash,
                                [&](const Attachment& a) { return body = render(a); }};
    const Attachment saved = store_.Save({.case_id = case_id,
                                          .bytes = upload.bytes,
                                          .image = image,
                                          .uploaded_by = by.user_id,
                                          .received_at = clock_.Now(),
                                          .device_time = upload.device_time,
                                          .note = upload.note,
                                          .delivery_id = delivery_id},
                                         kept);
    return {201, body.empty() ? render(saved) : body, false};
  });
}

std::vector<Attachment> AttachmentService::List(const Case& c) { return store_.List(c.id); }

StoredPhoto AttachmentService::Read(const Case& c, std::int64_t attachment_id) {
  auto attachment = store_.Find(attachment_id);
  if (!attachment || attachment->case_id != c.id) throw kernel::NotFound("no such photo");
  auto bytes = store_.Read(attachment->sha256);
  if (!bytes) {
    throw kernel::DependencyUnavailable("attachment files",
                                        "no file for photo " + std::to_string(attachment->id));
  }
  return {*attachment, std::move(*bytes)};
}

}  // namespace daiban::cases
