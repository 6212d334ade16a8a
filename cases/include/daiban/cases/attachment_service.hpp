#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/cases/attachment_store.hpp"
#include "daiban/cases/case_model.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/idempotency.hpp"

// The photos of cases (README, "The phone API"): staff who may see a case add photos to it, a
// courier adds the proof photo of its delivery, and staff in scope or the applicant read them.
namespace daiban::cases {

// A photo as the phone sent it, its headers read but the bytes not yet judged.
struct PhotoUpload {
  std::string_view bytes;  // not owned: the request's body
  std::string content_type;
  std::optional<Moment> device_time;
  std::string note;
};

// A stored photo and its bytes.
struct StoredPhoto {
  Attachment attachment;
  std::string bytes;
};

class AttachmentService {
 public:
  // `max_bytes`: the largest photo accepted (DAIBAN_ATTACHMENT_MAX_BYTES).
  AttachmentService(AttachmentStore& store, const kernel::Clock& clock, std::size_t max_bytes)
      : store_(store), clock_(clock), max_bytes_(max_bytes) {}

  using Render = std::function<std::string(const Attachment&)>;
  // Adds a photo once per Idempotency-Key: the answer (201, `render` of the row) is kept with
  // the row, so a retry gets it again (replayed) and another photo under the key is 409.
  // `case_of` names the case and checks the caller may add to it (404 otherwise); it runs only
  // when the key has no answer yet. `delivery_id` binds a courier's proof photo to its leg
  // (0: none). The bytes are judged by InspectImage (400, 413, 415, 422).
  kernel::KeyedAnswer Add(const Actor& by, const PhotoUpload& upload,
                          const std::function<std::int64_t()>& case_of, std::int64_t delivery_id,
                          const kernel::IdempotentAnswer& key, const Render& render);

  // The photos of a case the caller has read (so may see), oldest first.
  std::vector<Attachment> List(const Case& c);

  // One photo of `c`; 404 when the id names none of its photos, 503 when the row is there but
  // its file is not (the photo folder is missing or damaged).
  StoredPhoto Read(const Case& c, std::int64_t attachment_id);

 private:
  AttachmentStore& store_;
  const kernel::Clock& clock_;
  std::size_t max_bytes_;
};

}  // namespace daiban::cases
