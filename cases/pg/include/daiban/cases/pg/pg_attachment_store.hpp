#pragma once

#include <filesystem>
#include <string>

#include "daiban/cases/attachment_store.hpp"

namespace daiban::db {
class PgPool;
}  // namespace daiban::db

namespace daiban::cases {

// Files under `folder`/<first two hex digits>/<sha256>, each created atomically (a temporary
// file in the same folder, fsync, rename), so a reader never sees half a photo; rows in
// `attachments`. The folder is DAIBAN_ATTACHMENT_DIR (mobile::AttachmentFolder); it is created
// when missing. File-system failures surface as kernel::DependencyUnavailable (503).
class PgAttachmentStore final : public AttachmentStore {
 public:
  // Throws kernel::ConfigError when `folder` is empty or cannot be created.
  PgAttachmentStore(db::PgPool& pool, std::string folder);

  Attachment Save(std::int64_t case_id, std::string_view bytes, const ImageInfo& image,
                  std::int64_t uploaded_by, kernel::Instant now,
                  std::optional<std::chrono::sys_seconds> device_time, const std::string& note,
                  const std::optional<AttachmentAnswer>& answer,
                  std::int64_t delivery_id = 0) override;
  std::vector<Attachment> List(std::int64_t case_id) override;
  std::optional<Attachment> Find(std::int64_t attachment_id) override;
  std::optional<std::string> Read(const std::string& sha256) override;

  // Where the photo with this hash lives (whether or not it exists).
  std::filesystem::path PathOf(const std::string& sha256) const;

 private:
  void WriteOnce(const std::string& sha256, std::string_view bytes) const;

  db::PgPool& pool_;
  std::filesystem::path folder_;
};

}  // namespace daiban::cases
