// The phones' sync cursor: the platform's shape, the first form phones in the field still hold,
// and a 400 naming `cursor` for anything else.
#include "daiban/mobile/sync/sync_cursor.hpp"

#include <gtest/gtest.h>

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
  EXPECT_EQ(SyncCursorText(42), "e1.42");
  EXPECT_EQ(SyncCursorText(0), "e1.0");
  for (std::int64_t id : {0LL, 1LL, 42LL, 9223372036854775807LL}) {
    EXPECT_EQ(ParseSyncCursor(SyncCursorText(id)), id);
  }
  EXPECT_EQ(ParseSyncCursor(""), 0);  // from the beginning
}

TEST(SyncCursorTest, TheFirstFormPhonesStillHoldIsAccepted) {
  EXPECT_EQ(ParseSyncCursor("e0"), 0);
  EXPECT_EQ(ParseSyncCursor("e1"), 1);
  EXPECT_EQ(ParseSyncCursor("e123456"), 123456);
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
                                              std::string(2000, '1')};
  for (const auto& cursor : malformed) {
    EXPECT_EQ(Refusal(cursor), "400 cursor") << cursor;
  }
}

}  // namespace
}  // namespace daiban::mobile
