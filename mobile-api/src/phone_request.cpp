#include "daiban/mobile/phone_request.hpp"

#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::mobile {

std::optional<cases::Moment> DeviceTime(const kernel::HttpRequest& request) {
  auto header = request.Header("x-device-time");
  if (!header) return std::nullopt;
  return kernel::ParseTimeField(*header, "X-Device-Time");
}

std::string RequireIdempotencyKey(const kernel::HttpRequest& request) {
  return kernel::ParseIdempotencyKey(request.Header("idempotency-key"));
}

}  // namespace daiban::mobile
