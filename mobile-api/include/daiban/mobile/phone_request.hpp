#pragma once

#include <optional>
#include <string>

#include "daiban/cases/case_model.hpp"
#include "daiban/kernel/http.hpp"

// What every write from a phone carries (DESIGN.md §2, APIs).
namespace daiban::mobile {

// The X-Device-Time header (RFC 3339 with offset), if sent; 400 when it is malformed.
std::optional<cases::Moment> DeviceTime(const kernel::HttpRequest& request);

// The Idempotency-Key header (1..128 characters); 400 when missing or too long.
std::string RequireIdempotencyKey(const kernel::HttpRequest& request);

}  // namespace daiban::mobile
