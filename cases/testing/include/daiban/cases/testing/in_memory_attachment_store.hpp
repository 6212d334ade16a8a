#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daiban/cases/attachment_store.hpp"
#include "daiban/kernel/idempotency.hpp"

namespace daiban::cases::testing {

// Case photos in memory, for unit tests (no database, no files). It keeps AttachmentStore's
// contract as PgAttachmentStore does (attachment_store_contract.hpp): the bytes once per
// content, rows listed oldest first, a kept answer per (scope, key) and a taken key refused with
// nothing saved. PgAttachmentStore keeps the answers in PostgreSQL's idempotency_keys, beside the
// cases' own; this store keeps them itself.
class InMemoryAttachmentStore final : public AttachmentStore {
 public:
  Attachment Save(const NewPhoto& photo, const std::optional<AttachmentAnswer>& answer) override;
  std::vector<Attachment> List(std::int64_t case_id) override;
  std::optional<Attachment> Find(std::int64_t attachment_id) override;
  std::optional<std::string> Read(const std::string& sha256) override;
  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override;

  std::size_t Files() const;  // distinct contents stored

 private:
  mutable std::mutex mutex_;
  std::vector<Attachment> rows_;              // in id order
  std::map<std::string, std::string> files_;  // bytes by hash
  std::map<std::pair<std::string, std::string>, kernel::IdempotentAnswer> answers_;
};

}  // namespace daiban::cases::testing
