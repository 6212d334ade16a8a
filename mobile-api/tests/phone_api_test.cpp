#include "daiban/mobile/phone_api.hpp"

#include <gtest/gtest.h>

#include "daiban/cases/case_state.hpp"

namespace daiban::mobile {
namespace {

using cases::Case;
using cases::CaseClock;
using cases::CaseState;
using cases::Moment;
using cases::Urgency;

// What the supervisors' board shows as "at risk or overdue": the case's running urgency.
bool BoardSaysAtRisk(const Case& c, Moment now) {
  auto urgency = c.RunningUrgency(now);
  return urgency && *urgency != Urgency::kOnTrack;
}

// The phone and the board answer alike in every state, with and without a clock, before and
// after the at-risk moment and the deadline.
TEST(TaskViewTest, AtRiskAgreesWithTheBoard) {
  const Moment at_risk_at(std::chrono::seconds(1796090400));
  const CaseClock clock{at_risk_at + std::chrono::hours(8), at_risk_at, false};
  for (auto state : cases::kAllCaseStates) {
    for (auto with_clock : {false, true}) {
      for (auto now : {at_risk_at - std::chrono::hours(1), at_risk_at + std::chrono::hours(1),
                       at_risk_at + std::chrono::hours(9)}) {
        Case c;
        c.state = state;
        if (with_clock) c.clock = clock;
        EXPECT_EQ(TaskView(c, now)["at_risk"].get<bool>(), BoardSaysAtRisk(c, now))
            << ToWord(state) << (with_clock ? " with a clock" : " without a clock");
      }
    }
  }
}

// A suspended task's clock is stopped: past its deadline it is not at risk on the phone.
TEST(TaskViewTest, ASuspendedTaskIsNotAtRisk) {
  const Moment at_risk_at(std::chrono::seconds(1796090400));
  Case c;
  c.clock = CaseClock{at_risk_at + std::chrono::hours(8), at_risk_at, false};
  const Moment now = at_risk_at + std::chrono::hours(9);
  c.state = CaseState::kInProgress;
  EXPECT_TRUE(TaskView(c, now)["at_risk"].get<bool>());
  c.state = CaseState::kSuspended;
  EXPECT_FALSE(TaskView(c, now)["at_risk"].get<bool>());
}

}  // namespace
}  // namespace daiban::mobile
