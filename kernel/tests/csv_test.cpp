#include "daiban/kernel/csv.hpp"

#include <gtest/gtest.h>

namespace daiban::kernel {
namespace {

CsvError ErrorOf(std::string_view text) {
  try {
    CsvTable::Parse("t.csv", text);
  } catch (const CsvError& error) {
    return error;
  }
  ADD_FAILURE() << "no error for: " << text;
  return CsvError("", 0, 0, "");
}

TEST(CsvTest, ParsesHeaderRowsAndQuotes) {
  auto table = CsvTable::Parse("t.csv",
                               "\xEF\xBB\xBF# a comment\r\ncode,name\r\nA1,\"营业,执照\"\r\n\r\n"
                               "A2,\"say \"\"hi\"\"\"\nA3,\"two\nlines\"\nA4,last");
  ASSERT_EQ(table.Header(), (std::vector<std::string>{"code", "name"}));
  EXPECT_EQ(table.HeaderLine(), 2);
  ASSERT_EQ(table.Rows().size(), 4u);
  EXPECT_EQ(table.Field(table.Rows()[0], "name"), "营业,执照");
  EXPECT_EQ(table.Rows()[0].line, 3);
  EXPECT_EQ(table.Field(table.Rows()[1], "name"), "say \"hi\"");
  EXPECT_EQ(table.Rows()[1].line, 5);
  EXPECT_EQ(table.Field(table.Rows()[2], "name"), "two\nlines");
  EXPECT_EQ(table.Rows()[3].line, 8);
  EXPECT_EQ(table.Field(table.Rows()[3], "name"), "last");
}

TEST(CsvTest, TrailingLineBreakAddsNoRecordAndEmptyLastFieldCounts) {
  auto table = CsvTable::Parse("t.csv", "a,b\n1,\n");
  ASSERT_EQ(table.Rows().size(), 1u);
  EXPECT_EQ(table.Field(table.Rows()[0], "b"), "");
}

TEST(CsvTest, WrongFieldCountNamesLineAndColumn) {
  auto error = ErrorOf("a,b,c\n1,2,3\n4,5\n");
  EXPECT_EQ(error.Line(), 3);
  EXPECT_EQ(error.Column(), 3);
  EXPECT_EQ(error.File(), "t.csv");
}

TEST(CsvTest, InvalidUtf8NamesLineAndColumn) {
  auto error = ErrorOf("a,b\n1,2\nx,bad\xff\n");
  EXPECT_EQ(error.Line(), 3);
  EXPECT_EQ(error.Column(), 2);
  EXPECT_NE(std::string(error.what()).find("t.csv:3:2"), std::string::npos);
}

TEST(CsvTest, BrokenQuotes) {
  EXPECT_EQ(ErrorOf("a\n\"open\n").Column(), 1);
  EXPECT_EQ(ErrorOf("a,b\n1,x\"y\n").Column(), 2);
  EXPECT_EQ(ErrorOf("a,b\n1,\"x\"y\n").Column(), 2);
}

TEST(CsvTest, EmptyFileAndDuplicateColumns) {
  EXPECT_EQ(ErrorOf("# only a comment\n").Line(), 1);
  EXPECT_EQ(ErrorOf("a,b,a\n").Column(), 3);
}

TEST(CsvTest, RequiredColumns) {
  auto table = CsvTable::Parse("t.csv", "code,name,extra\n");
  EXPECT_NO_THROW(table.RequireColumns({"code", "name"}, true));
  EXPECT_THROW(table.RequireColumns({"code", "name"}, false), CsvError);
  EXPECT_THROW(table.RequireColumns({"code", "level"}, true), CsvError);
}

TEST(CsvTest, ErrorAtPointsAtTheNamedColumn) {
  auto table = CsvTable::Parse("items.csv", "code,committed_days\nX,abc\n");
  auto error = table.ErrorAt(table.Rows()[0], "committed_days", "not a number");
  EXPECT_EQ(error.Line(), 2);
  EXPECT_EQ(error.Column(), 2);
  EXPECT_EQ(std::string(error.what()), "items.csv:2:2: committed_days: not a number");
}

}  // namespace
}  // namespace daiban::kernel
