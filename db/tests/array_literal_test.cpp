#include "daiban/db/array_literal.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace daiban::db {
namespace {

TEST(ArrayLiteralTest, AnEmptyArrayIsTwoBraces) {
  EXPECT_EQ(ArrayLiteral().Text(), "{}");
  EXPECT_EQ(ArrayOf(std::vector<std::int64_t>{}), "{}");
  EXPECT_EQ(ArrayOf(std::vector<std::string>{}), "{}");
}

TEST(ArrayLiteralTest, OneElementHasNoSeparator) {
  EXPECT_EQ(ArrayOf(std::vector<std::int64_t>{42}), "{42}");
  EXPECT_EQ(ArrayOf(std::vector<std::string>{"DB2026"}), R"({"DB2026"})");
  EXPECT_EQ(ArrayLiteral().Add(true).Text(), "{t}");
}

TEST(ArrayLiteralTest, ManyElementsAreSeparatedByCommas) {
  EXPECT_EQ(ArrayOf(std::vector<std::int64_t>{1, 2, 3}), "{1,2,3}");
  EXPECT_EQ(ArrayOf(std::vector<int>{-1, 0, 7}), "{-1,0,7}");
  EXPECT_EQ(ArrayLiteral().Add(true).Add(false).Text(), "{t,f}");
  EXPECT_EQ(ArrayOf(std::vector<std::string>{"a", "b"}), R"({"a","b"})");
}

TEST(ArrayLiteralTest, DoublesReadBackExactly) {
  EXPECT_EQ(ArrayOf(std::vector<double>{36.66, 117.05, 0.1}), "{36.66,117.05,0.1}");
  EXPECT_EQ(ArrayOf(std::vector<double>{1e-7}), "{1e-07}");
}

TEST(ArrayLiteralTest, AMissingValueIsAnUnquotedNull) {
  std::vector<std::optional<double>> accuracies{5.0, std::nullopt};
  EXPECT_EQ(ArrayOf(accuracies), "{5,NULL}");
  // The text NULL is quoted, so it stays the text.
  EXPECT_EQ(ArrayOf(std::vector<std::string>{"NULL", ""}), R"({"NULL",""})");
}

TEST(ArrayLiteralTest, TextIsQuotedAndEscapedSoItStaysOneElement) {
  EXPECT_EQ(ArrayOf(std::vector<std::string>{"a,b", "{c}", R"(say "hi")", R"(back\slash)"}),
            R"({"a,b","{c}","say \"hi\"","back\\slash"})");
  EXPECT_EQ(ArrayOf(std::vector<std::string>{"济南 历下"}), R"({"济南 历下"})");
}

TEST(ArrayLiteralTest, AFieldOfEachElement) {
  struct Leg {
    std::int64_t id;
    bool late;
  };
  std::vector<Leg> legs{{10, false}, {11, true}};
  EXPECT_EQ(ArrayOf(legs, [](const Leg& leg) { return leg.id; }), "{10,11}");
  EXPECT_EQ(ArrayOf(legs, [](const Leg& leg) { return leg.late; }), "{f,t}");
}

}  // namespace
}  // namespace daiban::db
