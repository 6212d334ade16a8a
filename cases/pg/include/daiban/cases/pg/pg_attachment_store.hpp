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

  Attachment Save(const NewPhoto& photo, const std::optional<AttachmentAnswer>& answer) override;
  std::vector<Attachment> List(std::int64_t case_id) override;
  std::optional<Attachment> Find(std::int64_t attachment_id) override;
  std::optional<std::string> Read(const std::string& sha256) override;
  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override;

  // Where the photo with this hash lives (whether or not it exists).
  std::filesystem::path PathOf(const std::string& sha256) const;

 private:
  void WriteOnce(const std::string& sha256, std::string_view bytes) const;

  db::PgPool& pool_;
  std::filesystem::path folder_;
};

}  // namespace daiban::cases
