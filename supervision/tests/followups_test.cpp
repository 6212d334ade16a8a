// The follow-up use cases without servers: text rules, the call line's China time, cursors,
// and what the service hands its store.
#include "daiban/supervision/followups.hpp"

#include <gtest/gtest.h>

#include "daiban/kernel/errors.hpp"
#include "refusal.hpp"

namespace daiban::supervision {
namespace {

Moment At(const char* rfc3339) { return *cases::ParseRfc3339(rfc3339); }

using daiban::testing::Refusal;

std::string Repeat(const std::string& piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(FollowupTextTest, TrimmedOneLineOneToAThousandCharacters) {
  EXPECT_EQ(FollowupText("  已致电，申请人表示理解 \n", "note"), "已致电，申请人表示理解");
  EXPECT_EQ(FollowupText("第一句\r\n第二句\n第三句", "note"), "第一句 第二句 第三句");
  EXPECT_EQ(Refusal([] { FollowupText(" \n\t", "note"); }),
            std::make_pair(422, std::string("note")));
  EXPECT_EQ(Refusal([] { FollowupText("", "outcome"); }),
            std::make_pair(422, std::string("outcome")));
  // Characters, not bytes: 1000 Chinese characters (3000 bytes) are fine, 1001 are not.
  EXPECT_EQ(FollowupText(Repeat("回", 1000), "note").size(), 3000u);
  EXPECT_EQ(Refusal([] { FollowupText(Repeat("回", 1001), "note"); }),
            std::make_pair(422, std::string("note")));
  EXPECT_EQ(Refusal([] { FollowupText(Repeat("a", 1001), "note"); }),
            std::make_pair(422, std::string("note")));
}

TEST(FollowupTextTest, CallLineStartsWithTheChinaMinute) {
  EXPECT_EQ(CallLine(At("2026-11-28T02:15:59Z"), "已回访"), "2026-11-28 10:15 已回访");
  EXPECT_EQ(CallLine(At("2026-11-27T16:05:00Z"), "x"), "2026-11-28 00:05 x");
}

TEST(FollowupCursorTest, RoundTripsAndRefusesGarbage) {
  FollowupCursor cursor{At("2026-12-09T17:00:00+08:00"), 42};
  auto text = FollowupCursorText(cursor);
  EXPECT_EQ(text, "f1.1796806800.42");
  auto back = ParseFollowupCursor(text);
  EXPECT_EQ(back.due_at, cursor.due_at);
  EXPECT_EQ(back.id, 42);
  for (const char* bad : {"", "f1.", "f1.12", "f1.x.1", "k1.1.1", "f1.1.2x"}) {
    EXPECT_EQ(Refusal([&] { ParseFollowupCursor(bad); }),
              std::make_pair(400, std::string("cursor")))
        << bad;
  }
}

// Remembers what the service asked for and answers with a fixed follow-up.
class FakeStore : public FollowupStore {
 public:
  std::vector<Followup> List(const SupervisionScope& scope, const FollowupQuery& query) override {
    last_scope = scope;
    last_query = query;
    return listed;
  }
  Followup Apply(std::int64_t id, const SupervisionScope& scope,
                 const FollowupWrite& write) override {
    ++writes;
    last_id = id;
    last_scope = scope;
    last_write = write;
    Followup f;
    f.id = id;
    return f;
  }
  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string&,
                                                     const std::string&) override {
    return std::nullopt;
  }
  std::vector<Followup> listed;
  int writes = 0;
  std::int64_t last_id = 0;
  SupervisionScope last_scope;
  FollowupQuery last_query;
  FollowupWrite last_write;
};

class FollowupServiceTest : public ::testing::Test {
 protected:
  FakeStore store_;
  kernel::ManualClock clock_{At("2026-11-28T10:15:30+08:00")};
  FollowupService service_{store_, clock_};
  SupervisionScope lixia_{.region_code = "370102"};
};

TEST_F(FollowupServiceTest, ACallIsOneTimestampedLine) {
  service_.RecordCall(7, lixia_, 3, "  已电话联系申请人 ");
  EXPECT_EQ(store_.last_id, 7);
  EXPECT_EQ(store_.last_scope.region_code, "370102");
  EXPECT_EQ(store_.last_write.call_line, "2026-11-28 10:15 已电话联系申请人");
  EXPECT_FALSE(store_.last_write.outcome.has_value());
  EXPECT_EQ(store_.last_write.user_id, 3);
  EXPECT_EQ(store_.last_write.at, At("2026-11-28T10:15:30+08:00"));
}

TEST_F(FollowupServiceTest, ClosingSetsTheOutcomeAndTheOptionalNote) {
  service_.Close(7, lixia_, 3, "已解决", std::nullopt);
  EXPECT_EQ(store_.last_write.outcome, "已解决");
  EXPECT_FALSE(store_.last_write.call_line.has_value());
  service_.Close(7, lixia_, 3, "已解决", std::string("申请人满意"));
  EXPECT_EQ(store_.last_write.call_line, "2026-11-28 10:15 申请人满意");
}

TEST_F(FollowupServiceTest, BadTextIsRefusedBeforeAnythingIsWritten) {
  EXPECT_EQ(Refusal([&] { service_.RecordCall(7, lixia_, 3, ""); }),
            std::make_pair(422, std::string("note")));
  EXPECT_EQ(Refusal([&] { service_.Close(7, lixia_, 3, " ", std::nullopt); }),
            std::make_pair(422, std::string("outcome")));
  EXPECT_EQ(Refusal([&] { service_.Close(7, lixia_, 3, "好", std::string()); }),
            std::make_pair(422, std::string("note")));
  EXPECT_EQ(store_.writes, 0);
}

TEST_F(FollowupServiceTest, PagesAskForOneMoreAndPointAfterTheLast) {
  for (std::int64_t id = 1; id <= 3; ++id) {
    Followup f;
    f.id = id;
    f.due_at = At("2026-12-01T17:00:00+08:00") + std::chrono::hours(24 * id);
    store_.listed.push_back(f);
  }
  FollowupQuery query;
  query.limit = 2;
  auto page = service_.List(lixia_, query);
  ASSERT_EQ(page.followups.size(), 2u);
  ASSERT_TRUE(page.next.has_value());
  EXPECT_EQ(page.next->id, 2);
  EXPECT_EQ(page.next->due_at, page.followups[1].due_at);
  query.limit = 3;
  EXPECT_FALSE(service_.List(lixia_, query).next.has_value());
  query.limit = 0;
  EXPECT_EQ(Refusal([&] { service_.List(lixia_, query); }),
            std::make_pair(400, std::string("limit")));
  query.limit = kMaxFollowupPage + 1;
  EXPECT_EQ(Refusal([&] { service_.List(lixia_, query); }),
            std::make_pair(400, std::string("limit")));
}

TEST(FollowupTest, OverdueWhenOpenPastDue) {
  Followup f;
  f.due_at = At("2026-11-02T17:00:00+08:00");
  EXPECT_FALSE(f.IsOverdue(At("2026-11-02T17:00:00+08:00")));
  EXPECT_TRUE(f.IsOverdue(At("2026-11-02T17:00:01+08:00")));
  f.closed_at = At("2026-11-03T09:00:00+08:00");
  EXPECT_FALSE(f.IsOverdue(At("2026-11-20T10:00:00+08:00")));
}

}  // namespace
}  // namespace daiban::supervision
