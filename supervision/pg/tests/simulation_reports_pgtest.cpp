// Published simulation reports in PostgreSQL: stored as sent, the large columns read only when
// asked for, newest first in keyset pages, and an answer kept with its report or neither.
#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>

#include "daiban/supervision/pg/pg_simulation_report_store.hpp"
#include "scratch_database.hpp"

namespace daiban::supervision {
namespace {

class SimulationReportsPgTest : public ::testing::Test {
 protected:
  SimulationReportsPgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    store_ = std::make_unique<PgSimulationReportStore>(*pool_);
    pool_->Transact([&](pqxx::dbtransaction& tx) {
      admin_ = tx.exec_params(
                     "INSERT INTO users (role, name, phone, password_hash) VALUES "
                     "('admin', '系统管理员', '13800009999', 'unused') RETURNING id")[0][0]
                   .as<std::int64_t>();
    });
  }

  NewSimulationReport Report(const std::string& title) {
    NewSimulationReport r;
    r.title = title;
    r.scenario = "small";
    r.seed = 20260303;
    r.changes = R"({"agents_factor": 0.7})";
    r.summary = R"({"scenario": "small", "city": {"cases": 240}})";
    r.html = "<!doctype html><p>模拟日报</p>";
    r.cases = 240;
    r.on_time_rate = 99.58;
    r.offer_p99_ms = 995.5;
    r.published_by = admin_;
    r.published_at = Moment(std::chrono::seconds(1790000000));
    return r;
  }

  db::testing::ScratchDatabase database_;
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<PgSimulationReportStore> store_;
  std::int64_t admin_ = 0;
};

TEST_F(SimulationReportsPgTest, StoredAsSentAndReadBack) {
  std::string rendered;
  auto stored = store_->Insert(Report("一日"), std::nullopt, [&](const SimulationReport& r) {
    rendered = r.title;
    return rendered;
  });
  EXPECT_EQ(rendered, "一日");
  EXPECT_GT(stored.id, 0);
  auto found = store_->Find(stored.id, true);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->title, "一日");
  EXPECT_EQ(found->scenario, "small");
  EXPECT_EQ(found->seed, 20260303);
  EXPECT_EQ(nlohmann::json::parse(found->changes),
            nlohmann::json::parse(R"({"agents_factor":0.7})"));
  EXPECT_EQ(nlohmann::json::parse(found->summary)["city"]["cases"], 240);
  EXPECT_EQ(found->html, "<!doctype html><p>模拟日报</p>");
  EXPECT_EQ(found->html_bytes, static_cast<std::int64_t>(found->html.size()));
  EXPECT_EQ(found->cases, 240);
  EXPECT_DOUBLE_EQ(found->on_time_rate, 99.58);
  EXPECT_DOUBLE_EQ(found->offer_p99_ms, 995.5);
  EXPECT_EQ(found->published_by_id, admin_);
  EXPECT_EQ(found->published_by_name, "系统管理员");
  EXPECT_EQ(found->published_at, Moment(std::chrono::seconds(1790000000)));
  // Without the page, the metadata and summary only.
  auto light = store_->Find(stored.id, false);
  ASSERT_TRUE(light);
  EXPECT_TRUE(light->html.empty());
  EXPECT_EQ(light->html_bytes, found->html_bytes);
  EXPECT_FALSE(store_->Find(stored.id + 1, false));
}

TEST_F(SimulationReportsPgTest, ListsNewestFirstInKeysetPages) {
  for (const char* title : {"a", "b", "c"}) store_->Insert(Report(title), std::nullopt, nullptr);
  auto first = store_->List(2, std::nullopt);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].title, "c");
  EXPECT_EQ(first[1].title, "b");
  EXPECT_TRUE(first[0].summary.empty());
  EXPECT_TRUE(first[0].html.empty());
  auto rest = store_->List(2, first[1].id);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].title, "a");
}

TEST_F(SimulationReportsPgTest, AnAnswerIsKeptWithItsReportOrNeither) {
  kernel::IdempotentAnswer key{"user:" + std::to_string(admin_), "publish-1", "hash", 201, ""};
  auto render = [](const SimulationReport& r) { return "{\"id\":" + std::to_string(r.id) + "}"; };
  auto stored = store_->Insert(Report("once"), key, render);
  auto kept = store_->FindAnswer(key.scope, key.key);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->body, "{\"id\":" + std::to_string(stored.id) + "}");
  EXPECT_EQ(kept->status, 201);
  EXPECT_THROW(store_->Insert(Report("twice"), key, render), kernel::IdempotencyKeyTaken);
  EXPECT_EQ(store_->List(10, std::nullopt).size(), 1u);  // the second was rolled back
  // The table's own cap on the page's size holds whatever the caller checked.
  auto big = Report("big");
  big.html = std::string(kMaxReportHtmlBytes + 1, 'a');
  EXPECT_ANY_THROW(store_->Insert(big, std::nullopt, nullptr));
}

}  // namespace
}  // namespace daiban::supervision
