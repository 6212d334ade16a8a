#include "daiban/cases/testing/in_memory_attachment_store.hpp"

namespace daiban::cases::testing {

Attachment InMemoryAttachmentStore::Save(const NewPhoto& photo,
                                         const std::optional<AttachmentAnswer>& answer) {
  Attachment a = NewAttachment(photo);
  std::lock_guard lock(mutex_);
  files_[a.sha256] = std::string(photo.bytes);
  if (answer && answers_.count({answer->scope, answer->key}) > 0) {
    throw kernel::IdempotencyKeyTaken();
  }
  a.id = static_cast<std::int64_t>(rows_.size()) + 1;
  rows_.push_back(a);
  if (answer) {
    answers_[{answer->scope, answer->key}] = {answer->scope, answer->key, answer->request_hash, 201,
                                              answer->render(a)};
  }
  return a;
}

std::vector<Attachment> InMemoryAttachmentStore::List(std::int64_t case_id) {
  std::lock_guard lock(mutex_);
  std::vector<Attachment> out;
  for (const auto& a : rows_) {
    if (a.case_id == case_id) out.push_back(a);
  }
  return out;
}

std::optional<Attachment> InMemoryAttachmentStore::Find(std::int64_t attachment_id) {
  std::lock_guard lock(mutex_);
  if (attachment_id < 1 || attachment_id > static_cast<std::int64_t>(rows_.size())) {
    return std::nullopt;
  }
  return rows_[static_cast<std::size_t>(attachment_id - 1)];
}

std::optional<std::string> InMemoryAttachmentStore::Read(const std::string& sha256) {
  std::lock_guard lock(mutex_);
  auto file = files_.find(sha256);
  if (file == files_.end()) return std::nullopt;
  return file->second;
}

std::optional<kernel::IdempotentAnswer> InMemoryAttachmentStore::FindAnswer(
    const std::string& scope, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto kept = answers_.find({scope, key});
  if (kept == answers_.end()) return std::nullopt;
  return kept->second;
}

std::size_t InMemoryAttachmentStore::Files() const {
  std::lock_guard lock(mutex_);
  return files_.size();
}

}  // namespace daiban::cases::testing
