#include "daiban/cases/attachment_store.hpp"

#include "daiban/kernel/digest.hpp"

namespace daiban::cases {

Attachment NewAttachment(const NewPhoto& photo) {
  Attachment a;
  a.case_id = photo.case_id;
  a.sha256 = kernel::Sha256Hex(photo.bytes);
  a.content_type = photo.image.content_type;
  a.size_bytes = static_cast<std::int64_t>(photo.bytes.size());
  a.width = photo.image.width;
  a.height = photo.image.height;
  a.uploaded_by = photo.uploaded_by;
  a.uploaded_at = std::chrono::floor<std::chrono::seconds>(photo.received_at);
  a.device_time = photo.device_time;
  a.note = photo.note;
  a.delivery_id = photo.delivery_id;
  return a;
}

}  // namespace daiban::cases
