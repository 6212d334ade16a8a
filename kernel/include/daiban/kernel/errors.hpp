#pragma once

#include <stdexcept>
#include <string>

namespace daiban::kernel {

// The one error family every layer throws and the HTTP edge maps to the error JSON of
// DESIGN.md. `code` is a stable machine word (snake_case); `message` is safe to show a
// client (never SQL, library text or personal data); `field` names the offending input.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string message, std::string field = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        message_(std::move(message)),
        field_(std::move(field)) {}

  int Status() const { return status_; }
  const std::string& Code() const { return code_; }
  const std::string& Message() const { return message_; }
  const std::string& Field() const { return field_; }

 private:
  int status_;
  std::string code_;
  std::string message_;
  std::string field_;
};

// Factories name the HTTP meaning once, so callers say what went wrong, not which status.
inline ApiError BadRequest(std::string message, std::string field = {}) {
  return ApiError(400, "bad_request", std::move(message), std::move(field));
}
inline ApiError Unauthorized(std::string message = "authentication required") {
  return ApiError(401, "unauthorized", std::move(message));
}
inline ApiError Forbidden(std::string message = "not allowed") {
  return ApiError(403, "forbidden", std::move(message));
}
inline ApiError NotFound(std::string message = "not found") {
  return ApiError(404, "not_found", std::move(message));
}
inline ApiError Conflict(std::string code, std::string message, std::string field = {}) {
  return ApiError(409, std::move(code), std::move(message), std::move(field));
}
inline ApiError PayloadTooLarge(std::string message = "request body too large") {
  return ApiError(413, "payload_too_large", std::move(message));
}
inline ApiError Invalid(std::string field, std::string message) {
  return ApiError(422, "validation_failed", std::move(message), std::move(field));
}
inline ApiError TooManyRequests(std::string message = "too many requests") {
  return ApiError(429, "rate_limited", std::move(message));
}

// The environment failed (database or Redis down, timed out, pool exhausted): not a bug in
// our code, answered 503 so clients retry later.
class DependencyUnavailable : public ApiError {
 public:
  explicit DependencyUnavailable(std::string dependency, std::string detail = {})
      : ApiError(503, "unavailable", "a backing service is unavailable, retry later"),
        dependency_(std::move(dependency)),
        detail_(std::move(detail)) {}
  const std::string& Dependency() const { return dependency_; }
  // For logs only: may carry library text, never sent to a client.
  const std::string& Detail() const { return detail_; }

 private:
  std::string dependency_;
  std::string detail_;
};

// A bad value in the environment: the process stops at start with this message.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace daiban::kernel
