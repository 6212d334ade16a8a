#include "daiban/kernel/config.hpp"

#include <gtest/gtest.h>

#include <map>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {
namespace {

Env FakeEnv(std::map<std::string, std::string> values) {
  return Env([values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

TEST(EnvTest, DefaultsWhenUnsetOrEmpty) {
  Env env = FakeEnv({{"EMPTY", ""}});
  EXPECT_EQ(env.Int("MISSING", 7, 0, 10), 7);
  EXPECT_EQ(env.Int("EMPTY", 7, 0, 10), 7);
  EXPECT_EQ(env.String("MISSING", "x"), "x");
  EXPECT_TRUE(env.Bool("MISSING", true));
}

TEST(EnvTest, ParsesValidValues) {
  Env env = FakeEnv({{"PORT", "8101"}, {"ON", "yes"}, {"MS", "250"}, {"LEVEL", "warn"}});
  EXPECT_EQ(env.Port("PORT", 1), 8101);
  EXPECT_TRUE(env.Bool("ON", false));
  EXPECT_EQ(env.Millis("MS", 1, 1, 1000).count(), 250);
  EXPECT_EQ(env.OneOf("LEVEL", "info", {"debug", "info", "warn"}), "warn");
}

TEST(EnvTest, RejectsMalformedValuesNamingTheVariable) {
  Env env = FakeEnv({{"PORT", "80x"}, {"BIG", "70000"}, {"B", "maybe"}, {"L", "loud"}});
  try {
    env.Port("PORT", 1);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("PORT='80x'"), std::string::npos);
  }
  EXPECT_THROW(env.Port("BIG", 1), ConfigError);
  EXPECT_THROW(env.Bool("B", true), ConfigError);
  EXPECT_THROW(env.OneOf("L", "info", {"info"}), ConfigError);
}

TEST(EnvTest, RejectsOutOfRange) {
  Env env = FakeEnv({{"N", "-1"}, {"HUGE", "99999999999999999999999"}});
  EXPECT_THROW(env.Int("N", 1, 0, 10), ConfigError);
  EXPECT_THROW(env.Int("HUGE", 1, 0, 10), ConfigError);
}

}  // namespace
}  // namespace daiban::kernel
