#include "daiban/cases/progress_service.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/testing/case_world.hpp"
#include "daiban/kernel/errors.hpp"

// The agents' progress reports against the in-memory case store (no servers).
namespace daiban::cases {
namespace {

using nlohmann::json;
using testing::CaseWorld;

TEST(ProgressKindTest, NotesChangeNoState) {
  EXPECT_FALSE(ParseProgressKind("note")->transition);
  EXPECT_FALSE(ParseProgressKind("handed_to_courier")->transition);
  EXPECT_FALSE(ParseProgressKind("left_at_window")->transition);
  EXPECT_TRUE(ParseProgressKind("result_obtained")->transition);
  EXPECT_FALSE(ParseProgressKind("flying"));
}

class ProgressServiceTest : public ::testing::Test {
 protected:
  CaseService::Answer Report(const std::string& kind, json body = json::object(),
                             const std::string& key = "") {
    body["kind"] = kind;
    return progress_.Report(agent_, {tracking_, kind, body, std::nullopt,
                                     key.empty() ? "k-" + std::to_string(++keys_) : key});
  }
  std::vector<std::string> Types() {
    std::vector<std::string> types;
    for (const auto& e :
         world_.cases.Timeline(*world_.store.Find(tracking_, CaseScope::Everything())))
      types.push_back(e.type);
    return types;
  }
  Case Now() { return *world_.store.Find(tracking_, CaseScope::Everything()); }
  int ApiStatus(const std::function<void()>& call) {
    try {
      call();
    } catch (const kernel::ApiError& error) {
      return error.Status();
    }
    return 0;
  }

  CaseWorld world_;
  ProgressService progress_{world_.cases, world_.clock};
  Actor agent_ = CaseWorld::Agent();
  std::string tracking_ = world_.Assigned(agent_).tracking_number;
  int keys_ = 0;
};

TEST_F(ProgressServiceTest, TheFirstReportStartsTheWorkAndLaterOnesRecordProgress) {
  auto first = json::parse(Report("materials_collected").body);
  EXPECT_EQ(first["state"], "in_progress");
  EXPECT_EQ(first["kind"], "materials_collected");
  EXPECT_EQ(first["tracking_number"], tracking_);
  EXPECT_TRUE(first["device_time_flag"].is_null());
  Report("submitted_to_window", {{"department_code", "JN-GA"}});
  auto types = Types();
  ASSERT_GE(types.size(), 2U);
  EXPECT_EQ(types[types.size() - 2], "start_progress");
  EXPECT_EQ(types.back(), "record_progress");
  EXPECT_TRUE(Now().last_progress_at.has_value());
}

TEST_F(ProgressServiceTest, ARetryGetsTheFirstAnswerAndChangesNothingTwice) {
  auto first = Report("materials_collected", json::object(), "same-key");
  const auto events = Types().size();
  auto again = Report("materials_collected", json::object(), "same-key");
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Types().size(), events);
  // The key with another report is a conflict.
  EXPECT_EQ(ApiStatus([&] { Report("note", {{"text", "x"}}, "same-key"); }), 409);
  // Another agent's keys are its own.
  auto other = CaseWorld::Agent(14, "孙代办");
  auto theirs = world_.Assigned(other).tracking_number;
  auto answer = progress_.Report(
      other,
      {theirs, "materials_collected", {{"kind", "materials_collected"}}, std::nullopt, "same-key"});
  EXPECT_FALSE(answer.replayed);
}

TEST_F(ProgressServiceTest, ReportsAreReadAndRefusedByField) {
  EXPECT_EQ(ApiStatus([&] { Report("flying"); }), 422);
  EXPECT_EQ(ApiStatus([&] { Report("note"); }), 422);  // text is required for a note
  EXPECT_EQ(ApiStatus([&] { Report("materials_collected", {{"position", {{"lat", 95}}}}); }), 422);
  // Nothing was written by a refused report.
  EXPECT_EQ(Now().state, CaseState::kAssigned);
  // A case that is not the agent's is unknown to it.
  auto other = world_.Assigned(CaseWorld::Agent(14, "孙代办")).tracking_number;
  EXPECT_EQ(ApiStatus([&] {
              progress_.Report(
                  agent_,
                  {other, "note", {{"kind", "note"}, {"text", "x"}}, std::nullopt, "k-other"});
            }),
            404);
  // A note on an assigned case changes no state.
  Report("note", {{"text", "路上"}});
  EXPECT_EQ(Now().state, CaseState::kAssigned);
}

TEST_F(ProgressServiceTest, HandOversAddLinksToTheChainOfCustody) {
  Report("materials_collected", {{"position", {{"lat", 36.664}, {"lng", 117.03}}}});
  Report("submitted_to_window");
  Report("result_obtained", {{"result_reference", "户籍-2026-1"}});
  EXPECT_EQ(Now().state, CaseState::kResultReady);
  EXPECT_EQ(Now().result_reference, "户籍-2026-1");
  Report("handed_to_courier", {{"courier_name", "钱寄递"}});
  auto chain = CustodyChain(world_.cases.Timeline(Now()));
  ASSERT_EQ(chain.size(), 4U);
  EXPECT_EQ(chain[0].from_role, "applicant");
  EXPECT_EQ(chain[0].to_role, "agent");
  ASSERT_TRUE(chain[0].position.has_value());
  EXPECT_DOUBLE_EQ(chain[0].position->lat, 36.664);
  EXPECT_EQ(chain[1].to_role, "window");
  EXPECT_EQ(chain[1].to_name, "JN-GA");  // the case's department when none is named
  EXPECT_EQ(chain[2].from_role, "window");
  EXPECT_EQ(chain[2].to_role, "agent");
  EXPECT_EQ(chain[3].to_role, "courier");
  EXPECT_EQ(chain[3].to_name, "钱寄递");
  for (const auto& link : chain) EXPECT_EQ(link.discrepancy, "") << link.type;
}

TEST_F(ProgressServiceTest, TheHandOverToTheApplicantChecksTheIdentity) {
  Report("materials_collected");
  Report("result_obtained", {{"result_reference", "r"}});
  EXPECT_EQ(ApiStatus([&] { Report("handed_to_applicant", {{"id_last4", "1234"}}); }), 422);
  EXPECT_EQ(world_.store.Guesses(tracking_, CaseService::CaseHandoverSubject()).failures, 1);
  EXPECT_EQ(Now().state, CaseState::kResultReady);
  auto answer = json::parse(Report("handed_to_applicant", {{"id_last4", "002X"}}).body);
  EXPECT_EQ(answer["state"], "delivered");
  // Handed over means done: closed, as a hand-over at the window or at the door.
  EXPECT_EQ(Now().state, CaseState::kClosed);
}

TEST_F(ProgressServiceTest, ASupplementRequestSuspendsAndAsksForTheMaterial) {
  Report("materials_collected");
  auto answer = json::parse(
      Report("supplement_requested", {{"what", "户口本复印件不清"}, {"material_seq", 2}}).body);
  EXPECT_EQ(answer["state"], "suspended");
  EXPECT_TRUE(Now().materials[1].IsMissing());
  EXPECT_EQ(ApiStatus([&] {
              Report("supplement_requested", {{"what", "x"}, {"material_seq", 9}});
            }),
            409);  // a suspended case takes no second request
  Report("resumed");
  EXPECT_EQ(Now().state, CaseState::kInProgress);
}

TEST_F(ProgressServiceTest, DeviceTimesAheadOfTheServerAreKeptAndFlagged) {
  const auto ahead = kernel::ToMoment(world_.clock.Now()) + std::chrono::hours(1);
  auto answer = json::parse(progress_
                                .Report(agent_, {tracking_,
                                                 "materials_collected",
                                                 {{"kind", "materials_collected"}},
                                                 ahead,
                                                 "k-ahead"})
                                .body);
  EXPECT_EQ(answer["device_time_flag"], "future");
  auto timeline = world_.cases.Timeline(Now());
  EXPECT_EQ(timeline.back().device_time, ahead);
}

}  // namespace
}  // namespace daiban::cases
