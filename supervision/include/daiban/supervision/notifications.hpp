#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/log.hpp"

namespace daiban::supervision {

// What an applicant should hear about, as a use case writes it in the transaction of the
// change it reports (see EnqueueNotification in pg_notification_store.hpp).
struct NotificationDraft {
  // The case it is about; none for a notification that concerns no case.
  std::optional<std::int64_t> case_id;
  std::string channel;           // the sink that delivers it: "log", "webhook", later "sms"
  std::string recipient;         // in full (a phone number): only the sink sees it
  std::string recipient_masked;  // what logs and views show
  std::string template_name;     // e.g. "case_accepted"; the receiver renders the text
  // Template values. Sent to the webhook and logged by the log sink as they are: no personal
  // data in full here.
  nlohmann::json data = nlohmann::json::object();
};

// A stored notification, as the sender claims it.
struct Notification {
  std::int64_t id = 0;
  std::optional<std::int64_t> case_id;
  std::string channel;
  std::string recipient;
  std::string recipient_masked;
  std::string template_name;
  nlohmann::json data = nlohmann::json::object();
  int attempts = 0;  // deliveries tried before this one
  kernel::Instant created_at{};
};

// The notifications waiting to be delivered. Implementations: PgNotificationStore.
class NotificationStore {
 public:
  virtual ~NotificationStore() = default;
  // Pending notifications due at `now`, oldest first, at most `limit`. Claimed rows are hidden
  // from other claims for a while (a lease), so two senders never deliver the same row at once,
  // and a row claimed by a sender that died is delivered again when the lease ends.
  virtual std::vector<Notification> ClaimDue(kernel::Instant now, int limit) = 0;
  virtual void MarkSent(std::int64_t id, kernel::Instant now) = 0;
  // Delivery failed; `attempts` counts this one. Retried at `next_attempt_at`.
  virtual void MarkFailed(std::int64_t id, int attempts, const std::string& error,
                          kernel::Instant next_attempt_at) = 0;
  // No more attempts.
  virtual void MarkGivenUp(std::int64_t id, int attempts, const std::string& error) = 0;
};

// Delivers notifications of one channel. A new channel (an SMS gateway) is one new sink.
class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  virtual std::string Channel() const = 0;
  // Throws (anything derived from std::exception) when the notification was not delivered;
  // the message is stored and logged, so it must not contain the recipient.
  virtual void Deliver(const Notification& notification) = 0;
};

// Delivers due notifications through their channel's sink, retrying failures with exponential
// backoff and giving up after a limit. Delivery is at least once: a sender that dies between
// delivering and recording it delivers again later, so receivers deduplicate on the id.
// Run periodically by one process at a time (runtime::ElectedWorker).
class NotificationSender {
 public:
  struct Options {
    int batch = 50;
    int max_attempts = 6;
    std::chrono::seconds base_backoff{30};
    std::chrono::seconds max_backoff{3600};
  };

  NotificationSender(NotificationStore& store, std::vector<std::unique_ptr<NotificationSink>> sinks,
                     const kernel::Clock& clock, const kernel::Logger& logger, Options options);
  NotificationSender(NotificationStore& store, std::vector<std::unique_ptr<NotificationSink>> sinks,
                     const kernel::Clock& clock, const kernel::Logger& logger)
      : NotificationSender(store, std::move(sinks), clock, logger, Options{}) {}

  // Claims the due notifications and delivers each: marked sent; or failed with the next
  // attempt after Backoff(attempts); or given up after max_attempts, or at once when no sink
  // serves its channel. Returns how many it handled. Store failures propagate
  // (kernel::DependencyUnavailable); what was claimed and not recorded is retried later.
  int RunOnce();

  // The wait after the n-th failed attempt: min(max_backoff, base_backoff × 2^(n-1)).
  std::chrono::seconds Backoff(int attempts) const;

 private:
  NotificationStore& store_;
  std::map<std::string, std::unique_ptr<NotificationSink>> sinks_;
  const kernel::Clock& clock_;
  const kernel::Logger& logger_;
  Options options_;
};

}  // namespace daiban::supervision
