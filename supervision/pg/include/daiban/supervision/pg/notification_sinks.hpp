#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/log.hpp"
#include "daiban/supervision/notifications.hpp"

namespace daiban::supervision {

// Channel "log": one JSON log line per notification, with the masked recipient only. Stands in
// for a real gateway on a development machine.
class LogSink final : public NotificationSink {
 public:
  explicit LogSink(const kernel::Logger& logger) : logger_(logger) {}
  std::string Channel() const override { return "log"; }
  void Deliver(const Notification& notification) override;

 private:
  const kernel::Logger& logger_;
};

// Channel "webhook": POSTs the notification as JSON to a receiver that renders and sends it
// (an SMS or mail gateway of the operator's choice):
//   {"id", "case_id", "template", "recipient", "data", "attempt"}
// with "X-Daiban-Timestamp: <Unix seconds>", "X-Daiban-Signature: sha256=<WebhookSignature(
// secret, timestamp, body)>" (the HMAC covers "<timestamp>.<body>", so a captured request cannot
// be replayed later: receivers refuse a timestamp more than 5 minutes from their clock, see
// WebhookSignatureValid) and "X-Daiban-Delivery: <id>" (stable across retries, for
// deduplication). A 2xx answer is success; any other status, a transport error or a timeout
// throws. Redirects are not followed.
class WebhookSink final : public NotificationSink {
 public:
  // Throws kernel::ConfigError when the URL or the secret is empty: an unsigned (empty-key)
  // notification must never leave, whoever builds the sink.
  WebhookSink(std::string url, std::string secret, const kernel::Clock& clock,
              std::chrono::milliseconds timeout,
              std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(3000));
  std::string Channel() const override { return "webhook"; }
  void Deliver(const Notification& notification) override;

  // The exact body Deliver sends, for receivers' tests.
  static std::string Body(const Notification& notification);

 private:
  std::string url_;
  std::string secret_;
  const kernel::Clock& clock_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds connect_timeout_;
};

// Hex HMAC-SHA256 of `body` keyed with `secret` (any length, as RFC 2104). The webhook signs
// "<timestamp>.<body>" with it (WebhookSignature).
std::string HmacSha256Hex(std::string_view secret, std::string_view body);

// The signature of one webhook request: lowercase hex HMAC-SHA256 of "<timestamp>.<body>".
std::string WebhookSignature(std::string_view secret, std::int64_t timestamp,
                             std::string_view body);

// The receiver's check, as the README describes it: the timestamp is a decimal number of Unix
// seconds within `tolerance` of `now`, and the signature header is "sha256=" followed by
// WebhookSignature of that timestamp and the raw body (compared in constant time).
bool WebhookSignatureValid(std::string_view secret, std::string_view timestamp_header,
                           std::string_view signature_header, std::string_view body,
                           kernel::Instant now,
                           std::chrono::seconds tolerance = std::chrono::minutes(5));

}  // namespace daiban::supervision
