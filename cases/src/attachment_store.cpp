#include "daiban/cases/attachment_store.hpp"

#include <utility>

#include "daiban/kernel/digest.hpp"

namespace daiban::cases {

Attachment NewAttachment(std::int64_t case_id, std::string_view bytes, const ImageInfo& image,
                         std::int64_t uploaded_by, kernel::Instant now,
                         std::optional<std::chrono::sys_seconds> device_time, std::string note,
                         std::int64_t delivery_id) {
  Attachment a;
  a.case_id = case_id;
  a.sha256 = kernel::Sha256Hex(bytes);
  a.content_type = image.content_type;
  a.size_bytes = static_cast<std::int64_t>(bytes.size());
  a.width = image.width;
  a.height = image.height;
  a.uploaded_by = uploaded_by;
  a.uploaded_at = std::chrono::floor<std::chrono::seconds>(now);
  a.device_time = device_time;
  a.note = std::move(note);
  a.delivery_id = delivery_id;
  return a;
}

}  // namespace daiban::cases
