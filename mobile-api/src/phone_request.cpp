#include "daiban/mobile/phone_request.hpp"

#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::mobile {

std::optional<cases::Moment> DeviceTime(const kernel::HttpRequest& request) {
  auto header = request.Header("x-device-time");
  if (!header) return std::nullopt;
  auto at = cases::ParseRfc3339(*header);
  if (!at) throw kernel::BadRequest("X-Device-Time must be RFC 3339 with offset", "X-Device-Time");
  return *at;
}

std::string RequireIdempotencyKey(const kernel::HttpRequest& request) {
  auto key = request.Header("idempotency-key");
  if (!key || key->empty() || key->size() > 128) {
    throw kernel::BadRequest("an Idempotency-Key header (1..128 characters) is required",
                             "Idempotency-Key");
  }
  return *key;
}

}  // namespace daiban::mobile
