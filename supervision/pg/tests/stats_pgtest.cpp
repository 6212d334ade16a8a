// Statistics and follow-ups against real PostgreSQL, on a fixed data set inserted directly:
// every metric of every group checked against figures computed by hand, the scopes, the CSV
// and XLSX exports read back by an independent reader (tests/stats/check_export.py with
// Debian's python3-openpyxl), the follow-up writes (calls, closing, closing twice, two
// supervisors closing at once), and one scope rule for the case store, follow-ups and statistics.
//
// The data set (China time; the 2026 holiday calendar: Oct 1-7 off, Sat Oct 10 worked; office
// hours 09:00-17:00, so a working day is 8 h). Departments JN-GA and JN-RSJ; districts 历下区
// 370102 (street 370102001) and 市中区 370103 (street 370103001); agents A1 赵代办 and A2 钱代办.
// "now" is Fri 2026-11-20 10:00. The period is 2026-09-28 .. 2026-10-31.
//
//  case item/class     mode     region     dept    agent state        created           accepted
//  deadline     result / other C1   GA-WE we_run   proxy    370102001  JN-GA   A1    closed 09-28
//  00:00:00   09-28 10:00  09-30 17:00  result 09-29 15:00; rated 5 C2   GA-ONE one_trip assisted
//  370102    JN-GA   A1    closed       09-29 09:00      09-30 16:00  10-09 17:00  result 10-10
//  11:00; unassign; rated 2, follow-up open C3   RSJ-WE we_run  led      370103001  JN-RSJ  A2
//  closed       10-12 10:00      10-12 11:00  10-14 17:00  result 10-14 17:00; rated 1, follow-up
//  closed C4   RSJ-BDL bundle proxy    370103     JN-RSJ  A2    in_progress  10-15 09:00      10-15
//  10:00  10-20 17:00  unassign twice C5   GA-ZERO zero_trip proxy 370103001  JN-GA   - submitted
//  10-31 23:59:59   -            - C6   RSJ-WE we_run  assisted 370102001  JN-RSJ  A1    cancelled
//  10-16 09:00      10-16 10:00  10-19 17:00 C7   GA-ONE one_trip led     370102001  JN-GA   A2
//  suspended    10-19 09:00      10-19 09:30  10-21 17:00  suspended 10-20 10:00 C8   GA-WE we_run
//  proxy    370103     JN-GA   A1    delivered    10-20 09:00      10-20 09:00  10-22 17:00  result
//  10-20 13:00; rated 4 X1   outside the period (created 09-27 23:59:59): finished, unassign, rated
//  1, follow-up open X2   outside the period (created 11-01 00:00:00, the first second after it)
//
// Working time from acceptance to result (only finished cases):
//  C1  09-28 10:00-17:00 7 h + 09-29 09:00-15:00 6 h                        = 13 h = 1.625 d
//  C2  09-30 16:00-17:00 1 h + (Oct 1-7 off) 10-08 8 h + 10-09 8 h + Sat 10-10 09:00-11:00 2 h
//                                                                            = 19 h = 2.375 d
//  C3  10-12 11:00-17:00 6 h + 10-13 8 h + 10-14 8 h                        = 22 h = 2.75 d
//  C8  10-20 09:00-13:00                                                    =  4 h = 0.5 d
// On time: C1 (15:00 09-29 <= 09-30 17:00), C3 (exactly at the deadline), C8; C2 is late.
// Overdue at now: C2 (finished late), C4 (in progress, deadline 10-20 passed); not C6
// (cancelled), not C7 (suspended on 10-20, before its deadline 10-21: its clock stopped), not C5
// (never accepted).
//
// Departments (rows by code):
//  JN-GA  = C1 C2 C5 C7 C8: received 5, accepted 4, finished 3 (C1 C2 C8), on time 2 (C1 C8),
//           rate 2/3 = 0.6667, mean (13+19+4)/3 = 12 h = 1.5 d, p90 rank ceil(0.9*3) = 3 ->
//           19 h = 2.375 -> 2.38, overdue 1 (C2), reassigned 1 (C2), ratings 5 2 4 -> 11/3 =
//           3.6667 -> 3.67 (3), follow-ups open 1 (C2), closed 0
//  JN-RSJ = C3 C4 C6: received 3, accepted 3, finished 1, on time 1, rate 1, mean 2.75, p90
//           2.75, overdue 1 (C4), reassigned 1 (C4, counted once), rating 1 (1), open 0, closed 1
//  totals (C1..C8): received 8, accepted 7, finished 4, on time 3, rate 3/4 = 0.75, mean
//           (13+19+22+4)/4 = 14.5 h = 1.8125 -> 1.81, p90 rank ceil(3.6) = 4 -> 22 h = 2.75,
//           overdue 2, reassigned 2, ratings (5+2+1+4)/4 = 3 (4), open 1, closed 1
// Regions (district of the case's region):
//  370102 历下区 = C1 C2 C6 C7: received 4, accepted 4, finished 2, on time 1, rate 0.5, mean
//           (13+19)/2 = 16 h = 2 d, p90 rank ceil(1.8) = 2 -> 2.38, overdue 1, reassigned 1,
//           ratings (5+2)/2 = 3.5 (2), open 1, closed 0
//  370103 市中区 = C3 C4 C5 C8: received 4, accepted 3, finished 2, on time 2, rate 1, mean
//           (22+4)/2 = 13 h = 1.625 -> 1.63, p90 -> 22 h = 2.75, overdue 1, reassigned 1,
//           ratings (1+4)/2 = 2.5 (2), open 0, closed 1
// Agents (by account id; C5 has none and counts only in the totals):
//  A1 = C1 C2 C6 C8: received 4, accepted 4, finished 3, on time 2, rate 0.6667, mean 1.5,
//           p90 2.38, overdue 1, reassigned 1, ratings 3.67 (3), open 1, closed 0
//  A2 = C3 C4 C7: received 3, accepted 3, finished 1, on time 1, rate 1, mean 2.75, p90 2.75,
//           overdue 1, reassigned 1, rating 1 (1), open 0, closed 1
// By class: zero_trip 1 (C5), one_trip 2 (C2 C7), we_run 4 (C1 C3 C6 C8), bundle 1 (C4).
// By mode: proxy 4 (C1 C4 C5 C8), assisted 2 (C2 C6), led 2 (C3 C7).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "daiban/cases/china_time.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "daiban/supervision/pg/pg_followup_store.hpp"
#include "daiban/supervision/pg/pg_stats_store.hpp"
#include "daiban/supervision/stats_service.hpp"
#include "daiban/supervision/stats_xlsx.hpp"
#include "scratch_database.hpp"

namespace daiban::supervision {
namespace {

using nlohmann::json;

Moment At(const std::string& china_time) {  // "2026-11-20 10:00:00"
  std::string text = china_time;
  text[10] = 'T';
  return *cases::ParseRfc3339(text + "+08:00");
}

// The status and code (or field, for validation) of the ApiError `action` throws.
std::pair<int, std::string> Refusal(const std::function<void()>& action) {
  try {
    action();
  } catch (const kernel::ApiError& error) {
    return {error.Status(), error.Code() == "validation_failed" ? error.Field() : error.Code()};
  }
  return {0, ""};
}

// One expected line of a report; nullptr for an absent figure.
struct Expected {
  std::string key;
  std::string name;
  int received, accepted, finished, on_time;
  const char* rate;
  const char* mean;
  const char* p90;
  int overdue, reassigned;
  const char* rating;
  int ratings, open, closed;
};

const char* kRsjName = "济南市人社局 \"一窗受理\", 经七路";  // quotes and a comma for the CSV

const Expected kTotals{"", "合计", 8, 7, 4, 3, "0.75", "1.81", "2.75", 2, 2, "3", 4, 1, 1};
const std::vector<Expected> kDepartments = {
    {"JN-GA", "济南市公安局", 5, 4, 3, 2, "0.6667", "1.5", "2.38", 1, 1, "3.67", 3, 1, 0},
    {"JN-RSJ", kRsjName, 3, 3, 1, 1, "1", "2.75", "2.75", 1, 1, "1", 1, 0, 1}};
const std::vector<Expected> kRegions = {
    {"370102", "历下区", 4, 4, 2, 1, "0.5", "2", "2.38", 1, 1, "3.5", 2, 1, 0},
    {"370103", "市中区", 4, 3, 2, 2, "1", "1.63", "2.75", 1, 1, "2.5", 2, 0, 1}};
// Agents' keys are their account ids, known once inserted.
std::vector<Expected> AgentRows(std::int64_t a1, std::int64_t a2) {
  return {
      {std::to_string(a1), "赵代办", 4, 4, 3, 2, "0.6667", "1.5", "2.38", 1, 1, "3.67", 3, 1, 0},
      {std::to_string(a2), "钱代办", 3, 3, 1, 1, "1", "2.75", "2.75", 1, 1, "1", 1, 0, 1}};
}

std::string Text(const std::optional<Decimal>& value) { return value ? value->Text() : "null"; }
std::string Text(const char* value) { return value ? value : "null"; }

void ExpectMetrics(const StatsMetrics& m, const Expected& e) {
  SCOPED_TRACE(e.key + " " + e.name);
  EXPECT_EQ(m.received, e.received);
  EXPECT_EQ(m.accepted, e.accepted);
  EXPECT_EQ(m.finished, e.finished);
  EXPECT_EQ(m.on_time, e.on_time);
  EXPECT_EQ(Text(m.on_time_rate), Text(e.rate));
  EXPECT_EQ(Text(m.mean_working_days), Text(e.mean));
  EXPECT_EQ(Text(m.p90_working_days), Text(e.p90));
  EXPECT_EQ(m.overdue, e.overdue);
  EXPECT_EQ(m.reassigned, e.reassigned);
  EXPECT_EQ(Text(m.rating_average), Text(e.rating));
  EXPECT_EQ(m.ratings, e.ratings);
  EXPECT_EQ(m.followups_open, e.open);
  EXPECT_EQ(m.followups_closed, e.closed);
}

void ExpectReport(const StatsReport& report, const std::vector<Expected>& rows,
                  const Expected& totals) {
  ASSERT_EQ(report.rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(report.rows[i].key, rows[i].key);
    EXPECT_EQ(report.rows[i].name, rows[i].name);
    ExpectMetrics(report.rows[i].metrics, rows[i]);
  }
  ExpectMetrics(report.totals, totals);
}

json ExpectedLine(const Expected& e) {
  auto figure = [](const char* value) { return value ? json(value) : json(nullptr); };
  return json::array({e.key, e.name, e.received, e.accepted, e.finished, e.on_time, figure(e.rate),
                      figure(e.mean), figure(e.p90), e.overdue, e.reassigned, figure(e.rating),
                      e.ratings, e.open, e.closed});
}

// 2026-11-20 (a Friday) 10:00 China time.
const Moment kNow = At("2026-11-20 10:00:00");

class StatsPgTest : public ::testing::Test {
 protected:
  StatsPgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 3});
    calendar_store_ = std::make_unique<catalogue::PgCalendarStore>(*pool_);
    calendar_ = std::make_unique<catalogue::CalendarService>(*calendar_store_, clock_,
                                                             cases::OfficeHours{});
    calendar_->Load("cn-calendar-2026.csv",
                    kernel::ReadFile(std::filesystem::path(DAIBAN_SOURCE_DIR) /
                                     "db/seed/calendar/cn-calendar-2026.csv"));
    stats_store_ = std::make_unique<PgStatsStore>(*pool_);
    stats_ = std::make_unique<StatsService>(*stats_store_, *calendar_, clock_);
    followup_store_ = std::make_unique<PgFollowupStore>(*pool_);
    followups_ = std::make_unique<FollowupService>(*followup_store_, clock_);
    Insert();
    // Every test below reads through the roll-up (migration 0024): the data set from its days'
    // sums.
    stats_->RollUp();
  }

  void Exec(const std::string& sql) {
    pool_->Transact([&](pqxx::dbtransaction& tx) { tx.exec(sql); });
  }

  std::int64_t AddUser(const std::string& role, const std::string& name, const std::string& phone,
                       const std::string& region, const std::string& department) {
    std::int64_t id = 0;
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      id = tx.exec_params(
                 "INSERT INTO users (role, name, phone, password_hash, region_code, "
                 "department_code) VALUES ($1, $2, $3, 'unused', NULLIF($4, ''), "
                 "NULLIF($5, '')) RETURNING id",
                 role, name, phone, region, department)[0][0]
               .as<std::int64_t>();
    });
    return id;
  }

  struct CaseRow {
    std::string tracking, item, bundle, mode, region, department, state;
    std::int64_t agent = 0;
    std::string created, accepted, deadline, suspended, result, closed;
  };

  std::int64_t AddCase(const CaseRow& c) {
    std::int64_t id = 0;
    auto time = [](const std::string& t) { return t.empty() ? t : t + "+08"; };
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      id = tx.exec_params(R"sql(
INSERT INTO cases (tracking_number, access_code_hash, item_code, bundle_code, mode, region_code,
  department_code, committed_days, state, applicant_kind, applicant_name, applicant_phone,
  applicant_id_number, applicant_address, applicant_lat, applicant_lng, delivery_method, agent_id,
  created_at, accepted_at, deadline_at, suspended_at, result_ready_at, closed_at, updated_at)
VALUES ($1, 'unused', NULLIF($2, ''), NULLIF($3, ''), $4, $5, $6, 3, $7, 'citizen', '刘市民',
  '13912345678', '11010519491231002X', '历下区解放路1号', 36.66, 117.05, 'window',
  NULLIF($8::bigint, 0), $9::timestamptz, NULLIF($10, '')::timestamptz,
  NULLIF($11, '')::timestamptz, NULLIF($12, '')::timestamptz, NULLIF($13, '')::timestamptz,
  NULLIF($14, '')::timestamptz, $9::timestamptz)
RETURNING id)sql",
                          c.tracking, c.item, c.bundle, c.mode, c.region, c.department, c.state,
                          c.agent, time(c.created), time(c.accepted), time(c.deadline),
                          time(c.suspended), time(c.result), time(c.closed))[0][0]
               .as<std::int64_t>();
    });
    return id;
  }

  void AddEvent(std::int64_t case_id, const std::string& type, const std::string& at) {
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      tx.exec_params(
          "INSERT INTO case_events (case_id, type, actor_role, actor_name, at) "
          "VALUES ($1, $2, 'supervisor', '张督办', $3::timestamptz)",
          case_id, type, at + "+08");
    });
  }

  void AddRating(std::int64_t case_id, int score, const std::string& comment,
                 const std::string& at) {
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      tx.exec_params(
          "INSERT INTO ratings (case_id, score, comment, created_at) "
          "VALUES ($1, $2, $3, $4::timestamptz)",
          case_id, score, comment, at + "+08");
    });
  }

  std::int64_t AddFollowup(std::int64_t case_id, const std::string& region,
                           const std::string& opened, const std::string& due,
                           const std::string& closed = "", std::int64_t by = 0,
                           const std::string& notes = "", const std::string& outcome = "") {
    std::int64_t id = 0;
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      id = tx.exec_params(
                 "INSERT INTO followups (case_id, region_code, opened_at, due_at, "
                 "closed_at, closed_by, call_notes, outcome) VALUES ($1, $2, "
                 "$3::timestamptz, $4::timestamptz, NULLIF($5, '')::timestamptz, "
                 "NULLIF($6::bigint, 0), $7, $8) RETURNING id",
                 case_id, region, opened + "+08", due + "+08",
                 closed.empty() ? closed : closed + "+08", by, notes, outcome)[0][0]
               .as<std::int64_t>();
    });
    return id;
  }

  void Insert() {
    Exec(R"sql(
INSERT INTO regions (code, name, level, parent_code) VALUES
  ('370100', '济南市', 'city', NULL), ('370102', '历下区', 'district', '370100'),
  ('370103', '市中区', 'district', '370100'), ('370102001', '解放路街道', 'street', '370102'),
  ('370103001', '大观园街道', 'street', '370103');
INSERT INTO departments (code, name, region_code, hall_address, hall_lat, hall_lng, office_hours)
VALUES ('JN-GA', '济南市公安局', '370100', '龙鼎大道1号', 36.66, 117.12, '9:00-17:00'),
       ('JN-RSJ', '济南市人社局 "一窗受理", 经七路', '370100', '经七路388号', 36.65, 116.99,
        '9:00-17:00');
INSERT INTO items (code, name, service_class, kind, department_code, level, committed_days,
                   legal_days, conditions, modes, delivery_options, fee, legal_basis) VALUES
  ('GA-WE', '户口迁移', 'we_run', 'administrative', 'JN-GA', 'city', 3, 10, '',
   ARRAY['proxy', 'assisted', 'led'], ARRAY['window'], '免费', ''),
  ('GA-ONE', '居民身份证换领', 'one_trip', 'administrative', 'JN-GA', 'city', 5, 10, '',
   ARRAY['proxy', 'assisted', 'led'], ARRAY['window'], '免费', ''),
  ('GA-ZERO', '户籍证明', 'zero_trip', 'administrative', 'JN-GA', 'city', 1, 5, '',
   ARRAY['proxy'], ARRAY['express'], '免费', ''),
  ('RSJ-WE', '社会保障卡申领', 'we_run', 'public_service', 'JN-RSJ', 'city', 3, 10, '',
   ARRAY['proxy', 'assisted', 'led'], ARRAY['window'], '免费', '');
INSERT INTO bundles (code, name, committed_days, lead_department_code)
VALUES ('RSJ-BDL', '退休一件事', 5, 'JN-RSJ');
)sql");
    a1_ = AddUser("agent", "赵代办", "13800000104", "370102", "");
    a2_ = AddUser("agent", "钱代办", "13800000105", "370103", "");
    s1_ = AddUser("supervisor", "张督办", "13800000101", "370102", "");
    s2_ = AddUser("supervisor", "李督办", "13800000102", "370103", "");

    const std::int64_t c1 = AddCase(
        {"C1", "GA-WE", "", "proxy", "370102001", "JN-GA", "closed", a1_, "2026-09-28 00:00:00",
         "2026-09-28 10:00", "2026-09-30 17:00", "", "2026-09-29 15:00", "2026-09-29 16:00"});
    AddEvent(c1, "assign", "2026-09-28 10:05");  // not a reassignment
    AddRating(c1, 5, "很好", "2026-09-30 09:00");
    const std::int64_t c2 = AddCase(
        {"C2", "GA-ONE", "", "assisted", "370102", "JN-GA", "closed", a1_, "2026-09-29 09:00",
         "2026-09-30 16:00", "2026-10-09 17:00", "", "2026-10-10 11:00", "2026-10-10 12:00"});
    AddEvent(c2, "unassign", "2026-10-08 09:30");
    AddRating(c2, 2, "等了太久", "2026-10-12 10:00");
    c2_followup_ = AddFollowup(c2, "370102", "2026-10-12 10:00", "2026-11-02 17:00");
    const std::int64_t c3 = AddCase(
        {"C3", "RSJ-WE", "", "led", "370103001", "JN-RSJ", "closed", a2_, "2026-10-12 10:00",
         "2026-10-12 11:00", "2026-10-14 17:00", "", "2026-10-14 17:00", "2026-10-15 09:00"});
    AddRating(c3, 1, "态度不好", "2026-10-15 10:00");
    c3_followup_ =
        AddFollowup(c3, "370103001", "2026-10-15 10:00", "2026-11-05 17:00", "2026-10-16 11:00",
                    s2_, "2026-10-16 10:50 已联系申请人", "已致歉并说明");
    const std::int64_t c4 =
        AddCase({"C4", "", "RSJ-BDL", "proxy", "370103", "JN-RSJ", "in_progress", a2_,
                 "2026-10-15 09:00", "2026-10-15 10:00", "2026-10-20 17:00", "", "", ""});
    AddEvent(c4, "unassign", "2026-10-16 09:00");
    AddEvent(c4, "assign", "2026-10-16 09:10");
    AddEvent(c4, "unassign", "2026-10-19 09:00");
    AddCase({"C5", "GA-ZERO", "", "proxy", "370103001", "JN-GA", "submitted", 0,
             "2026-10-31 23:59:59", "", "", "", "", ""});
    AddCase({"C6", "RSJ-WE", "", "assisted", "370102001", "JN-RSJ", "cancelled", a1_,
             "2026-10-16 09:00", "2026-10-16 10:00", "2026-10-19 17:00", "", "",
             "2026-10-17 09:00"});
    AddCase({"C7", "GA-ONE", "", "led", "370102001", "JN-GA", "suspended", a2_, "2026-10-19 09:00",
             "2026-10-19 09:30", "2026-10-21 17:00", "2026-10-20 10:00", "", ""});
    const std::int64_t c8 = AddCase({"C8", "GA-WE", "", "proxy", "370103", "JN-GA", "delivered",
                                     a1_, "2026-10-20 09:00", "2026-10-20 09:00",
                                     "2026-10-22 17:00", "", "2026-10-20 13:00", ""});
    AddRating(c8, 4, "", "2026-10-21 09:00");
    const std::int64_t x1 = AddCase(
        {"X1", "GA-WE", "", "proxy", "370102001", "JN-GA", "closed", a1_, "2026-09-27 23:59:59",
         "2026-09-28 09:00", "2026-09-30 17:00", "", "2026-09-28 12:00", "2026-09-28 13:00"});
    AddEvent(x1, "unassign", "2026-09-28 09:10");
    AddRating(x1, 1, "不满意", "2026-11-18 10:00");
    x1_followup_ = AddFollowup(x1, "370102001", "2026-11-18 10:00", "2026-12-09 17:00");
    AddCase({"X2", "RSJ-WE", "", "proxy", "370103001", "JN-RSJ", "submitted", 0,
             "2026-11-01 00:00:00", "", "", "", "", ""});
  }

  StatsReport Report(StatsGroup group,
                     const SupervisionScope& scope = SupervisionScope::Everything()) {
    return stats_->Report(group, scope, "2026-09-28", "2026-10-31");
  }

  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kNow};
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<catalogue::PgCalendarStore> calendar_store_;
  std::unique_ptr<catalogue::CalendarService> calendar_;
  std::unique_ptr<PgStatsStore> stats_store_;
  std::unique_ptr<StatsService> stats_;
  std::unique_ptr<PgFollowupStore> followup_store_;
  std::unique_ptr<FollowupService> followups_;
  std::int64_t a1_ = 0, a2_ = 0, s1_ = 0, s2_ = 0;
  std::int64_t c2_followup_ = 0, c3_followup_ = 0, x1_followup_ = 0;
};

TEST_F(StatsPgTest, DepartmentsByHand) {
  auto report = Report(StatsGroup::kDepartments);
  EXPECT_EQ(cases::FormatIsoDate(report.period.from), "2026-09-28");
  EXPECT_EQ(cases::FormatIsoDate(report.period.to), "2026-10-31");
  ExpectReport(report, kDepartments, kTotals);
  using Counts = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(report.by_class,
            (Counts{{"zero_trip", 1}, {"one_trip", 2}, {"we_run", 4}, {"bundle", 1}}));
  EXPECT_EQ(report.by_mode, (Counts{{"proxy", 4}, {"assisted", 2}, {"led", 2}}));
}

TEST_F(StatsPgTest, RegionsByHand) {
  ExpectReport(Report(StatsGroup::kRegions), kRegions, kTotals);
}

TEST_F(StatsPgTest, AgentsByHand) {
  ExpectReport(Report(StatsGroup::kAgents), AgentRows(a1_, a2_), kTotals);
}

TEST_F(StatsPgTest, SupervisorsSeeTheirScopeOnly) {
  // 市中区's supervisor: C3 C4 C5 C8, so the 370103 row is also the totals.
  auto shizhong = Report(StatsGroup::kRegions, {.region_code = "370103"});
  Expected totals = kRegions[1];
  totals.key = "";
  totals.name = "合计";
  ExpectReport(shizhong, {kRegions[1]}, totals);
  // JN-RSJ's supervisor: C3 C4 C6.
  auto rsj = Report(StatsGroup::kDepartments, {.department_code = "JN-RSJ"});
  totals = kDepartments[1];
  totals.key = "";
  totals.name = "合计";
  ExpectReport(rsj, {kDepartments[1]}, totals);
  // Both: 历下区 and JN-RSJ is C6 alone (cancelled: received and accepted, nothing else).
  auto both =
      Report(StatsGroup::kDepartments, {.region_code = "370102", .department_code = "JN-RSJ"});
  ASSERT_EQ(both.rows.size(), 1u);
  ExpectMetrics(both.totals,
                {"", "合计", 1, 1, 0, 0, nullptr, nullptr, nullptr, 0, 0, nullptr, 0, 0, 0});
  // A supervisor with no scope sees nothing.
  auto none = Report(StatsGroup::kDepartments, SupervisionScope{});
  EXPECT_TRUE(none.rows.empty());
  EXPECT_EQ(none.totals.received, 0);
}

// The staff scope is written once (db::ScopeSql) and the case store, the follow-ups and the
// statistics apply it alike. For each role and scope the same set of cases is expected from
// all three: the case store's list finds exactly the set, the follow-up list the set's cases
// that have a follow-up (C2, C3, X1), the statistics' cohort the set's cases created in the
// period (all but X1 and X2). An agent reaches only the cases assigned to it (the case store's
// agent limit); agents read no statistics or follow-ups.
TEST_F(StatsPgTest, OneScopeRuleForTheCaseStoreTheFollowupsAndTheStatistics) {
  cases::PgCaseStore case_store(*pool_);
  std::map<std::int64_t, std::string> tracking;
  pool_->Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec("SELECT id, tracking_number FROM cases")) {
      tracking[row[0].as<std::int64_t>()] = row[1].as<std::string>();
    }
  });
  using Set = std::set<std::string>;
  struct Role {
    std::string who;
    cases::CaseScope scope;
    Set cases;
  };
  const std::vector<Role> roles = {
      {"administrator",
       cases::CaseScope::Everything(),
       {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "X1", "X2"}},
      {"supervisor of 历下区 (its streets included)",
       {.region_code = "370102"},
       {"C1", "C2", "C6", "C7", "X1"}},
      {"supervisor of a street", {.region_code = "370103001"}, {"C3", "C5", "X2"}},
      {"supervisor of a department, every district",
       {.department_code = "JN-RSJ"},
       {"C3", "C4", "C6", "X2"}},
      {"supervisor of a department in a district",
       {.region_code = "370102", .department_code = "JN-GA"},
       {"C1", "C2", "C7", "X1"}},
      {"account naming no scope", {}, {}},
      {"agent A1", {.agent_id = a1_}, {"C1", "C2", "C6", "C8", "X1"}},
      {"agent A2", {.agent_id = a2_}, {"C3", "C4", "C7"}},
      {"agent A1 within 市中区", {.region_code = "370103", .agent_id = a1_}, {"C8"}},
  };
  for (const auto& role : roles) {
    SCOPED_TRACE(role.who);
    cases::CaseFilter filter;
    filter.now = kNow;
    filter.limit = 100;
    Set listed;
    for (const auto& c : case_store.List(filter, role.scope)) listed.insert(c.tracking_number);
    EXPECT_EQ(listed, role.cases);
    if (role.scope.agent_id != 0) continue;

    const SupervisionScope staff{.everything = role.scope.everything,
                                 .region_code = role.scope.region_code,
                                 .department_code = role.scope.department_code};
    Set with_followup, followed;
    for (const auto& t : role.cases) {
      if (t == "C2" || t == "C3" || t == "X1") with_followup.insert(t);
    }
    FollowupQuery query;
    query.filter = FollowupFilter::kAll;
    for (const auto& f : followup_store_->List(staff, query)) followed.insert(f.tracking_number);
    EXPECT_EQ(followed, with_followup);

    Set in_period, counted;
    for (const auto& t : role.cases) {
      if (t != "X1" && t != "X2") in_period.insert(t);
    }
    const StatsPeriod period{*cases::ParseIsoDate("2026-09-28"),
                             *cases::ParseIsoDate("2026-10-31")};
    for (const auto& c : stats_store_->Cohort(staff, period.Start(), period.End())) {
      counted.insert(tracking.at(c.id));
    }
    EXPECT_EQ(counted, in_period);
  }
}

TEST_F(StatsPgTest, PeriodsAreChinaDates) {
  // The default is the 30 days ending today (2026-10-22 .. 2026-11-20): C5 and X2.
  auto recent = stats_->Report(StatsGroup::kDepartments, SupervisionScope::Everything(),
                               std::nullopt, std::nullopt);
  EXPECT_EQ(cases::FormatIsoDate(recent.period.from), "2026-10-22");
  EXPECT_EQ(cases::FormatIsoDate(recent.period.to), "2026-11-20");
  EXPECT_EQ(recent.totals.received, 2);
  // One day more at each end takes in X1 (09-27 23:59:59) and X2 (11-01 00:00:00).
  auto wider = stats_->Report(StatsGroup::kDepartments, SupervisionScope::Everything(),
                              "2026-09-27", "2026-11-01");
  EXPECT_EQ(wider.totals.received, 10);
  EXPECT_EQ(wider.totals.reassigned, 3);
  EXPECT_EQ(Refusal([&] {
              stats_->Report(StatsGroup::kDepartments, SupervisionScope::Everything(), "2026-10-31",
                             "2026-09-28");
            }),
            std::make_pair(422, std::string("to")));
}

// The exports of the fixed data set, read back by openpyxl and Python's csv module against the
// figures above (written to expected-<group>.json from the constants, not from the report).
TEST_F(StatsPgTest, CsvAndXlsxExportsReadBackIndependently) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("daiban-stats-export-" + database_.Name());
  std::filesystem::create_directories(dir);
  const std::vector<std::pair<StatsGroup, std::vector<Expected>>> groups = {
      {StatsGroup::kDepartments, kDepartments},
      {StatsGroup::kRegions, kRegions},
      {StatsGroup::kAgents, AgentRows(a1_, a2_)}};
  for (const auto& [group, rows] : groups) {
    auto report = Report(group);
    const std::string name = ToWord(group);
    json expected = {
        {"group", name},
        {"rows", json::array()},
        {"totals", ExpectedLine(kTotals)},
        {"by_class", {{"zero_trip", 1}, {"one_trip", 2}, {"we_run", 4}, {"bundle", 1}}},
        {"by_mode", {{"proxy", 4}, {"assisted", 2}, {"led", 2}}}};
    for (const auto& row : rows) expected["rows"].push_back(ExpectedLine(row));
    const auto expected_path = dir / ("expected-" + name + ".json");
    const auto csv_path = dir / StatsFileName(report, "csv");
    const auto xlsx_path = dir / StatsFileName(report, "xlsx");
    std::ofstream(expected_path) << expected.dump(2);
    std::ofstream(csv_path, std::ios::binary) << RenderStatsCsv(report);
    const std::string workbook = RenderStatsXlsx(report);
    EXPECT_EQ(workbook.substr(0, 4), std::string("PK\x03\x04", 4));  // a zip archive
    std::ofstream(xlsx_path, std::ios::binary) << workbook;
    const std::string command = "/usr/bin/python3 '" + std::string(DAIBAN_SOURCE_DIR) +
                                "/tests/stats/check_export.py' '" + expected_path.string() + "' '" +
                                csv_path.string() + "' '" + xlsx_path.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }
  std::filesystem::remove_all(dir);
}

// The roll-up is an optimisation only: whatever changed, the report equals the figures of the
// cases read one by one (the raw cohort), before and after the worker has rolled up again.
class StatsRollupPgTest : public StatsPgTest {
 protected:
  std::int64_t Count(const std::string& sql) {
    std::int64_t n = 0;
    pool_->Transact([&](pqxx::dbtransaction& tx) { n = tx.exec(sql)[0][0].as<std::int64_t>(); });
    return n;
  }
  std::int64_t CaseId(const std::string& tracking) {
    return Count("SELECT id FROM cases WHERE tracking_number = '" + tracking + "'");
  }

  // The report as ComputeStats gives it over the raw cohort of the same period.
  StatsReport Raw(StatsGroup group) {
    const StatsPeriod period{*cases::ParseIsoDate("2026-09-28"),
                             *cases::ParseIsoDate("2026-10-31")};
    return ComputeStats(
        group, period,
        stats_store_->Cohort(SupervisionScope::Everything(), period.Start(), period.End()),
        *calendar_->Current(), std::chrono::floor<std::chrono::seconds>(clock_.Now()));
  }

  // Every group's report equals the raw one, field by field and as CSV; returns the CSVs and
  // the counts by class and mode.
  std::string ExpectExact() {
    std::string csv;
    for (auto group : {StatsGroup::kDepartments, StatsGroup::kRegions, StatsGroup::kAgents}) {
      const auto report = Report(group);
      const auto raw = Raw(group);
      EXPECT_EQ(RenderStatsCsv(report), RenderStatsCsv(raw)) << ToWord(group);
      EXPECT_EQ(report.totals, raw.totals) << ToWord(group);
      EXPECT_EQ(report.by_class, raw.by_class) << ToWord(group);
      EXPECT_EQ(report.by_mode, raw.by_mode) << ToWord(group);
      csv += RenderStatsCsv(report);
      for (const auto& [word, n] : report.by_class) csv += word + "=" + std::to_string(n) + ";";
      for (const auto& [word, n] : report.by_mode) csv += word + "=" + std::to_string(n) + ";";
    }
    return csv;
  }

  // `change` must move the figures: exact at once (its day is read raw) and after the roll-up.
  void ExpectChangeSeen(const std::function<void()>& change) {
    const std::string before = ExpectExact();
    change();
    EXPECT_GT(Count("SELECT count(*) FROM stats_dirty"), 0);
    const std::string changed = ExpectExact();
    EXPECT_NE(changed, before);
    EXPECT_GT(stats_->RollUp(), 0u);
    EXPECT_EQ(Count("SELECT count(*) FROM stats_dirty"), 0);
    EXPECT_EQ(ExpectExact(), changed);
  }
};

TEST_F(StatsRollupPgTest, TheReportReadsTheRollUpOfCleanDays) {
  EXPECT_EQ(Count("SELECT count(*) FROM stats_dirty"), 0);
  // C1 … C8, X1 and X2: 10 cases; C4 runs, its deadline kept for "overdue now".
  EXPECT_EQ(Count("SELECT sum(received) FROM stats_rollup"), 10);
  EXPECT_EQ(Count("SELECT sum(cardinality(running_deadlines)) FROM stats_rollup"), 1);
  ExpectExact();
  // A roll-up row altered behind the triggers' back shows in the report: it is what is read.
  Exec("UPDATE stats_rollup SET received = received + 100 WHERE day = '2026-09-28'");  // C1
  EXPECT_EQ(Report(StatsGroup::kDepartments).totals.received, 108);
}

TEST_F(StatsRollupPgTest, ARatingChangedOrAddedIsCountedExactly) {
  ExpectChangeSeen([&] {
    Exec("UPDATE ratings SET score = 1 WHERE case_id = " + std::to_string(CaseId("C1")));
  });
  ExpectChangeSeen([&] { AddRating(CaseId("C6"), 3, "", "2026-10-18 09:00"); });
  ExpectChangeSeen(
      [&] { Exec("DELETE FROM ratings WHERE case_id = " + std::to_string(CaseId("C8"))); });
}

TEST_F(StatsRollupPgTest, AReopenedCaseRunsAgainAndIsOverdueNow) {
  // C8 was delivered on time; reopened, its clock runs again past its deadline (10-22 17:00).
  ExpectChangeSeen([&] {
    Exec(
        "UPDATE cases SET state = 'in_progress', result_ready_at = NULL WHERE tracking_number "
        "= 'C8'");
  });
  EXPECT_EQ(Report(StatsGroup::kDepartments).totals.overdue, 3);  // C2 C4, and now C8
  // Finished again, later than its deadline.
  ExpectChangeSeen([&] {
    Exec(
        "UPDATE cases SET state = 'delivered', result_ready_at = '2026-11-19 10:00+08' WHERE "
        "tracking_number = 'C8'");
  });
}

TEST_F(StatsRollupPgTest, AReassignmentMovesTheCaseToItsNewAgent) {
  ExpectChangeSeen([&] {
    const auto c1 = CaseId("C1");
    AddEvent(c1, "unassign", "2026-09-29 10:00");
    Exec("UPDATE cases SET agent_id = " + std::to_string(a2_) +
         " WHERE id = " + std::to_string(c1));
  });
  EXPECT_EQ(Report(StatsGroup::kAgents).totals.reassigned, 3);  // C2 C4 and now C1
}

TEST_F(StatsRollupPgTest, FollowupsAndServiceClassesAreCountedExactly) {
  ExpectChangeSeen([&] {
    Exec("UPDATE followups SET closed_at = '2026-10-20 10:00+08', closed_by = " +
         std::to_string(s1_) + " WHERE case_id = " + std::to_string(CaseId("C2")));
  });
  ExpectChangeSeen(
      [&] { Exec("UPDATE items SET service_class = 'one_trip' WHERE code = 'GA-WE'"); });
}

// Names are resolved when the report is read: a renamed department needs no roll-up.
TEST_F(StatsRollupPgTest, RenamesShowWithoutARollUp) {
  Exec("UPDATE departments SET name = '济南市公安局（新）' WHERE code = 'JN-GA'");
  EXPECT_EQ(Count("SELECT count(*) FROM stats_dirty"), 0);
  EXPECT_EQ(Report(StatsGroup::kDepartments).rows[0].name, "济南市公安局（新）");
  ExpectExact();
}

// A roll-up made on another calendar is not used: its days are read raw until rolled up on
// the current one.
TEST_F(StatsRollupPgTest, ARollUpOnAnotherCalendarIsReadRawUntilRolledUpAgain) {
  Exec("UPDATE stats_rollup_days SET calendar_key = 'another'");
  Exec("UPDATE stats_rollup SET received = received + 100");  // would show if it were read
  ExpectExact();
  EXPECT_EQ(static_cast<std::int64_t>(stats_->RollUp()),
            Count("SELECT count(*) FROM stats_rollup_days"));
  ExpectExact();
  EXPECT_EQ(Count("SELECT sum(received) FROM stats_rollup"), 10);
}

// "Overdue now" follows the clock with no roll-up: C4 runs until after its deadline (10-20
// 17:00).
TEST_F(StatsRollupPgTest, OverdueNowFollowsTheClockWithoutARollUp) {
  clock_.Set(At("2026-10-20 17:00:00"));
  EXPECT_EQ(Report(StatsGroup::kDepartments).totals.overdue, 1);  // C2 only
  ExpectExact();
  clock_.Set(At("2026-10-20 17:00:01"));
  EXPECT_EQ(Report(StatsGroup::kDepartments).totals.overdue, 2);  // and C4
  ExpectExact();
  EXPECT_EQ(Count("SELECT count(*) FROM stats_dirty"), 0);
}

TEST_F(StatsPgTest, FollowupsAreListedInScopeByDueDate) {
  auto ids = [](const FollowupPage& page) {
    std::vector<std::int64_t> out;
    for (const auto& f : page.followups) out.push_back(f.id);
    return out;
  };
  using Ids = std::vector<std::int64_t>;
  auto query = [](FollowupFilter filter) {
    FollowupQuery q;
    q.filter = filter;
    return q;
  };
  const auto everything = SupervisionScope::Everything();
  // Open, by due date: C2's (due 11-02) then X1's (due 12-09).
  auto open = followups_->List(everything, query(FollowupFilter::kOpen));
  EXPECT_EQ(ids(open), (Ids{c2_followup_, x1_followup_}));
  const auto& c2 = open.followups[0];
  EXPECT_EQ(c2.tracking_number, "C2");
  EXPECT_EQ(c2.subject, "居民身份证换领");
  EXPECT_EQ(c2.region_code, "370102");
  EXPECT_EQ(c2.score, 2);
  EXPECT_EQ(c2.comment, "等了太久");
  EXPECT_EQ(c2.rated_at, At("2026-10-12 10:00:00"));
  EXPECT_EQ(c2.opened_at, At("2026-10-12 10:00:00"));
  EXPECT_EQ(c2.due_at, At("2026-11-02 17:00:00"));
  EXPECT_TRUE(c2.IsOverdue(kNow));                  // open 15 working days and more
  EXPECT_FALSE(open.followups[1].IsOverdue(kNow));  // due 12-09
  EXPECT_EQ(ids(followups_->List(everything, query(FollowupFilter::kAll))),
            (Ids{c2_followup_, c3_followup_, x1_followup_}));
  auto closed = followups_->List(everything, query(FollowupFilter::kClosed));
  ASSERT_EQ(ids(closed), (Ids{c3_followup_}));
  EXPECT_EQ(closed.followups[0].closed_by_name, "李督办");
  EXPECT_EQ(closed.followups[0].outcome, "已致歉并说明");
  EXPECT_EQ(closed.followups[0].subject, "社会保障卡申领");
  // 历下区 sees its district's and its streets' follow-ups; 市中区 only C3's; JN-RSJ only C3's.
  EXPECT_EQ(ids(followups_->List({.region_code = "370102"}, query(FollowupFilter::kAll))),
            (Ids{c2_followup_, x1_followup_}));
  EXPECT_EQ(ids(followups_->List({.region_code = "370103"}, query(FollowupFilter::kAll))),
            (Ids{c3_followup_}));
  EXPECT_EQ(ids(followups_->List({.department_code = "JN-RSJ"}, query(FollowupFilter::kAll))),
            (Ids{c3_followup_}));
  EXPECT_TRUE(followups_->List(SupervisionScope{}, query(FollowupFilter::kAll)).followups.empty());
  // Pages of one.
  auto q = query(FollowupFilter::kAll);
  q.limit = 1;
  Ids seen;
  for (int i = 0; i < 5; ++i) {
    auto page = followups_->List(everything, q);
    for (auto id : ids(page)) seen.push_back(id);
    if (!page.next) break;
    q.after = page.next;
  }
  EXPECT_EQ(seen, (Ids{c2_followup_, c3_followup_, x1_followup_}));
}

// A call recorded with an Idempotency-Key is recorded once: the retry gets the first answer
// (kept in the write's transaction) and appends nothing; the key with another request is 409.
TEST_F(StatsPgTest, AKeyedCallIsRecordedOnceAndReplayed) {
  const SupervisionScope lixia{.region_code = "370102"};
  const kernel::IdempotentAnswer key{"user:" + std::to_string(s1_), "call-1", "hash-a", 200, ""};
  int renders = 0;
  auto render = [&](const Followup& f) {
    ++renders;
    return f.call_notes;
  };
  auto first = followups_->RecordCall(c2_followup_, lixia, s1_, "已电话联系申请人", key, render);
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(first.body, "2026-11-20 10:00 已电话联系申请人");
  clock_.Advance(std::chrono::minutes(5));
  auto again = followups_->RecordCall(c2_followup_, lixia, s1_, "已电话联系申请人", key, render);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(renders, 1);
  auto reused = key;
  reused.request_hash = "hash-b";
  EXPECT_EQ(
      Refusal([&] { followups_->RecordCall(c2_followup_, lixia, s1_, "另一个", reused, render); }),
      std::make_pair(409, std::string("idempotency_key_reused")));
  auto listed = followups_->List(lixia, {.filter = FollowupFilter::kAll});
  for (const auto& f : listed.followups) {
    if (f.id == c2_followup_) EXPECT_EQ(f.call_notes, "2026-11-20 10:00 已电话联系申请人");
  }
}

TEST_F(StatsPgTest, CallsAreAppendedAndClosingIsOnce) {
  const SupervisionScope lixia{.region_code = "370102"};
  auto called = followups_->RecordCall(c2_followup_, lixia, s1_, "已电话联系申请人");
  EXPECT_EQ(called.call_notes, "2026-11-20 10:00 已电话联系申请人");
  EXPECT_TRUE(called.IsOpen());
  clock_.Advance(std::chrono::minutes(75));
  called = followups_->RecordCall(c2_followup_, lixia, s1_, "申请人要求\n书面答复");
  EXPECT_EQ(called.call_notes,
            "2026-11-20 10:00 已电话联系申请人\n2026-11-20 11:15 申请人要求 书面答复");
  // Out of scope or unknown: 404, as if it did not exist.
  EXPECT_EQ(
      Refusal([&] { followups_->RecordCall(c2_followup_, {.region_code = "370103"}, s2_, "x"); }),
      std::make_pair(404, std::string("not_found")));
  EXPECT_EQ(Refusal([&] { followups_->RecordCall(999999, lixia, s1_, "x"); }),
            std::make_pair(404, std::string("not_found")));
  auto closed = followups_->Close(c2_followup_, lixia, s1_, "已书面答复，申请人认可",
                                  std::string("寄出答复函"));
  EXPECT_FALSE(closed.IsOpen());
  EXPECT_EQ(closed.closed_at, At("2026-11-20 11:15:00"));
  EXPECT_EQ(closed.closed_by_id, s1_);
  EXPECT_EQ(closed.closed_by_name, "张督办");
  EXPECT_EQ(closed.outcome, "已书面答复，申请人认可");
  EXPECT_EQ(closed.call_notes,
            "2026-11-20 10:00 已电话联系申请人\n2026-11-20 11:15 申请人要求 书面答复\n"
            "2026-11-20 11:15 寄出答复函");
  EXPECT_EQ(Refusal([&] { followups_->Close(c2_followup_, lixia, s1_, "again", std::nullopt); }),
            std::make_pair(409, std::string("followup_closed")));
  EXPECT_EQ(Refusal([&] { followups_->RecordCall(c2_followup_, lixia, s1_, "late"); }),
            std::make_pair(409, std::string("followup_closed")));
  // The statistics see it closed now.
  auto report = Report(StatsGroup::kDepartments);
  EXPECT_EQ(report.totals.followups_open, 0);
  EXPECT_EQ(report.totals.followups_closed, 2);
}

TEST_F(StatsPgTest, TwoSupervisorsClosingAtOnceCloseItOnce) {
  std::atomic<int> closed{0}, refused{0};
  auto close = [&](std::int64_t by) {
    try {
      followups_->Close(x1_followup_, SupervisionScope::Everything(), by, "已处理", std::nullopt);
      ++closed;
    } catch (const kernel::ApiError& error) {
      if (error.Code() == "followup_closed") ++refused;
    }
  };
  std::thread first(close, s1_), second(close, s2_);
  first.join();
  second.join();
  EXPECT_EQ(closed.load(), 1);
  EXPECT_EQ(refused.load(), 1);
}

}  // namespace
}  // namespace daiban::supervision
