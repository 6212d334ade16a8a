// The phones' sync cursor: the platform's shape, the first form phones in the field still hold,
// and a 400 naming `cursor` for anything else.
#include "daiban/mobile/sync/sync_cursor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "daiban/kernel/errors.hpp"

namespace daiban::mobile {
namespace {

std::string Refusal(const std::string& cursor) {
  try {
    ParseSyncCursor(cursor);
  } catch (const kernel::ApiError& error) {
    return std::to_string(error.Status()) + " " + error.Field();
  }
  return "accepted";
}

TEST(SyncCursorTest, AnEventIdIsWrittenInThePlatformsShapeAndReadBack) {
  EXPECT_EQ(SyncCursorText({42, std::nullopt}), "e1.42");
  EXPECT_EQ(SyncCursorText({}), "e1.0");
  for (std::int64_t id : {0LL, 1LL, 42LL, 9223372036854775807LL}) {
    EXPECT_EQ(ParseSyncCursor(SyncCursorText({id, std::nullopt})).event_id, id);
  }
  EXPECT_TRUE(ParseSyncCursor("").ColdStart());
  EXPECT_TRUE(ParseSyncCursor("e1.0").ColdStart()) << "nothing read yet";
  EXPECT_FALSE(ParseSyncCursor("e1.1").ColdStart());
}

TEST(SyncCursorTest, AColdStartsPlaceInTheOpenTasksIsWrittenAndReadBack) {
  const SyncCursor within{981, OpenWorkMark{kernel::Moment(std::chrono::seconds(1796090400)), 77}};
  EXPECT_EQ(SyncCursorText(within), "w1.981.1796090400.77");
  EXPECT_EQ(ParseSyncCursor(SyncCursorText(within)), within);
  EXPECT_FALSE(within.ColdStart());
  const SyncCursor no_deadline{981, OpenWorkMark{std::nullopt, 78}};
  EXPECT_EQ(SyncCursorText(no_deadline), "w1.981.n.78");
  EXPECT_EQ(ParseSyncCursor(SyncCursorText(no_deadline)), no_deadline);
  const SyncCursor before_any_event{0, OpenWorkMark{std::nullopt, 1}};
  EXPECT_EQ(ParseSyncCursor(SyncCursorText(before_any_event)), before_any_event);
  EXPECT_FALSE(before_any_event.ColdStart()) << "within a cold start, not at its beginning";
}

TEST(SyncCursorTest, TheFirstFormPhonesStillHoldIsAccepted) {
  EXPECT_EQ(ParseSyncCursor("e0").event_id, 0);
  EXPECT_EQ(ParseSyncCursor("e1").event_id, 1);
  EXPECT_EQ(ParseSyncCursor("e123456").event_id, 123456);
}

TEST(SyncCursorTest, AnythingElseIsABadRequestNamingTheCursor) {
  const std::vector<std::string> malformed = {"zzz",
                                              "e",
                                              "e-1",
                                              "e+1",
                                              "e 1",
                                              "e1.",
                                              "e1.-1",
                                              "e1.1.2",
                                              "e2.5",
                                              "x1.5",
                                              "e1.abc",
                                              "e99999999999999999999",
                                              "e1.99999999999999999999",
                                              "E12",
                                              ".e1",
                                              "e1..5",
                                              "w1",
                                              "w1.5",
                                              "w1.5.100",
                                              "w1.5.100.0",
                                              "w1.5.100.7.8",
                                              "w1.-5.100.7",
                                              "w1.5.x.7",
                                              "w1.5.N.7",
                                              "w1.5.nn.7",
                                              "w2.5.100.7",
                                              "w5",
                                              std::string(2000, '1')};
  for (const auto& cursor : malformed) {
    EXPECT_EQ(Refusal(cursor), "400 cursor") << cursor;
  }
}

}  // namespace
}  // namespace daiban::mobile
