#include "daiban/cases/wiring/notification_settings.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::cases {

namespace {

// An absolute http(s) URL with a host; libcurl would take much else (files, other schemes).
bool IsHttpUrl(const std::string& url) {
  for (const std::string scheme : {"http://", "https://"}) {
    if (url.rfind(scheme, 0) == 0) {
      auto host = url.substr(scheme.size());
      return !host.empty() && host[0] != '/' && host[0] != ':' &&
             host.find_first_of(" \t\r\n") == std::string::npos;
    }
  }
  return false;
}

}  // namespace

NotificationSettings LoadNotificationSettings(const kernel::Env& env) {
  NotificationSettings settings;
  settings.channel = env.OneOf("DAIBAN_NOTIFY_CHANNEL", "log", {"log", "webhook"});
  settings.webhook_url = env.String("DAIBAN_NOTIFY_WEBHOOK_URL", "");
  settings.webhook_secret = env.String("DAIBAN_NOTIFY_WEBHOOK_SECRET", "");
  settings.webhook_timeout = env.Millis("DAIBAN_NOTIFY_WEBHOOK_TIMEOUT_MS", 5000, 100, 60000);
  settings.interval = env.Millis("DAIBAN_NOTIFY_INTERVAL_MS", 2000, 100, 600000);
  if (settings.channel == "webhook") {
    if (settings.webhook_url.empty()) {
      throw kernel::ConfigError(
          "DAIBAN_NOTIFY_WEBHOOK_URL is required when DAIBAN_NOTIFY_CHANNEL=webhook");
    }
    if (!IsHttpUrl(settings.webhook_url)) {
      throw kernel::ConfigError("DAIBAN_NOTIFY_WEBHOOK_URL='" + settings.webhook_url +
                                "' is invalid: expected an http:// or https:// URL");
    }
    // Receivers trust a notice by its signature; one made with an empty key proves nothing.
    if (settings.webhook_secret.empty()) {
      throw kernel::ConfigError(
          "DAIBAN_NOTIFY_WEBHOOK_SECRET is required when DAIBAN_NOTIFY_CHANNEL=webhook");
    }
  } else {
    for (const char* name : {"DAIBAN_NOTIFY_WEBHOOK_URL", "DAIBAN_NOTIFY_WEBHOOK_SECRET"}) {
      if (!env.String(name, "").empty()) {
        throw kernel::ConfigError(std::string(name) +
                                  " is set but DAIBAN_NOTIFY_CHANNEL is log: notices would never "
                                  "reach the webhook (set DAIBAN_NOTIFY_CHANNEL=webhook)");
      }
    }
  }
  return settings;
}

}  // namespace daiban::cases
