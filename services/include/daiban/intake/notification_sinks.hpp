#pragma once

#include <chrono>
#include <string>

#include "daiban/intake/notifications.hpp"
#include "daiban/kernel/log.hpp"

namespace daiban::intake {

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
// with "X-Daiban-Signature: sha256=<HmacSha256Hex(secret, body)>" and "X-Daiban-Delivery: <id>"
// (stable across retries, for deduplication). A 2xx answer is success; any other status, a
// transport error or a timeout throws. Redirects are not followed.
class WebhookSink final : public NotificationSink {
 public:
  WebhookSink(std::string url, std::string secret, std::chrono::milliseconds timeout,
              std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(3000));
  std::string Channel() const override { return "webhook"; }
  void Deliver(const Notification& notification) override;

  // The exact body Deliver sends, for receivers' tests.
  static std::string Body(const Notification& notification);

 private:
  std::string url_;
  std::string secret_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds connect_timeout_;
};

}  // namespace daiban::intake
