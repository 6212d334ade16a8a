#pragma once

#include <cstddef>
#include <string>

#include "daiban/accounts/auth.hpp"
#include "daiban/cases/attachment_service.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/config.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/tracking/app/delivery_service.hpp"

namespace daiban::mobile {

// DAIBAN_ATTACHMENT_MAX_BYTES: the largest photo accepted, 1 KiB..50 MiB, default 5 MiB.
// The photo route is the largest body of the service, so the server's request-size limit
// follows it (kernel::Router::LargestBodyLimit).
std::size_t MaxAttachmentBytes(const kernel::Env& env);

// DAIBAN_ATTACHMENT_DIR: the folder photos are kept in. It has no default here because a
// wrong guess would scatter personal data: the local scripts set it to
// $DAIBAN_STATE_DIR/attachments. Throws kernel::ConfigError when unset or empty.
std::string AttachmentFolder(const kernel::Env& env);

// Case photos under /mobile/v1/ (all routes scope-checked through the cases library: a case the
// caller may not see answers 404, as an unknown one would):
//   POST /mobile/v1/cases/:tracking/attachments       — staff with a bearer token (agent,
//       supervisor, admin, window; courier 403). Body: the raw JPEG or PNG with its
//       Content-Type. Headers: Idempotency-Key (required, 1..128 characters, scoped per user;
//       a retry gets the first answer, another body under the key 409), X-Device-Time
//       (RFC 3339, optional), X-Note (percent-encoded UTF-8, optional, ≤ 500 characters).
//       201 {id, sha256, content_type, width, height, size_bytes, uploaded_at, device_time,
//       note, uploaded_by}. Body limit `max_bytes` (413).
//   GET /mobile/v1/cases/:tracking/attachments        — the same staff: {attachments: [...]}.
//   GET /mobile/v1/cases/:tracking/attachments/:id    — the photo's bytes with its type, for
//       staff in scope (bearer) or the applicant (?code=ACCESS_CODE); a photo of another case
//       is 404.
void AddAttachmentRoutes(kernel::Router& router, cases::CaseService& cases,
                         cases::AttachmentService& photos, accounts::AuthService& auth,
                         std::size_t max_bytes);

// A courier's proof photo: POST /mobile/v1/deliveries/:id/photos — the courier of the delivery
// only (another's or an unknown one 404, other roles 403); the same body, headers, limits and
// answer as a case photo, with "delivery_id". The delivered action's photo_sha256 must name
// such a photo of the same delivery.
void AddDeliveryPhotoRoute(kernel::Router& router, tracking::DeliveryService& deliveries,
                           cases::AttachmentService& photos, accounts::AuthService& auth,
                           std::size_t max_bytes);

}  // namespace daiban::mobile
