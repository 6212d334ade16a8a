#include "daiban/cases/calendar_csv.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "daiban/kernel/file.hpp"

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;

CivilDate Date(int year, unsigned month, unsigned day) {
  return CivilDate{chrono::year{year}, chrono::month{month}, chrono::day{day}};
}

using kernel::ReadFile;
// The parsed file; fails the test (and returns an empty file) on an error.
CalendarFile Parsed(std::string_view text) {
  CalendarCsvResult result = ParseCalendarCsv(text);
  if (const auto* error = std::get_if<CalendarCsvError>(&result)) {
    ADD_FAILURE() << "line " << error->line << " column " << error->column << ": "
                  << error->message;
    return {};
  }
  return std::get<CalendarFile>(std::move(result));
}

// The error; fails the test (and returns a zero error) when the text parses.
CalendarCsvError ErrorOf(std::string_view text) {
  const CalendarCsvResult result = ParseCalendarCsv(text);
  if (const auto* error = std::get_if<CalendarCsvError>(&result)) return *error;
  ADD_FAILURE() << "parsed without error: " << text;
  return {};
}

void ExpectErrorAt(std::string_view text, int line, int column) {
  const CalendarCsvError error = ErrorOf(text);
  EXPECT_EQ(error.line, line) << text << "\n" << error.message;
  EXPECT_EQ(error.column, column) << text << "\n" << error.message;
  EXPECT_FALSE(error.message.empty());
}

constexpr const char* kHeader = "date,kind,name\n";

std::string WithHeader(std::string_view body) { return kHeader + std::string(body); }

TEST(CalendarCsvTest, ParsesTheRealCalendarFile) {
  const std::string text = ReadFile(DAIBAN_CALENDAR_CSV);
  ASSERT_FALSE(text.empty()) << "cannot read " << DAIBAN_CALENDAR_CSV;
  const CalendarFile file = Parsed(text);
  EXPECT_EQ(file.entries.size(), 39u);
  EXPECT_EQ(file.years, (std::set<chrono::year>{chrono::year{2026}}));
  ASSERT_FALSE(file.entries.empty());
  EXPECT_EQ(file.entries.front(), (CalendarEntry{Date(2026, 1, 1), DayKind::kHoliday, "元旦"}));
  EXPECT_EQ(file.entries.back(),
            (CalendarEntry{Date(2026, 10, 10), DayKind::kWorkday, "国庆节调休上班"}));
  const auto workdays = std::count_if(file.entries.begin(), file.entries.end(),
                                      [](auto& entry) { return entry.kind == DayKind::kWorkday; });
  EXPECT_EQ(workdays, 6);  // 01-04, 02-14, 02-28, 05-09, 09-20, 10-10
  for (const CalendarEntry& entry : file.entries) {
    if (entry.kind == DayKind::kWorkday) {
      const chrono::weekday weekday{chrono::sys_days{entry.date}};
      EXPECT_TRUE(weekday == chrono::Saturday || weekday == chrono::Sunday)
          << FormatIsoDate(entry.date);
    }
  }
}

TEST(CalendarCsvTest, AcceptsByteOrderMarkCrlfAndNoFinalLineEnd) {
  const CalendarFile file = Parsed(
      "\xEF\xBB\xBF"
      "date,kind,name\r\n2026-10-01,holiday,国庆节\r\n2026-10-10,workday,调休");
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_EQ(file.entries[0].name, "国庆节");
  EXPECT_EQ(file.entries[1], (CalendarEntry{Date(2026, 10, 10), DayKind::kWorkday, "调休"}));
}

TEST(CalendarCsvTest, SkipsEmptyLines) {
  const CalendarFile file = Parsed(WithHeader("\n2026-10-01,holiday,国庆节\r\n\r\n\n"));
  ASSERT_EQ(file.entries.size(), 1u);
  EXPECT_EQ(file.entries[0].date, Date(2026, 10, 1));
}

TEST(CalendarCsvTest, HeaderOnlyIsAnEmptyCalendar) {
  const CalendarFile file = Parsed("date,kind,name\n");
  EXPECT_TRUE(file.entries.empty());
  EXPECT_TRUE(file.years.empty());
  EXPECT_TRUE(Parsed("date,kind,name").entries.empty());
}

TEST(CalendarCsvTest, YearsAreTheYearsOfTheListedDates) {
  const CalendarFile file =
      Parsed(WithHeader("2027-01-01,holiday,元旦\n2026-12-31,holiday,元旦\n"));
  EXPECT_EQ(file.years, (std::set<chrono::year>{chrono::year{2026}, chrono::year{2027}}));
  EXPECT_EQ(file.entries[0].date, Date(2027, 1, 1));  // file order is kept
}

TEST(CalendarCsvTest, AcceptsWeekendHolidaysAndWeekdayWorkdays) {
  // 2026-10-03 is a Saturday, 2026-10-09 a Friday.
  const CalendarFile file =
      Parsed(WithHeader("2026-10-03,holiday,国庆节\n2026-10-09,workday,无影响\n"));
  EXPECT_EQ(file.entries.size(), 2u);
}

TEST(CalendarCsvTest, AcceptsQuotedFields) {
  const CalendarFile file = Parsed(WithHeader(
      "\"2026-10-01\",\"holiday\",\"国庆节, 中秋节\"\n2026-10-02,holiday,\"say \"\"hi\"\"\"\n"));
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_EQ(file.entries[0].name, "国庆节, 中秋节");
  EXPECT_EQ(file.entries[1].name, "say \"hi\"");
}

TEST(CalendarCsvTest, RejectsAMissingOrWrongHeader) {
  ExpectErrorAt("", 1, 1);
  ExpectErrorAt("\n2026-10-01,holiday,国庆节\n", 1, 1);
  ExpectErrorAt("2026-10-01,holiday,国庆节\n", 1, 1);
  ExpectErrorAt("date,type,name\n", 1, 2);
  ExpectErrorAt(
      "\xEF\xBB\xBF"
      "date,kind,Name\r\n",
      1, 3);
  ExpectErrorAt("date,kind\n", 1, 3);
  ExpectErrorAt("date,kind,name,note\n", 1, 4);
  ExpectErrorAt("date, kind,name\n", 1, 2);
  ExpectErrorAt(
      "\xEF\xBB\xBF\xEF\xBB\xBF"
      "date,kind,name\n",
      1, 1);  // only one BOM
}

TEST(CalendarCsvTest, RejectsBadDates) {
  ExpectErrorAt(WithHeader("2026-10-01,holiday,国庆节\n2026-13-01,holiday,x\n"), 3, 1);
  ExpectErrorAt(WithHeader("2026-02-30,holiday,x\n"), 2, 1);
  ExpectErrorAt(WithHeader("2026/10/01,holiday,x\n"), 2, 1);
  ExpectErrorAt(WithHeader(" 2026-10-01,holiday,x\n"), 2, 1);
  ExpectErrorAt(WithHeader(",holiday,x\n"), 2, 1);
}

TEST(CalendarCsvTest, RejectsUnknownKinds) {
  ExpectErrorAt(WithHeader("2026-10-01,Holiday,国庆节\n"), 2, 2);
  ExpectErrorAt(WithHeader("2026-10-01,holiday ,国庆节\n"), 2, 2);
  ExpectErrorAt(WithHeader("2026-10-01,,国庆节\n"), 2, 2);
}

TEST(CalendarCsvTest, RejectsDuplicateDates) {
  const CalendarCsvError error = ErrorOf(
      WithHeader("2026-10-01,holiday,国庆节\n2026-10-02,holiday,国庆节\n2026-10-01,workday,x\n"));
  EXPECT_EQ(error.line, 4);
  EXPECT_EQ(error.column, 1);
  EXPECT_NE(error.message.find("first on line 2"), std::string::npos) << error.message;
}

TEST(CalendarCsvTest, RejectsMissingAndExtraFields) {
  ExpectErrorAt(WithHeader("2026-10-01,holiday\n"), 2, 3);
  ExpectErrorAt(WithHeader("2026-10-01\n"), 2, 2);
  ExpectErrorAt(WithHeader("2026-10-01,holiday,国庆节,中秋节\n"), 2, 4);
  ExpectErrorAt(WithHeader("2026-10-01,holiday,国庆节,\n"), 2, 4);
}

TEST(CalendarCsvTest, RejectsBadNames) {
  ExpectErrorAt(WithHeader("2026-10-01,holiday,\n"), 2, 3);
  ExpectErrorAt(WithHeader("2026-10-01,holiday,\"\"\n"), 2, 3);
  ExpectErrorAt(WithHeader("2026-10-01,holiday,a\tb\n"), 2, 3);
  ExpectErrorAt(WithHeader("2026-10-01,holiday,\"a\rb\"\n"), 2, 3);  // an unquoted CR ends the line
}

TEST(CalendarCsvTest, SkipsCommentLinesAfterTheHeader) {
  const CalendarFile file =
      Parsed(WithHeader("# 国务院办公厅通知\n2026-10-01,holiday,国庆节\n#2026-10-02,holiday,x\n"));
  ASSERT_EQ(file.entries.size(), 1u);
  EXPECT_EQ(file.entries[0].date, Date(2026, 10, 1));
  ExpectErrorAt(WithHeader("# note\r\n2026-10-01,vacation,x\r\n"), 3, 2);
  ExpectErrorAt("# note\ndate,kind,name\n", 1, 1);  // line 1 must still be the header
}

TEST(CalendarCsvTest, RefusesLineBreaksInQuotedFieldsAtTheRecordsFirstLine) {
  ExpectErrorAt(WithHeader("2026-10-01,holiday,\"国庆\n节\"\n"), 2, 3);
  ExpectErrorAt(WithHeader("2026-10-01,\"holi\r\nday\",x\n"), 2, 2);
  ExpectErrorAt(WithHeader("\"2026-10-01\n\",holiday,x\n"), 2, 1);
}

TEST(CalendarCsvTest, RejectsInvalidUtf8InTheName) {
  for (const char* name : {
           "\xE5\x9B",          // truncated 国
           "\x80",              // lone continuation byte
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong '/'
           "\xED\xA0\x80",      // UTF-16 surrogate
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xFF",
           "ok\xE5\x9B\xBD\xE5",
       }) {
    ExpectErrorAt(WithHeader("2026-10-01,holiday,") + name + "\n", 2, 3);
  }
  EXPECT_EQ(Parsed(WithHeader("2026-10-01,holiday,\xF0\x9F\x8E\x86\n")).entries.size(), 1u);
}

TEST(CalendarCsvTest, RejectsBadQuoting) {
  ExpectErrorAt(WithHeader("2026-10-01,holiday,\"国庆节\n"), 2, 3);
  ExpectErrorAt(WithHeader("2026-10-01,holiday,\"国庆\"节\n"), 2, 3);
  ExpectErrorAt(WithHeader("2026-10-01,hol\"iday,国庆节\n"), 2, 2);
}

TEST(CalendarCsvTest, CountsPhysicalLinesIncludingEmptyOnes) {
  ExpectErrorAt(WithHeader("2026-10-01,holiday,国庆节\r\n\r\n\r\n2026-10-02,vacation,x\r\n"), 5, 2);
  ExpectErrorAt(
      "\xEF\xBB\xBF"
      "date,kind,name\n2026-10-01,holiday,x\n2026-10-32,holiday,x",
      3, 1);
}

TEST(CalendarCsvTest, ErrorMessagesStayPrintable) {
  const CalendarCsvError error = ErrorOf(WithHeader("2026-10-01,hol\xFFiday,x\n"));
  EXPECT_EQ(error.column, 2);
  EXPECT_EQ(error.message.find('\xFF'), std::string::npos) << error.message;
  const CalendarCsvError control = ErrorOf(WithHeader("2026-10-01,hol\x01iday,x\n"));
  EXPECT_EQ(control.column, 2);
  EXPECT_NE(control.message.find("hol\\x01iday"), std::string::npos) << control.message;
  EXPECT_EQ(control.message.find('\x01'), std::string::npos);
}

}  // namespace
}  // namespace daiban::cases
