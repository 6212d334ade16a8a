#include "daiban/dispatch/agent_settings.hpp"

#include <gtest/gtest.h>

namespace daiban::dispatch {
namespace {

AgentSettingsRequest Asked() {
  AgentSettingsRequest asked;
  asked.user_id = 42;
  asked.regions = {"370102"};
  return asked;
}

SettingsRefused Refused(const AgentSettingsRequest& asked) {
  auto settled = SettleAgentSettings(asked);
  EXPECT_TRUE(std::holds_alternative<SettingsRefused>(settled));
  return std::holds_alternative<SettingsRefused>(settled) ? std::get<SettingsRefused>(settled)
                                                          : SettingsRefused{};
}

TEST(AgentSettingsTest, WhatIsLeftOutGetsTheDefaults) {
  auto settings = std::get<AgentSettings>(SettleAgentSettings(Asked()));
  EXPECT_EQ(settings.user_id, 42);
  EXPECT_EQ(settings.capacity, 5);
  EXPECT_FALSE(settings.on_duty);
  EXPECT_EQ(settings.regions, std::vector<std::string>{"370102"});
  EXPECT_TRUE(settings.departments.empty());
  // No hours: office hours, Monday to Friday.
  for (std::size_t day = 0; day < 5; ++day) EXPECT_EQ(settings.hours[day], "09:00-17:00");
  EXPECT_EQ(settings.hours[5], "");
  EXPECT_EQ(settings.hours[6], "");
}

TEST(AgentSettingsTest, WhatIsGivenIsKept) {
  auto asked = Asked();
  asked.capacity = 100;
  asked.on_duty = true;
  asked.hours = {"", "08:00-12:00", "", "", "", "10:00-16:00", ""};
  asked.departments = {"JN-GA", "JN-SWJ"};
  auto settings = std::get<AgentSettings>(SettleAgentSettings(asked));
  EXPECT_EQ(settings.capacity, 100);
  EXPECT_TRUE(settings.on_duty);
  EXPECT_EQ(settings.hours[0], "");
  EXPECT_EQ(settings.hours[1], "08:00-12:00");
  EXPECT_EQ(settings.hours[5], "10:00-16:00");
  EXPECT_EQ(settings.departments, (std::vector<std::string>{"JN-GA", "JN-SWJ"}));
  asked.capacity = 1;
  EXPECT_EQ(std::get<AgentSettings>(SettleAgentSettings(asked)).capacity, 1);
}

TEST(AgentSettingsTest, CapacityIsOneToAHundred) {
  for (std::int64_t capacity :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{101}, std::int64_t{1} << 40}) {
    auto asked = Asked();
    asked.capacity = capacity;
    auto refused = Refused(asked);
    EXPECT_EQ(refused.field, "capacity") << capacity;
    EXPECT_EQ(refused.message, "capacity must be 1..100");
  }
}

TEST(AgentSettingsTest, HoursListAWholeWeek) {
  for (std::size_t days : {1U, 5U, 6U, 8U}) {
    auto asked = Asked();
    asked.hours.assign(days, "09:00-17:00");
    auto refused = Refused(asked);
    EXPECT_EQ(refused.field, "hours") << days;
    EXPECT_NE(refused.message.find("7 days"), std::string::npos);
  }
}

TEST(AgentSettingsTest, AnAgentCoversARegion) {
  auto asked = Asked();
  asked.regions.clear();
  auto refused = Refused(asked);
  EXPECT_EQ(refused.field, "regions");
  EXPECT_EQ(refused.message, "an agent covers a region");
}

}  // namespace
}  // namespace daiban::dispatch
