#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/cases/attachments.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/idempotency.hpp"

namespace daiban::cases {

// One photo of a case: a row of `attachments` (migration 0006) naming a file by its hash.
struct Attachment {
  std::int64_t id = 0;
  std::int64_t case_id = 0;
  std::string sha256;  // lowercase hex of the bytes; also the file's name
  std::string content_type;
  std::int64_t size_bytes = 0;
  int width = 0;
  int height = 0;
  std::int64_t uploaded_by = 0;  // a staff account
  std::int64_t delivery_id = 0;  // a courier's proof photo: its delivery leg (0: none)
  kernel::Moment uploaded_at{};
  std::optional<kernel::Moment> device_time;  // the phone's clock, as it said
  std::string note;
};

// The first answer to a client's Idempotency-Key, written in the transaction of the row it
// answers so that a retry finds both or neither (DESIGN.md, APIs).
struct AttachmentAnswer {
  std::string scope;  // "user:<id>": keys are scoped per user
  std::string key;
  std::string request_hash;
  std::function<std::string(const Attachment&)> render;  // the 201 body
};

// A photo as it arrives, before it is stored: its bytes (not owned: they live as long as the
// request that carried them), what InspectImage read of them, who sent it and when.
struct NewPhoto {
  std::int64_t case_id = 0;
  std::string_view bytes;
  ImageInfo image;
  std::int64_t uploaded_by = 0;  // a staff account
  kernel::Instant received_at{};
  std::optional<kernel::Moment> device_time;  // the phone's clock, as it said
  std::string note;
  std::int64_t delivery_id = 0;  // a courier's proof photo: its delivery leg (0: none)
};

// The row Save adds, before it has its id: the photo's hash (kernel::Sha256Hex of the bytes),
// type and size as its image reads them, the upload's time to the second.
Attachment NewAttachment(const NewPhoto& photo);

// Storage of case photos: the bytes in files addressed by content, the metadata in
// PostgreSQL. Implementations: PgAttachmentStore (cases/pg), InMemoryAttachmentStore
// (cases/testing).
class AttachmentStore {
 public:
  virtual ~AttachmentStore() = default;
  // Stores the bytes (once per content: the same photo sent twice is one file) and adds a
  // row. With `answer`, keeps it too; throws kernel::IdempotencyKeyTaken when its key was taken
  // meanwhile (the caller replays the first answer then). The file is written before the row,
  // so a row never names a missing file.
  virtual Attachment Save(const NewPhoto& photo, const std::optional<AttachmentAnswer>& answer) = 0;
  // The case's photos, oldest first.
  virtual std::vector<Attachment> List(std::int64_t case_id) = 0;
  virtual std::optional<Attachment> Find(std::int64_t attachment_id) = 0;
  // The bytes of a stored photo; nullopt when no file has this hash (or it is not a hash).
  virtual std::optional<std::string> Read(const std::string& sha256) = 0;
  // The answer Save kept under (scope, key), if any.
  virtual std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                             const std::string& key) = 0;
};

}  // namespace daiban::cases
