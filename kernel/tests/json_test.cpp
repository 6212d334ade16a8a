#include "daiban/kernel/json.hpp"

#include <gtest/gtest.h>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {
namespace {

int StatusOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const ApiError& error) {
    return error.Status();
  }
  return 0;
}

TEST(JsonTest, ParsesObjects) {
  auto value = ParseJsonBody(R"({"name":"张三","n":3})", 8);
  EXPECT_EQ(value["name"], "张三");
  EXPECT_EQ(RequireInt(value, "n"), 3);
}

TEST(JsonTest, MalformedIs400) {
  EXPECT_EQ(StatusOf([] { ParseJsonBody("{\"a\":", 8); }), 400);
  EXPECT_EQ(StatusOf([] { ParseJsonBody("", 8); }), 400);
}

TEST(JsonTest, NumberOutOfRangeIs400) {
  EXPECT_EQ(StatusOf([] { ParseJsonBody("[1e400]", 8); }), 400);
  EXPECT_EQ(StatusOf([] { ParseJsonBody("{\"n\":-1e400}", 8); }), 400);
}

TEST(JsonTest, InvalidUtf8Is400) {
  EXPECT_EQ(StatusOf([] { ParseJsonBody("{\"a\":\"\xff\"}", 8); }), 400);
}

TEST(JsonTest, TooDeepIs400EvenForHugeNesting) {
  std::string deep(200000, '[');
  EXPECT_EQ(StatusOf([&] { ParseJsonBody(deep, 32); }), 400);
  std::string ok = std::string(32, '[') + std::string(32, ']');
  EXPECT_NO_THROW(ParseJsonBody(ok, 32));
  std::string over = std::string(33, '[') + std::string(33, ']');
  EXPECT_EQ(StatusOf([&] { ParseJsonBody(over, 32); }), 400);
}

TEST(JsonTest, RequireReportsTheField) {
  auto value = ParseJsonBody(R"({"n":"three"})", 8);
  try {
    RequireInt(value, "n");
    FAIL();
  } catch (const ApiError& error) {
    EXPECT_EQ(error.Status(), 422);
    EXPECT_EQ(error.Field(), "n");
  }
  EXPECT_EQ(StatusOf([&] { RequireString(value, "missing"); }), 422);
  EXPECT_EQ(StatusOf([] { RequireString(Json::array(), "x"); }), 400);
}

TEST(JsonTest, OptionalStringIsEmptyWhenAbsentAndRefusesOtherTypes) {
  auto value = ParseJsonBody(R"({"s":"text","z":null,"n":3})", 8);
  EXPECT_EQ(OptionalString(value, "s"), "text");
  EXPECT_EQ(OptionalString(value, "z"), "");
  EXPECT_EQ(OptionalString(value, "missing"), "");
  EXPECT_EQ(StatusOf([&] { OptionalString(value, "n"); }), 422);
}

TEST(JsonTest, ErrorBodyHasTheDesignShape) {
  auto body = Json::parse(ErrorBody("not_found", "no such case", "", "abc"));
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_EQ(body["error"]["message"], "no such case");
  EXPECT_FALSE(body["error"].contains("field"));
  EXPECT_EQ(body["request_id"], "abc");
  auto with_field = Json::parse(ErrorBody("validation_failed", "bad", "phone", "x"));
  EXPECT_EQ(with_field["error"]["field"], "phone");
}

TEST(JsonTest, DumpReplacesInvalidUtf8) {
  Json value = std::string("a\xff");
  EXPECT_NO_THROW(DumpJson(value));
}

}  // namespace
}  // namespace daiban::kernel
