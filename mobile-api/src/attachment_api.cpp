#include "daiban/mobile/attachment_api.hpp"

#include <functional>
#include <system_error>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/text.hpp"
#include "daiban/mobile/phone_request.hpp"

namespace daiban::mobile {

namespace {

using cases::Attachment;
using cases::AttachmentService;
using cases::MediaTypeOf;
using kernel::Sha256Hex;

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

constexpr std::size_t kMinMaxBytes = 1024;
constexpr std::size_t kMaxMaxBytes = 50 * 1024 * 1024;
constexpr std::size_t kMaxNoteCharacters = 500;
// Reads carry no body; the default limit would only invite one.
constexpr kernel::RouteOptions kNoBody{.max_body_bytes = 0, .blocking = true};

Json AttachmentJson(const Attachment& a) {
  return {{"id", a.id},
          {"sha256", a.sha256},
          {"content_type", a.content_type},
          {"width", a.width},
          {"height", a.height},
          {"size_bytes", a.size_bytes},
          {"uploaded_at", cases::FormatRfc3339China(a.uploaded_at)},
          {"device_time",
           a.device_time ? Json(cases::FormatRfc3339China(*a.device_time)) : Json(nullptr)},
          {"note", a.note},
          {"uploaded_by", a.uploaded_by},
          {"delivery_id", a.delivery_id > 0 ? Json(a.delivery_id) : Json(nullptr)}};
}

// Photos are staff work: every staff role that may see a case may add to it and list its
// photos. Couriers handle deliveries, never a case's file.
cases::Actor Staff(accounts::AuthService& auth, const HttpRequest& request) {
  auto principal = auth.Authenticate(request);
  if (principal.role == accounts::Role::kCourier) {
    throw kernel::Forbidden("couriers cannot see the photos of a case");
  }
  return cases::ActorOf(principal);
}

// Header values are ASCII, so the phone percent-encodes the note's UTF-8.
std::string Note(const HttpRequest& request) {
  auto header = request.Header("x-note");
  if (!header) return {};
  auto note = kernel::PercentDecode(*header, false);
  if (!note || !kernel::IsValidUtf8(*note)) {
    throw kernel::BadRequest("X-Note must be percent-encoded UTF-8", "X-Note");
  }
  std::size_t characters = 0;
  for (char c : *note) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
  }
  if (characters > kMaxNoteCharacters) {
    throw kernel::Invalid(
        "X-Note", "a note may have at most " + std::to_string(kMaxNoteCharacters) + " characters");
  }
  return *note;
}

// Ids name photos only within their case; a malformed one names nothing.
std::int64_t AttachmentId(const HttpRequest& request) {
  return kernel::ParsePathId(request.Param("id"), "no such photo");
}

// One photo upload, idempotent per (user, Idempotency-Key): `case_of` checks the caller may
// add to the case (404 otherwise) and names it; `delivery_id` binds a courier's proof photo to
// its leg.
HttpResponse Upload(AttachmentService& photos, const HttpRequest& request,
                    const cases::Actor& actor, const std::string& subject,
                    const std::function<std::int64_t()>& case_of, std::int64_t delivery_id = 0) {
  const std::string key = RequireIdempotencyKey(request);
  const std::string content_type = MediaTypeOf(request.Header("content-type").value_or(""));
  const std::string device_time = request.Header("x-device-time").value_or("");
  const std::string note_header = request.Header("x-note").value_or("");
  const cases::PhotoUpload upload{request.body, content_type, DeviceTime(request), Note(request)};
  // Keys are the user's own. Everything that makes this request this request, so another one
  // under the same key is told apart (409) from a retry (the first answer again).
  const auto keyed = kernel::KeyOf(kernel::UserKeyScope(actor.user_id), key,
                                   subject + "\n" + content_type + "\n" + device_time + "\n" +
                                       note_header + "\n" + Sha256Hex(request.body));
  return HttpResponse::Answer(
      photos.Add(actor, upload, case_of, delivery_id, keyed,
                 [](const Attachment& a) { return kernel::DumpJson(AttachmentJson(a)); }));
}

}  // namespace

std::size_t MaxAttachmentBytes(const kernel::Env& env) {
  return static_cast<std::size_t>(env.Int(
      "DAIBAN_ATTACHMENT_MAX_BYTES", static_cast<std::int64_t>(cases::kDefaultMaxAttachmentBytes),
      kMinMaxBytes, kMaxMaxBytes));
}

std::string AttachmentFolder(const kernel::Env& env) {
  std::string folder = env.String("DAIBAN_ATTACHMENT_DIR", "");
  if (folder.empty()) {
    throw kernel::ConfigError(
        "DAIBAN_ATTACHMENT_DIR must name the folder case photos are kept in "
        "(the local scripts use $DAIBAN_STATE_DIR/attachments)");
  }
  return folder;
}

void AddAttachmentRoutes(kernel::Router& router, cases::CaseService& cases,
                         AttachmentService& photos, accounts::AuthService& auth,
                         std::size_t max_bytes) {
  router.Add(
      "POST", "/mobile/v1/cases/:tracking/attachments",
      [&cases, &photos, &auth](const HttpRequest& request) {
        auto actor = Staff(auth, request);
        const std::string& tracking = request.Param("tracking");
        return Upload(photos, request, actor, tracking, [&] {
          return cases.ReadAsStaff(tracking, actor).id;  // 404 outside the caller's scope
        });
      },
      kernel::RouteOptions{.max_body_bytes = max_bytes, .blocking = true});

  router.Add(
      "GET", "/mobile/v1/cases/:tracking/attachments",
      [&cases, &photos, &auth](const HttpRequest& request) {
        auto c = cases.ReadAsStaff(request.Param("tracking"), Staff(auth, request));
        Json list = Json::array();
        for (const auto& a : photos.List(c)) list.push_back(AttachmentJson(a));
        return HttpResponse::WithJson(200, {{"attachments", std::move(list)}});
      },
      kNoBody);

  router.Add(
      "GET", "/mobile/v1/cases/:tracking/attachments/:id",
      [&cases, &photos, &auth](const HttpRequest& request) {
        const std::string& tracking = request.Param("tracking");
        cases::Case c;
        if (request.Header("authorization")) {
          c = cases.ReadAsStaff(tracking, Staff(auth, request));
        } else {
          auto code = request.Query("code");
          if (!code || code->empty()) {
            throw kernel::BadRequest("a bearer token or the access code is required", "code");
          }
          c = cases.ReadAsApplicant(tracking, *code, request.client_ip);
        }
        auto photo = photos.Read(c, AttachmentId(request));
        auto response =
            HttpResponse::Text(200, std::move(photo.bytes), photo.attachment.content_type);
        // Uploaded bytes are served as what they were checked to be, never sniffed as
        // something else; a shared cache must not keep a photo fetched with an access code.
        response.headers.emplace_back("X-Content-Type-Options", "nosniff");
        response.headers.emplace_back("Cache-Control", "private, max-age=3600");
        return response;
      },
      kNoBody);
}

void AddDeliveryPhotoRoute(kernel::Router& router, tracking::DeliveryService& deliveries,
                           AttachmentService& photos, accounts::AuthService& auth,
                           std::size_t max_bytes) {
  router.Add(
      "POST", "/mobile/v1/deliveries/:id/photos",
      [&deliveries, &photos, &auth](const HttpRequest& request) {
        auto courier = cases::ActorOf(auth.Authenticate(request));
        if (courier.role != kernel::Role::kCourier) {
          throw kernel::Forbidden("proof photos of a delivery are the courier's");
        }
        const std::int64_t delivery_id =
            kernel::ParsePathId(request.Param("id"), "no such delivery");
        return Upload(
            photos, request, courier, "delivery:" + std::to_string(delivery_id),
            [&] { return deliveries.OwnDelivery(courier, delivery_id).case_id; }, delivery_id);
      },
      kernel::RouteOptions{.max_body_bytes = max_bytes, .blocking = true});
}

}  // namespace daiban::mobile
