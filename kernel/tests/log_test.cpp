#include "daiban/kernel/log.hpp"

#include <gtest/gtest.h>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {
namespace {

TEST(LogTest, EveryLineIsValidJsonWhateverTheMessage) {
  Instant at{std::chrono::milliseconds(1790000000123)};
  std::string line = FormatLogLine(at, LogLevel::kWarn, "intake", "rid-1",
                                   "quote \" newline \n bad \xff", {{"route", "/x"}, {"n", 3}});
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["service"], "intake");
  EXPECT_EQ(parsed["request_id"], "rid-1");
  EXPECT_EQ(parsed["route"], "/x");
  EXPECT_EQ(parsed["n"], 3);
  EXPECT_EQ(parsed["time"], "2026-09-21T14:13:20.123Z");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LogTest, FieldsCannotOverwriteTheEnvelope) {
  std::string line = FormatLogLine(Instant{}, LogLevel::kInfo, "svc", "", "m",
                                   {{"service", "forged"}, {"level", "error"}});
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["service"], "svc");
  EXPECT_EQ(parsed["level"], "info");
  EXPECT_FALSE(parsed.contains("request_id"));
}

TEST(LogTest, ParsesLevels) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_THROW(ParseLogLevel("verbose"), ConfigError);
}

}  // namespace
}  // namespace daiban::kernel
