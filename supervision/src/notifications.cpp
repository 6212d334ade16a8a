#include "daiban/supervision/notifications.hpp"

#include <algorithm>

namespace daiban::supervision {

namespace {

// Fields for the sender's log lines: the masked recipient only, never the real one.
nlohmann::json LogFields(const Notification& notification) {
  return {{"notification_id", notification.id},
          {"case_id", notification.case_id ? nlohmann::json(*notification.case_id) : nullptr},
          {"channel", notification.channel},
          {"template", notification.template_name},
          {"recipient", notification.recipient_masked}};
}

}  // namespace

NotificationSender::NotificationSender(NotificationStore& store,
                                       std::vector<std::unique_ptr<NotificationSink>> sinks,
                                       const kernel::Clock& clock, const kernel::Logger& logger,
                                       Options options)
    : store_(store), clock_(clock), logger_(logger), options_(options) {
  for (auto& sink : sinks) {
    std::string channel = sink->Channel();
    if (!sinks_.emplace(channel, std::move(sink)).second) {
      throw std::logic_error("two notification sinks for channel " + channel);
    }
  }
}

std::chrono::seconds NotificationSender::Backoff(int attempts) const {
  // Doubling step by step rather than shifting: no overflow however many attempts.
  std::chrono::seconds wait = options_.base_backoff;
  for (int n = 1; n < attempts && wait < options_.max_backoff; ++n) wait *= 2;
  return std::min(wait, options_.max_backoff);
}

int NotificationSender::RunOnce() {
  auto due = store_.ClaimDue(clock_.Now(), options_.batch);
  for (const auto& notification : due) {
    auto fields = LogFields(notification);
    auto sink = sinks_.find(notification.channel);
    if (sink == sinks_.end()) {
      // Retrying cannot help: no process of this build can deliver it.
      store_.MarkGivenUp(notification.id, notification.attempts,
                         "no sink for channel " + notification.channel);
      logger_.Error("notification given up: unknown channel", fields);
      continue;
    }
    const int attempt = notification.attempts + 1;
    fields["attempt"] = attempt;
    std::string error;
    try {
      sink->second->Deliver(notification);
    } catch (const std::exception& failure) {
      error = failure.what();
      if (error.empty()) error = "delivery failed";
    } catch (...) {
      error = "delivery failed with an unknown exception";
    }
    if (error.empty()) {
      store_.MarkSent(notification.id, clock_.Now());
      logger_.Info("notification sent", fields);
      continue;
    }
    fields["error"] = error;
    if (attempt >= options_.max_attempts) {
      store_.MarkGivenUp(notification.id, attempt, error);
      logger_.Error("notification given up", fields);
    } else {
      auto next = clock_.Now() + Backoff(attempt);
      store_.MarkFailed(notification.id, attempt, error, next);
      fields["retry_in_s"] = Backoff(attempt).count();
      logger_.Warn("notification delivery failed", fields);
    }
  }
  return static_cast<int>(due.size());
}

}  // namespace daiban::supervision
