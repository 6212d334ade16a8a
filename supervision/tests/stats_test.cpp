// The statistics domain without servers: rounding, the nearest-rank p90, the period rules,
// overdue, grouping and the null rules, and the CSV rendering. Every expected figure is
// computed by hand in the comment beside it.
#include "daiban/supervision/stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/errors.hpp"
#include "refusal.hpp"

namespace daiban::supervision {
namespace {

using namespace std::chrono_literals;
using std::chrono::year;

Moment At(const char* rfc3339) { return *cases::ParseRfc3339(rfc3339); }
cases::CivilDate Date(const char* iso) { return *cases::ParseIsoDate(iso); }

// The 2026 National Day week (Oct 1-7 off, Saturday Oct 10 worked), 09:00-17:00.
cases::WorkingCalendar Calendar() {
  std::vector<cases::CalendarEntry> entries;
  for (int day = 1; day <= 7; ++day) {
    entries.push_back({cases::CivilDate(year(2026), std::chrono::October, std::chrono::day(day)),
                       cases::DayKind::kHoliday, "国庆节"});
  }
  entries.push_back({Date("2026-10-10"), cases::DayKind::kWorkday, "国庆节调休上班"});
  return cases::WorkingCalendar(entries, {year(2026)});
}

using daiban::testing::Refusal;
using kernel::CsvField;

TEST(StatsDecimalTest, RoundsHalfUpFromTheExactFraction) {
  EXPECT_EQ(Decimal::Of(19, 8, 2).Text(), "2.38");   // 2.375 -> 2.38
  EXPECT_EQ(Decimal::Of(13, 8, 2).Text(), "1.63");   // 1.625 -> 1.63
  EXPECT_EQ(Decimal::Of(29, 16, 2).Text(), "1.81");  // 1.8125 -> 1.81
  EXPECT_EQ(Decimal::Of(1, 200, 2).Text(), "0.01");  // 0.005 -> 0.01
  EXPECT_EQ(Decimal::Of(1, 201, 2).Text(), "0");     // 0.004975... -> 0.00
  EXPECT_EQ(Decimal::Of(2, 3, 4).Text(), "0.6667");  // 0.66666... -> 0.6667
  EXPECT_EQ(Decimal::Of(3, 4, 4).Text(), "0.75");
  EXPECT_EQ(Decimal::Of(1, 1, 4).Text(), "1");
  EXPECT_EQ(Decimal::Of(1, 20, 2).Text(), "0.05");
  EXPECT_EQ(Decimal::Of(1005, 1000, 2).Text(), "1.01");  // 1.005: exact, not 1.00499999
  EXPECT_DOUBLE_EQ(Decimal::Of(19, 8, 2).Value(), 2.38);
  EXPECT_EQ(Decimal::Of(2, 3, 4).scaled, 6667);
}

TEST(StatsPercentileTest, NearestRankIsTheCeilingOfNinetyPercentOfN) {
  EXPECT_EQ(NearestRank(1, 90), 1u);    // ceil(0.9)
  EXPECT_EQ(NearestRank(2, 90), 2u);    // ceil(1.8)
  EXPECT_EQ(NearestRank(4, 90), 4u);    // ceil(3.6)
  EXPECT_EQ(NearestRank(10, 90), 9u);   // ceil(9.0): exactly 9
  EXPECT_EQ(NearestRank(11, 90), 10u);  // ceil(9.9)
  EXPECT_EQ(NearestRank(20, 90), 18u);
  EXPECT_EQ(NearestRank(21, 90), 19u);  // ceil(18.9)
}

TEST(StatsPeriodTest, DefaultsToTheThirtyDaysEndingToday) {
  auto period = ResolveStatsPeriod(std::nullopt, std::nullopt, Date("2026-11-30"));
  EXPECT_EQ(period.from, Date("2026-11-01"));
  EXPECT_EQ(period.to, Date("2026-11-30"));
  // China midnights: 2026-11-01 00:00+08:00 is 2026-10-31 16:00 UTC; the end is Dec 1 00:00.
  EXPECT_EQ(period.Start(), At("2026-10-31T16:00:00Z"));
  EXPECT_EQ(period.End(), At("2026-11-30T16:00:00Z"));
  period = ResolveStatsPeriod(std::nullopt, "2026-03-01", Date("2026-11-30"));
  EXPECT_EQ(period.from, Date("2026-01-31"));  // 30 days: Jan 31 .. Mar 1 (28 days in Feb)
  period = ResolveStatsPeriod("2026-11-15", std::nullopt, Date("2026-11-30"));
  EXPECT_EQ(period.from, Date("2026-11-15"));
  EXPECT_EQ(period.to, Date("2026-11-30"));
  period = ResolveStatsPeriod("2026-11-15", "2026-11-15", Date("2026-11-30"));
  EXPECT_EQ(period.End() - period.Start(), 24h);  // one day
}

TEST(StatsPeriodTest, BadDatesOrderAndLengthAre422NamingTheField) {
  const auto today = Date("2026-11-30");
  auto refusal = [&](std::optional<std::string> from, std::optional<std::string> to) {
    return Refusal([&] { ResolveStatsPeriod(from, to, today); });
  };
  EXPECT_EQ(refusal("2026-13-01", "2026-11-30"), std::make_pair(422, std::string("from")));
  EXPECT_EQ(refusal("2026-11-01", "2026-02-29"), std::make_pair(422, std::string("to")));
  EXPECT_EQ(refusal("2026-11-01", "30.11.2026"), std::make_pair(422, std::string("to")));
  EXPECT_EQ(refusal("", std::nullopt), std::make_pair(422, std::string("from")));
  EXPECT_EQ(refusal("2026-11-02", "2026-11-01"), std::make_pair(422, std::string("to")));
  EXPECT_EQ(refusal("2026-12-01", std::nullopt), std::make_pair(422, std::string("to")));
  // 2024-01-01 .. 2024-12-31 is 366 days (a leap year): allowed; one more day is not.
  EXPECT_EQ(refusal("2024-01-01", "2024-12-31"), std::make_pair(0, std::string()));
  EXPECT_EQ(refusal("2024-01-01", "2025-01-01"), std::make_pair(422, std::string("from")));
}

CohortCase Accepted(const char* accepted, const char* deadline) {
  CohortCase c;
  c.state = "accepted";
  c.accepted_at = At(accepted);
  c.deadline_at = At(deadline);
  return c;
}

TEST(StatsOverdueTest, FinishedLateOrOpenPastTheDeadlineByItsOwnClock) {
  const Moment now = At("2026-11-20T10:00:00+08:00");
  auto c = Accepted("2026-11-02T10:00:00+08:00", "2026-11-04T17:00:00+08:00");
  EXPECT_TRUE(IsOverdue(c, now));  // accepted, past the deadline
  c.state = "in_progress";
  EXPECT_TRUE(IsOverdue(c, now));
  EXPECT_FALSE(IsOverdue(c, At("2026-11-04T17:00:00+08:00")));  // at the deadline: not yet
  c.state = "cancelled";
  EXPECT_FALSE(IsOverdue(c, now));
  c.state = "rejected";
  EXPECT_FALSE(IsOverdue(c, now));
  c.state = "suspended";
  c.suspended_at = At("2026-11-03T10:00:00+08:00");  // stopped before its deadline
  EXPECT_FALSE(IsOverdue(c, now));
  c.suspended_at = At("2026-11-05T10:00:00+08:00");  // already late when it stopped
  EXPECT_TRUE(IsOverdue(c, now));
  c.state = "closed";
  c.result_ready_at = At("2026-11-04T17:00:00+08:00");  // on the dot: on time
  EXPECT_FALSE(IsOverdue(c, now));
  c.result_ready_at = At("2026-11-04T17:00:01+08:00");
  EXPECT_TRUE(IsOverdue(c, now));
  CohortCase submitted;
  submitted.state = "submitted";
  EXPECT_FALSE(IsOverdue(submitted, now));
}

// a: department B, 市中区, agent 7, accepted Mon 2026-11-02 09:00, result 13:00 (4 h = 0.5
//    working days), deadline 17:00: on time; rated 4; we_run, proxy.
// b: department A, 历下区, no agent, submitted only; a bundle, led.
// c: department A, 历下区, agent 12, accepted Mon 09:00, deadline Tue 17:00, in progress at
//    now (Fri 2026-11-20): overdue; reassigned; zero_trip, assisted; open follow-up.
std::vector<CohortCase> SmallCohort() {
  CohortCase a = Accepted("2026-11-02T09:00:00+08:00", "2026-11-02T17:00:00+08:00");
  a.id = 1;
  a.department_code = "B";
  a.department_name = "乙";
  a.district_code = "370103";
  a.district_name = "市中区";
  a.agent_id = 7;
  a.agent_name = "钱代办";
  a.state = "closed";
  a.result_ready_at = At("2026-11-02T13:00:00+08:00");
  a.rating = 4;
  a.service_class = "we_run";
  a.mode = "proxy";
  CohortCase b;
  b.id = 2;
  b.department_code = "A";
  b.department_name = "甲";
  b.district_code = "370102";
  b.district_name = "历下区";
  b.state = "submitted";
  b.service_class = "bundle";
  b.mode = "led";
  CohortCase c = Accepted("2026-11-02T09:00:00+08:00", "2026-11-03T17:00:00+08:00");
  c.id = 3;
  c.department_code = "A";
  c.department_name = "甲";
  c.district_code = "370102";
  c.district_name = "历下区";
  c.agent_id = 12;
  c.agent_name = "赵代办";
  c.state = "in_progress";
  c.reassigned = true;
  c.service_class = "zero_trip";
  c.mode = "assisted";
  c.followup = FollowupState::kOpen;
  return {a, b, c};
}

const StatsPeriod kNovember{Date("2026-11-01"), Date("2026-11-30")};
const Moment kNow = At("2026-11-20T10:00:00+08:00");

TEST(StatsComputeTest, DepartmentsWithTheNullRules) {
  auto report = ComputeStats(StatsGroup::kDepartments, kNovember, SmallCohort(), Calendar(), kNow);
  ASSERT_EQ(report.rows.size(), 2u);
  const auto& a = report.rows[0];  // ordered by key: A, B
  EXPECT_EQ(a.key, "A");
  EXPECT_EQ(a.name, "甲");
  StatsMetrics expected_a;
  expected_a.received = 2;
  expected_a.accepted = 1;
  expected_a.overdue = 1;
  expected_a.reassigned = 1;
  expected_a.followups_open = 1;
  // Nothing finished, nothing rated: rate, mean, p90 and rating average are absent.
  EXPECT_EQ(a.metrics, expected_a);
  const auto& b = report.rows[1];
  EXPECT_EQ(b.key, "B");
  StatsMetrics expected_b;
  expected_b.received = 1;
  expected_b.accepted = 1;
  expected_b.finished = 1;
  expected_b.on_time = 1;
  expected_b.on_time_rate = Decimal::Of(1, 1, 4);       // 1/1
  expected_b.mean_working_days = Decimal::Of(1, 2, 2);  // 4 h / 8 h = 0.5
  expected_b.p90_working_days = Decimal::Of(1, 2, 2);
  expected_b.rating_average = Decimal::Of(4, 1, 2);
  expected_b.ratings = 1;
  EXPECT_EQ(b.metrics, expected_b);
  StatsMetrics totals = expected_b;
  totals.received = 3;
  totals.accepted = 2;
  totals.overdue = 1;
  totals.reassigned = 1;
  totals.followups_open = 1;
  EXPECT_EQ(report.totals, totals);
  using Counts = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(report.by_class,
            (Counts{{"zero_trip", 1}, {"one_trip", 0}, {"we_run", 1}, {"bundle", 1}}));
  EXPECT_EQ(report.by_mode, (Counts{{"proxy", 1}, {"assisted", 1}, {"led", 1}}));
}

TEST(StatsComputeTest, AgentsAreOrderedByIdAndCasesWithoutOneCountOnlyInTheTotals) {
  auto report = ComputeStats(StatsGroup::kAgents, kNovember, SmallCohort(), Calendar(), kNow);
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0].key, "7");  // 7 before 12: by number, not by text
  EXPECT_EQ(report.rows[0].name, "钱代办");
  EXPECT_EQ(report.rows[1].key, "12");
  EXPECT_EQ(report.rows[0].metrics.received + report.rows[1].metrics.received, 2);
  EXPECT_EQ(report.totals.received, 3);  // case b has no agent
}

TEST(StatsComputeTest, RegionsGroupByDistrict) {
  auto report = ComputeStats(StatsGroup::kRegions, kNovember, SmallCohort(), Calendar(), kNow);
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0].key, "370102");
  EXPECT_EQ(report.rows[0].name, "历下区");
  EXPECT_EQ(report.rows[0].metrics.received, 2);
  EXPECT_EQ(report.rows[1].key, "370103");
  EXPECT_EQ(report.rows[1].metrics.received, 1);
}

// Ten cases accepted Mon 2026-11-02 09:00 whose results took 1, 2, ..., 10 working hours
// (9 and 10 end on Tuesday at 10:00 and 11:00). Sorted, nearest rank ceil(0.9 * 10) = 9 is
// 9 h = 1.125 days -> 1.13; the mean is 55 h / 10 = 5.5 h = 0.6875 days -> 0.69.
TEST(StatsComputeTest, MeanAndNearestRankP90InWorkingDays) {
  CohortCase base = Accepted("2026-11-02T09:00:00+08:00", "2026-11-09T17:00:00+08:00");
  base.department_code = "A";
  base.state = "closed";
  std::vector<CohortCase> cohort;
  for (int hours = 10; hours >= 1; --hours) {  // any order
    CohortCase c = base;
    c.id = hours;
    c.result_ready_at = hours <= 8
                            ? At("2026-11-02T09:00:00+08:00") + std::chrono::hours(hours)
                            : At("2026-11-03T09:00:00+08:00") + std::chrono::hours(hours - 8);
    cohort.push_back(c);
  }
  auto m = ComputeStats(StatsGroup::kDepartments, kNovember, cohort, Calendar(), kNow).totals;
  EXPECT_EQ(m.finished, 10);
  EXPECT_EQ(m.on_time, 10);
  EXPECT_EQ(m.p90_working_days->Text(), "1.13");
  EXPECT_EQ(m.mean_working_days->Text(), "0.69");
  // With an eleventh, slower case (20 h): rank ceil(9.9) = 10 -> 10 h = 1.25 days.
  CohortCase slow = cohort.front();
  slow.id = 20;
  slow.result_ready_at = At("2026-11-04T13:00:00+08:00");  // 8 + 8 + 4 = 20 h
  cohort.push_back(slow);
  m = ComputeStats(StatsGroup::kDepartments, kNovember, cohort, Calendar(), kNow).totals;
  EXPECT_EQ(m.p90_working_days->Text(), "1.25");
  EXPECT_EQ(m.mean_working_days->Text(), "0.85");  // 75 h / 11 = 6.818 h = 0.8523 days
}

// Accepted Wed 2026-09-30 16:00, result Fri 2026-10-09 10:00: 1 h on Sep 30, the holidays
// Oct 1-7 count nothing, 8 h on Oct 8, 1 h on Oct 9 = 10 h = 1.25 days. The deadline was
// Oct 8 17:00: late (overdue, not on time; rate 0/1 = 0).
TEST(StatsComputeTest, WorkingTimeSkipsHolidays) {
  auto c = Accepted("2026-09-30T16:00:00+08:00", "2026-10-08T17:00:00+08:00");
  c.department_code = "A";
  c.state = "result_ready";
  c.result_ready_at = At("2026-10-09T10:00:00+08:00");
  auto m = ComputeStats(StatsGroup::kDepartments, kNovember, {c}, Calendar(), kNow).totals;
  EXPECT_EQ(m.mean_working_days->Text(), "1.25");
  EXPECT_EQ(m.on_time, 0);
  EXPECT_EQ(m.on_time_rate->Text(), "0");
  EXPECT_EQ(m.overdue, 1);
}

TEST(StatsComputeTest, AnEmptyCohortHasOnlyZerosAndNulls) {
  auto report = ComputeStats(StatsGroup::kRegions, kNovember, {}, Calendar(), kNow);
  EXPECT_TRUE(report.rows.empty());
  EXPECT_EQ(report.totals, StatsMetrics{});
  EXPECT_FALSE(report.totals.on_time_rate.has_value());
  EXPECT_FALSE(report.totals.rating_average.has_value());
}

TEST(StatsCsvTest, FieldsAreQuotedByRfc4180) {
  EXPECT_EQ(CsvField("历下区"), "历下区");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(CsvField(""), "");
}

// A department or region name is imported text: in a spreadsheet it must stay text.
TEST(StatsCsvTest, FormulaCellsAreNeutralised) {
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-2+3"), "'-2+3");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\tx"), "'\tx");
  EXPECT_EQ(CsvField("\rx"), "\"'\rx\"");
  EXPECT_EQ(CsvField("a=b"), "a=b");
  StatsReport report;
  report.rows.push_back({"=cmd|' /C calc'!A0", "@x", {}});
  const std::string csv = RenderStatsCsv(report);
  EXPECT_NE(csv.find("'=cmd|' /C calc'!A0,'@x,"), std::string::npos) << csv;
}

TEST(StatsCsvTest, ByteOrderMarkCrlfHeadersRowsAndTotals) {
  auto cohort = SmallCohort();
  cohort[0].department_name = "人社局 \"一窗\", 经七路";
  auto report = ComputeStats(StatsGroup::kDepartments, kNovember, cohort, Calendar(), kNow);
  const std::string expected =
      "\xEF\xBB\xBF"
      "编码,名称,收件数,受理数,办结数,按时办结数,按时办结率,平均办结工作日,P90办结工作日,超期数,"
      "改派数,平均评分,评价数,回访未结,回访已结\r\n"
      "A,甲,2,1,0,0,,,,1,1,,0,1,0\r\n"
      "B,\"人社局 \"\"一窗\"\", 经七路\",1,1,1,1,1,0.5,0.5,0,0,4,1,0,0\r\n"
      ",合计,3,2,1,1,1,0.5,0.5,1,1,4,1,1,0\r\n";
  EXPECT_EQ(RenderStatsCsv(report), expected);
  EXPECT_EQ(StatsFileName(report, "csv"), "stats-departments-2026-11-01-2026-11-30.csv");
  EXPECT_EQ(StatsColumnHeaders().size(), 15u);
}

// Two settled cases of one day, region, department and agent are one roll-up; a third on the
// next day is another. Case a of SmallCohort: 4 working hours, on time, rated 4.
TEST(StatsRollupTest, SumsPerDayRegionDepartmentAndAgent) {
  auto a = SmallCohort()[0];
  a.region_code = "370103001";
  auto late = a;
  late.id = 10;
  late.result_ready_at = At("2026-11-03T10:00:00+08:00");  // 8 + 1 = 9 h, after 17:00 Mon
  late.rating.reset();
  late.reassigned = true;
  late.followup = FollowupState::kClosed;
  late.mode = "led";
  auto next_day = a;
  next_day.id = 11;
  next_day.created_at = a.created_at + std::chrono::days(1);
  const auto rollups = RollUpCases({next_day, a, late}, Calendar());
  ASSERT_EQ(rollups.size(), 2u);
  const auto& first = rollups[0];  // ordered by day
  EXPECT_EQ(first.day, cases::ChinaDateOf(a.created_at));
  EXPECT_EQ(first.region_code, "370103001");
  EXPECT_EQ(first.department_code, "B");
  EXPECT_EQ(first.agent_id, 7);
  EXPECT_EQ(first.counts.received, 2);
  EXPECT_EQ(first.counts.finished, 2);
  EXPECT_EQ(first.counts.on_time, 1);
  EXPECT_EQ(first.counts.overdue, 1);
  EXPECT_EQ(first.counts.reassigned, 1);
  EXPECT_EQ(first.counts.ratings, 1);
  EXPECT_EQ(first.rating_sum, 4);
  EXPECT_EQ(first.counts.followups_closed, 1);
  EXPECT_EQ(first.by_class, (std::array<int, 4>{0, 0, 2, 0}));
  EXPECT_EQ(first.by_mode, (std::array<int, 3>{1, 0, 1}));
  auto spans = first.working_seconds;
  std::sort(spans.begin(), spans.end());
  EXPECT_EQ(spans, (std::vector<std::int64_t>{4 * 3600, 9 * 3600}));
  EXPECT_FALSE(first.counts.on_time_rate.has_value());  // counters only
  EXPECT_EQ(rollups[1].counts.received, 1);
}

// Case c of SmallCohort runs (in progress) past its deadline: its deadline is kept, and it is
// overdue only for a report made after it.
TEST(StatsRollupTest, ARunningCaseKeepsItsDeadlineForOverdueNow) {
  auto cohort = SmallCohort();
  for (auto& c : cohort) c.region_code = c.district_code;
  const auto rollups = RollUpCases(cohort, Calendar());
  const auto c = cohort[2];
  std::vector<std::int64_t> deadlines;
  int overdue = 0;
  for (const auto& r : rollups) {
    deadlines.insert(deadlines.end(), r.running_deadlines.begin(), r.running_deadlines.end());
    overdue += r.counts.overdue;
  }
  EXPECT_EQ(deadlines, (std::vector<std::int64_t>{c.deadline_at->time_since_epoch().count()}));
  EXPECT_EQ(overdue, 0);  // a was on time; c's overdue depends on now
  auto before = ComputeStats(StatsGroup::kDepartments, kNovember, {}, rollups, Calendar(),
                             *c.deadline_at);  // at the deadline: not yet
  EXPECT_EQ(before.totals.overdue, 0);
  auto after = ComputeStats(StatsGroup::kDepartments, kNovember, {}, rollups, Calendar(), kNow);
  EXPECT_EQ(after.totals.overdue, 1);
  EXPECT_EQ(after.totals,
            ComputeStats(StatsGroup::kDepartments, kNovember, cohort, Calendar(), kNow).totals);
  for (const char* state : {"accepted", "assigned", "in_progress"}) {
    CohortCase running;
    running.state = state;
    EXPECT_TRUE(IsRunning(running)) << state;
  }
  for (const char* state :
       {"submitted", "suspended", "result_ready", "delivered", "closed", "rejected", "cancelled"}) {
    CohortCase settled;
    settled.state = state;
    EXPECT_FALSE(IsRunning(settled)) << state;
  }
}

// 600 cases of every kind over ten days: half rolled up and half raw give the very report
// (every group, the totals, by class and mode, the CSV) the cases give.
TEST(StatsRollupTest, RollUpsMergedGiveTheReportOfTheirCases) {
  const std::vector<std::string> states = {"submitted", "accepted",     "assigned",  "in_progress",
                                           "suspended", "result_ready", "delivered", "closed",
                                           "rejected",  "cancelled"};
  const std::vector<std::string> classes = {"zero_trip", "one_trip", "we_run", "bundle", ""};
  const std::vector<std::string> modes = {"proxy", "assisted", "led"};
  const std::vector<std::string> regions = {"370102001", "370102", "370103001", "370103"};
  std::uint64_t seed = 7;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  std::vector<CohortCase> cohort;
  for (int i = 1; i <= 600; ++i) {
    const Moment created = At("2026-11-02T08:00:00+08:00") + std::chrono::hours(next(10 * 24));
    CohortCase c;
    c.id = i;
    c.created_at = created;
    c.region_code = regions[next(regions.size())];
    c.district_code = c.region_code.substr(0, 6);
    c.district_name = c.district_code == "370102" ? "历下区" : "市中区";
    c.department_code = next(2) == 0 ? "A" : "B";
    c.department_name = c.department_code == "A" ? "甲" : "乙";
    c.agent_id = static_cast<std::int64_t>(next(4));  // 0: none
    c.agent_name = c.agent_id == 0 ? "" : "代办" + std::to_string(c.agent_id);
    c.state = states[next(states.size())];
    c.service_class = classes[next(classes.size())];
    c.mode = modes[next(modes.size())];
    if (c.state != "submitted") {
      c.accepted_at = created + std::chrono::minutes(next(600));
      c.deadline_at = *c.accepted_at + std::chrono::hours(next(100));
      if (next(3) > 0) c.result_ready_at = *c.accepted_at + std::chrono::minutes(next(9000));
      if (c.state == "suspended") c.suspended_at = *c.accepted_at + std::chrono::hours(next(50));
    }
    c.reassigned = next(5) == 0;
    if (next(3) == 0) c.rating = static_cast<int>(next(5)) + 1;
    c.followup = static_cast<FollowupState>(next(3));
    cohort.push_back(c);
  }
  // The first 300 cases rolled up, the others read raw (a report over clean and dirty days).
  const std::vector<CohortCase> rolled_up(cohort.begin(), cohort.begin() + 300);
  const std::vector<CohortCase> raw_cases(cohort.begin() + 300, cohort.end());
  auto rollups = RollUpCases(rolled_up, Calendar());
  ASSERT_LT(rollups.size(), rolled_up.size());  // something was summed
  for (auto& r : rollups) {                     // what the store resolves when it reads a roll-up
    r.department_name = r.department_code == "A" ? "甲" : "乙";
    r.district_code = r.region_code.substr(0, 6);
    r.district_name = r.district_code == "370102" ? "历下区" : "市中区";
    r.agent_name = r.agent_id == 0 ? "" : "代办" + std::to_string(r.agent_id);
  }
  for (auto group : {StatsGroup::kDepartments, StatsGroup::kRegions, StatsGroup::kAgents}) {
    const auto raw = ComputeStats(group, kNovember, cohort, Calendar(), kNow);
    const auto rolled = ComputeStats(group, kNovember, raw_cases, rollups, Calendar(), kNow);
    EXPECT_EQ(RenderStatsCsv(rolled), RenderStatsCsv(raw)) << ToWord(group);
    ASSERT_EQ(rolled.rows.size(), raw.rows.size());
    for (std::size_t i = 0; i < raw.rows.size(); ++i) {
      EXPECT_EQ(rolled.rows[i].metrics, raw.rows[i].metrics) << raw.rows[i].key;
    }
    EXPECT_EQ(rolled.totals, raw.totals);
    EXPECT_EQ(rolled.by_class, raw.by_class);
    EXPECT_EQ(rolled.by_mode, raw.by_mode);
  }
}

TEST(StatsRollupTest, TheCalendarKeyChangesWithWhatWorkingTimeDependsOn) {
  const auto key = CalendarKey(Calendar());
  EXPECT_EQ(CalendarKey(Calendar()), key);
  std::vector<cases::CalendarEntry> renamed = Calendar().entries();
  renamed[0].name = "另一个名字";  // names are for display: same key
  EXPECT_EQ(CalendarKey(cases::WorkingCalendar(renamed, {year(2026)})), key);
  auto moved = Calendar().entries();
  moved.pop_back();  // Saturday Oct 10 no longer worked
  EXPECT_NE(CalendarKey(cases::WorkingCalendar(moved, {year(2026)})), key);
  EXPECT_NE(CalendarKey(cases::WorkingCalendar(Calendar().entries(), {year(2026), year(2027)})),
            key);
  EXPECT_NE(
      CalendarKey(cases::WorkingCalendar(Calendar().entries(), {year(2026)},
                                         cases::OfficeHours{.close = std::chrono::hours(18)})),
      key);
}

TEST(StatsLabelsTest, ClassesAndModesInChinese) {
  EXPECT_EQ(ServiceClassLabel("zero_trip"), "零跑腿");
  EXPECT_EQ(ServiceClassLabel("one_trip"), "只跑一次");
  EXPECT_EQ(ServiceClassLabel("we_run"), "你不用跑我来跑");
  EXPECT_EQ(ServiceClassLabel("bundle"), "一件事");
  EXPECT_EQ(ModeLabel("proxy"), "代办");
  EXPECT_EQ(ModeLabel("assisted"), "帮办");
  EXPECT_EQ(ModeLabel("led"), "领办");
}

}  // namespace
}  // namespace daiban::supervision
