// The supervision use cases against the in-memory stores of supervision/testing: the report of
// the clock's period in a scope, follow-ups listed, called and closed in a scope, and the
// notification sender's retries, give-ups and leases. No server; the same contracts are held
// by the PostgreSQL stores in pg/tests.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "daiban/supervision/followups.hpp"
#include "daiban/supervision/notifications.hpp"
#include "daiban/supervision/stats_service.hpp"
#include "daiban/supervision/testing/memory_stores.hpp"
#include "refusal.hpp"

namespace daiban::supervision {
namespace {

using daiban::testing::Refusal;
using supervision::testing::MemoryFollowupStore;
using supervision::testing::MemoryNotificationStore;
using supervision::testing::MemoryStatsStore;
using supervision::testing::RegionTree;

Moment At(const char* rfc3339) { return *cases::ParseRfc3339(rfc3339); }

// Jinan 370100 > 历下区 370102 > 解放路街道 370102001; 市中区 370103.
RegionTree Jinan() {
  RegionTree tree;
  tree.Add("370102", "370100").Add("370102001", "370102").Add("370103", "370100");
  return tree;
}

// 2026 without holidays: every weekday works 09:00-17:00.
class PlainCalendar final : public cases::CalendarSource {
 public:
  std::shared_ptr<const cases::WorkingCalendar> Current() override { return calendar_; }

 private:
  std::shared_ptr<const cases::WorkingCalendar> calendar_ =
      std::make_shared<cases::WorkingCalendar>(
          std::vector<cases::CalendarEntry>{},
          std::set<std::chrono::year>{std::chrono::year(2026)});
};

CohortCase Filed(std::int64_t id, const char* created, const char* department) {
  CohortCase c;
  c.id = id;
  c.department_code = department;
  c.department_name = department;
  c.state = "submitted";
  c.service_class = "we_run";
  c.mode = "proxy";
  c.created_at = At(created);
  return c;
}

class StatsServiceTest : public ::testing::Test {
 protected:
  StatsServiceTest() {
    // In the default period (the 30 China days ending today, 2026-11-20):
    cohort_.Add(Filed(1, "2026-11-02T10:00:00+08:00", "JN-SWJ"), "370102001");  // street
    cohort_.Add(Filed(2, "2026-11-03T10:00:00+08:00", "JN-GAJ"), "370102");
    cohort_.Add(Filed(3, "2026-11-04T10:00:00+08:00", "JN-SWJ"), "370103");
    // 2026-10-21 23:59 China time: the day before the period starts.
    cohort_.Add(Filed(4, "2026-10-21T23:59:59+08:00", "JN-SWJ"), "370102");
    // Today, after midnight China time (still the 19th in UTC): inside.
    cohort_.Add(Filed(5, "2026-11-20T00:30:00+08:00", "JN-SWJ"), "370102");
  }

  RegionTree regions_ = Jinan();
  MemoryStatsStore cohort_{regions_};
  PlainCalendar calendar_;
  kernel::ManualClock clock_{At("2026-11-20T10:00:00+08:00")};
  StatsService stats_{cohort_, calendar_, clock_};
};

TEST_F(StatsServiceTest, TheDefaultPeriodEndsTodayInChinaTime) {
  auto report = stats_.Report(StatsGroup::kDepartments, SupervisionScope::Everything(),
                              std::nullopt, std::nullopt);
  EXPECT_EQ(cases::FormatIsoDate(report.period.from), "2026-10-22");
  EXPECT_EQ(cases::FormatIsoDate(report.period.to), "2026-11-20");
  EXPECT_EQ(report.totals.received, 4);  // 1, 2, 3, 5
}

TEST_F(StatsServiceTest, ARegionScopeCountsItsSubtreeAndADepartmentNarrowsIt) {
  auto lixia = stats_.Report(StatsGroup::kDepartments, SupervisionScope::Of("370102", ""),
                             "2026-11-01", "2026-11-30");
  EXPECT_EQ(lixia.totals.received, 3);  // 1 (its street), 2, 5
  auto lixia_tax = stats_.Report(StatsGroup::kDepartments, SupervisionScope::Of("370102", "JN-SWJ"),
                                 "2026-11-01", "2026-11-30");
  ASSERT_EQ(lixia_tax.rows.size(), 1u);
  EXPECT_EQ(lixia_tax.rows[0].key, "JN-SWJ");
  EXPECT_EQ(lixia_tax.totals.received, 2);  // 1, 5
  auto tax = stats_.Report(StatsGroup::kDepartments, SupervisionScope::Of("", "JN-SWJ"),
                           "2026-11-01", "2026-11-30");
  EXPECT_EQ(tax.totals.received, 3);  // 1, 3, 5 in every district
  auto nothing = stats_.Report(StatsGroup::kDepartments, SupervisionScope::Nothing(), "2026-11-01",
                               "2026-11-30");
  EXPECT_EQ(nothing.totals.received, 0);
  EXPECT_TRUE(nothing.rows.empty());
}

TEST_F(StatsServiceTest, ABadPeriodIsRefusedNamingItsField) {
  EXPECT_EQ(Refusal([&] {
              stats_.Report(StatsGroup::kRegions, SupervisionScope::Everything(), "2026-11-30",
                            "2026-11-01");
            }),
            std::make_pair(422, std::string("to")));
  EXPECT_EQ(Refusal([&] {
              stats_.Report(StatsGroup::kRegions, SupervisionScope::Everything(), "2026-13-01",
                            std::nullopt);
            }),
            std::make_pair(422, std::string("from")));
}

Followup Opened(std::int64_t id, const char* region, const char* due) {
  Followup f;
  f.id = id;
  f.tracking_number = "DB" + std::to_string(id);
  f.region_code = region;
  f.score = 1;
  f.opened_at = At("2026-11-01T10:00:00+08:00");
  f.rated_at = f.opened_at;
  f.due_at = At(due);
  return f;
}

class FollowupUseCaseTest : public ::testing::Test {
 protected:
  FollowupUseCaseTest() {
    followups_.Add(Opened(1, "370102001", "2026-11-25T17:00:00+08:00"), "JN-SWJ");
    followups_.Add(Opened(2, "370102", "2026-11-23T17:00:00+08:00"), "JN-GAJ");
    followups_.Add(Opened(3, "370103", "2026-11-24T17:00:00+08:00"), "JN-SWJ");
    followups_.Add(Opened(4, "370102", "2026-11-23T17:00:00+08:00"), "JN-SWJ");
    followups_.Name(9, "张督办");
  }

  std::vector<std::int64_t> Ids(const SupervisionScope& scope, FollowupFilter filter) {
    std::vector<std::int64_t> ids;
    FollowupQuery query;
    query.filter = filter;
    query.limit = 1;  // one per page: the cursor carries the order
    for (;;) {
      auto page = service_.List(scope, query);
      for (const auto& f : page.followups) ids.push_back(f.id);
      if (!page.next) return ids;
      query.after = page.next;
    }
  }

  RegionTree regions_ = Jinan();
  MemoryFollowupStore followups_{regions_};
  kernel::ManualClock clock_{At("2026-11-20T10:00:00+08:00")};
  FollowupService service_{followups_, clock_};
  SupervisionScope lixia_ = SupervisionScope::Of("370102", "");
};

TEST_F(FollowupUseCaseTest, PagesWalkTheScopeByDueDateThenId) {
  EXPECT_EQ(Ids(SupervisionScope::Everything(), FollowupFilter::kOpen),
            (std::vector<std::int64_t>{2, 4, 3, 1}));
  EXPECT_EQ(Ids(lixia_, FollowupFilter::kOpen), (std::vector<std::int64_t>{2, 4, 1}));
  EXPECT_EQ(Ids(SupervisionScope::Of("", "JN-SWJ"), FollowupFilter::kAll),
            (std::vector<std::int64_t>{4, 3, 1}));
  EXPECT_TRUE(Ids(SupervisionScope::Nothing(), FollowupFilter::kAll).empty());
}

TEST_F(FollowupUseCaseTest, CallsAppendLinesAndClosingMovesItToClosed) {
  service_.RecordCall(4, lixia_, 9, "第一次电话，未接通");
  clock_.Advance(std::chrono::hours(2));
  auto closed = service_.Close(4, lixia_, 9, "已解释，申请人满意", std::string("第二次电话"));
  EXPECT_EQ(closed.call_notes, "2026-11-20 10:00 第一次电话，未接通\n2026-11-20 12:00 第二次电话");
  EXPECT_EQ(closed.outcome, "已解释，申请人满意");
  EXPECT_EQ(closed.closed_at, At("2026-11-20T12:00:00+08:00"));
  EXPECT_EQ(closed.closed_by_name, "张督办");
  EXPECT_EQ(Ids(lixia_, FollowupFilter::kOpen), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(Ids(lixia_, FollowupFilter::kClosed), (std::vector<std::int64_t>{4}));
}

TEST_F(FollowupUseCaseTest, ClosedIsClosedOnceAndOutOfScopeIsUnknown) {
  service_.Close(2, lixia_, 9, "done", std::nullopt);
  EXPECT_EQ(Refusal([&] { service_.Close(2, lixia_, 9, "again", std::nullopt); }),
            std::make_pair(409, std::string("id")));
  EXPECT_EQ(Refusal([&] { service_.RecordCall(2, lixia_, 9, "late call"); }),
            std::make_pair(409, std::string("id")));
  // 市中区's follow-up is as unknown to 历下区 as a number that does not exist.
  EXPECT_EQ(Refusal([&] { service_.RecordCall(3, lixia_, 9, "x"); }),
            Refusal([&] { service_.RecordCall(99, lixia_, 9, "x"); }));
  EXPECT_EQ(Refusal([&] { service_.RecordCall(3, lixia_, 9, "x"); }).first, 404);
}

// Fails the first `failures` deliveries, then delivers; remembers what it delivered.
class CountingSink final : public NotificationSink {
 public:
  explicit CountingSink(int failures) : failures_(failures) {}
  std::string Channel() const override { return "sms"; }
  void Deliver(const Notification& notification) override {
    if (failures_-- > 0) throw std::runtime_error("gateway busy");
    delivered.push_back(notification.id);
  }
  std::vector<std::int64_t> delivered;

 private:
  int failures_;
};

class NotificationSenderTest : public ::testing::Test {
 protected:
  std::int64_t Enqueue(const std::string& channel) {
    NotificationDraft draft;
    draft.case_id = 1;
    draft.channel = channel;
    draft.recipient = "13912345678";
    draft.recipient_masked = "139****5678";
    draft.template_name = "case_accepted";
    return store_.Enqueue(draft, clock_.Now());
  }
  NotificationSender Sender(int failures) {
    std::vector<std::unique_ptr<NotificationSink>> sinks;
    auto sink = std::make_unique<CountingSink>(failures);
    sink_ = sink.get();
    sinks.push_back(std::move(sink));
    NotificationSender::Options options;
    options.max_attempts = 3;
    options.base_backoff = std::chrono::seconds(30);
    return NotificationSender(store_, std::move(sinks), clock_, logger_, options);
  }

  kernel::ManualClock clock_{At("2026-11-20T10:00:00+08:00")};
  kernel::Logger logger_{"test", kernel::LogLevel::kError, clock_};
  MemoryNotificationStore store_;
  CountingSink* sink_ = nullptr;
};

TEST_F(NotificationSenderTest, AFailureIsRetriedAfterItsBackoffThenSent) {
  auto sender = Sender(1);
  const auto id = Enqueue("sms");
  EXPECT_EQ(sender.RunOnce(), 1);
  EXPECT_EQ(store_.At(id).notification.attempts, 1);
  EXPECT_EQ(store_.At(id).last_error, "gateway busy");
  EXPECT_EQ(store_.At(id).next_attempt_at, clock_.Now() + std::chrono::seconds(30));
  clock_.Advance(std::chrono::seconds(29));
  EXPECT_EQ(sender.RunOnce(), 0);  // not due yet
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(sender.RunOnce(), 1);
  EXPECT_EQ(store_.At(id).state, MemoryNotificationStore::State::kSent);
  EXPECT_EQ(store_.At(id).notification.attempts, 2);
  EXPECT_EQ(sink_->delivered, (std::vector<std::int64_t>{id}));
}

TEST_F(NotificationSenderTest, GivenUpAfterTheLastAttemptOrAtOnceWithoutASink) {
  auto sender = Sender(100);
  const auto failing = Enqueue("sms");
  const auto stray = Enqueue("fax");
  sender.RunOnce();  // attempt 1 of sms; fax given up at once
  EXPECT_EQ(store_.At(stray).state, MemoryNotificationStore::State::kGivenUp);
  EXPECT_EQ(store_.At(stray).last_error, "no sink for channel fax");
  clock_.Advance(std::chrono::seconds(30));
  sender.RunOnce();  // attempt 2, next after 60 s
  clock_.Advance(std::chrono::seconds(60));
  sender.RunOnce();  // attempt 3 = max_attempts
  EXPECT_EQ(store_.At(failing).state, MemoryNotificationStore::State::kGivenUp);
  EXPECT_EQ(store_.At(failing).notification.attempts, 3);
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(sender.RunOnce(), 0);
  EXPECT_TRUE(sink_->delivered.empty());
}

TEST_F(NotificationSenderTest, AClaimIsALeaseThatHidesTheRowFromASecondSender) {
  Enqueue("sms");
  // A sender that claimed and died: the row stays hidden until the lease ends.
  ASSERT_EQ(store_.ClaimDue(clock_.Now(), 10).size(), 1u);
  auto sender = Sender(0);
  EXPECT_EQ(sender.RunOnce(), 0);
  clock_.Advance(std::chrono::seconds(900));
  EXPECT_EQ(sender.RunOnce(), 1);
  EXPECT_EQ(sink_->delivered.size(), 1u);
}

}  // namespace
}  // namespace daiban::supervision
