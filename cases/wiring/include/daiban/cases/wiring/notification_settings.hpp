#pragma once

#include <chrono>
#include <string>

#include "daiban/kernel/config.hpp"

namespace daiban::cases {

// Every DAIBAN_NOTIFY_* setting, read and checked together: a combination that cannot deliver
// a notice (the webhook channel without a URL or a secret, a URL that is not http(s), webhook
// settings while notices go to the log) stops intake at start with kernel::ConfigError naming
// the variable, instead of running and then giving up every notice.
struct NotificationSettings {
  std::string channel = "log";  // log / webhook
  std::string webhook_url;
  std::string webhook_secret;
  std::chrono::milliseconds webhook_timeout{5000};
  std::chrono::milliseconds interval{2000};
};

NotificationSettings LoadNotificationSettings(const kernel::Env& env);

}  // namespace daiban::cases
