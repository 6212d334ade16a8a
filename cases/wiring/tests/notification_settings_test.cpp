#include "daiban/cases/wiring/notification_settings.hpp"

#include <gtest/gtest.h>

#include <map>

#include "daiban/kernel/errors.hpp"

namespace daiban::cases {
namespace {

kernel::Env FakeEnv(std::map<std::string, std::string> values) {
  return kernel::Env([values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

// The ConfigError's message, which the service prints before it stops ("" when none).
std::string Refusal(std::map<std::string, std::string> values) {
  try {
    LoadNotificationSettings(FakeEnv(std::move(values)));
  } catch (const kernel::ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(NotificationSettingsTest, TheLogChannelNeedsNothing) {
  auto settings = LoadNotificationSettings(FakeEnv({}));
  EXPECT_EQ(settings.channel, "log");
  EXPECT_EQ(settings.interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(settings.webhook_timeout, std::chrono::milliseconds(5000));
}

TEST(NotificationSettingsTest, AWorkingWebhookIsRead) {
  auto settings =
      LoadNotificationSettings(FakeEnv({{"DAIBAN_NOTIFY_CHANNEL", "webhook"},
                                        {"DAIBAN_NOTIFY_WEBHOOK_URL", "https://sms.example/notify"},
                                        {"DAIBAN_NOTIFY_WEBHOOK_SECRET", "s3cret"},
                                        {"DAIBAN_NOTIFY_WEBHOOK_TIMEOUT_MS", "800"}}));
  EXPECT_EQ(settings.channel, "webhook");
  EXPECT_EQ(settings.webhook_url, "https://sms.example/notify");
  EXPECT_EQ(settings.webhook_secret, "s3cret");
  EXPECT_EQ(settings.webhook_timeout, std::chrono::milliseconds(800));
}

TEST(NotificationSettingsTest, AWebhookThatCannotWorkStopsTheServiceNamingTheVariable) {
  // The channel chosen and no URL: every notice would be given up ("no sink for channel").
  EXPECT_NE(Refusal({{"DAIBAN_NOTIFY_CHANNEL", "webhook"}, {"DAIBAN_NOTIFY_WEBHOOK_SECRET", "s"}})
                .find("DAIBAN_NOTIFY_WEBHOOK_URL"),
            std::string::npos);
  EXPECT_NE(Refusal({{"DAIBAN_NOTIFY_CHANNEL", "webhook"},
                     {"DAIBAN_NOTIFY_WEBHOOK_URL", "ftp://sms.example/"},
                     {"DAIBAN_NOTIFY_WEBHOOK_SECRET", "s"}})
                .find("DAIBAN_NOTIFY_WEBHOOK_URL"),
            std::string::npos);
  EXPECT_NE(Refusal({{"DAIBAN_NOTIFY_CHANNEL", "webhook"},
                     {"DAIBAN_NOTIFY_WEBHOOK_URL", "https://sms.example/notify"}})
                .find("DAIBAN_NOTIFY_WEBHOOK_SECRET"),
            std::string::npos);
  // Webhook settings while notices go to the log would never be used.
  EXPECT_NE(Refusal({{"DAIBAN_NOTIFY_WEBHOOK_URL", "https://sms.example/notify"}})
                .find("DAIBAN_NOTIFY_CHANNEL"),
            std::string::npos);
  EXPECT_NE(Refusal({{"DAIBAN_NOTIFY_CHANNEL", "sms"}}).find("DAIBAN_NOTIFY_CHANNEL"),
            std::string::npos);
  EXPECT_NE(Refusal({{"DAIBAN_NOTIFY_INTERVAL_MS", "0"}}).find("DAIBAN_NOTIFY_INTERVAL_MS"),
            std::string::npos);
  EXPECT_NE(Refusal({{"DAIBAN_NOTIFY_CHANNEL", "webhook"},
                     {"DAIBAN_NOTIFY_WEBHOOK_URL", "https://sms.example/notify"},
                     {"DAIBAN_NOTIFY_WEBHOOK_SECRET", "s"},
                     {"DAIBAN_NOTIFY_WEBHOOK_TIMEOUT_MS", "soon"}})
                .find("DAIBAN_NOTIFY_WEBHOOK_TIMEOUT_MS"),
            std::string::npos);
}

}  // namespace
}  // namespace daiban::cases
