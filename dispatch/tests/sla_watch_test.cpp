#include "daiban/dispatch/sla_watch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace daiban::dispatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

// Accepted Monday 2026-03-02 01:00 UTC (09:00 in China); at risk Thursday, due Friday.
const sys_seconds kAccepted = sys_days{std::chrono::year{2026} / 3 / 2} + hours{1};
const sys_seconds kAtRisk = kAccepted + hours{3 * 24};
const sys_seconds kDeadline = kAccepted + hours{4 * 24 + 8};

SlaCase Assigned() {
  SlaCase c;
  c.tracking_number = "DB7K2M9Q";
  c.state = "assigned";
  c.deadline = kDeadline;
  c.at_risk_at = kAtRisk;
  c.agent_id = 7;
  c.assigned_at = kAccepted + hours{1};
  c.last_progress_at = kAccepted + hours{3};
  return c;
}

SlaFindings Eval(const SlaCase& c, sys_seconds now, SlaOptions options = {}) {
  return EvaluateSla(c, now, options);
}

TEST(SlaWatchTest, QuietBeforeTheAtRiskMoment) {
  const SlaFindings f = Eval(Assigned(), kAccepted + hours{5});
  EXPECT_FALSE(f.raise_yellow);
  EXPECT_FALSE(f.raise_red);
  EXPECT_FALSE(f.reassignment_candidate);
  EXPECT_TRUE(f.candidate_reason.empty());
  EXPECT_FALSE(f.reassign_now);
}

TEST(SlaWatchTest, YellowOnceFromTheAtRiskMomentToTheDeadline) {
  SlaCase c = Assigned();
  c.last_progress_at = kDeadline;  // keep the no-progress rule out of the way
  EXPECT_FALSE(Eval(c, kAtRisk - seconds{1}).raise_yellow);
  EXPECT_TRUE(Eval(c, kAtRisk).raise_yellow);
  EXPECT_TRUE(Eval(c, kDeadline).raise_yellow);  // at the deadline itself: not overdue yet
  EXPECT_FALSE(Eval(c, kDeadline).raise_red);
  c.yellow_raised = true;
  EXPECT_FALSE(Eval(c, kAtRisk + hours{1}).raise_yellow);
}

TEST(SlaWatchTest, RedOnceAfterTheDeadline) {
  SlaCase c = Assigned();
  c.yellow_raised = true;
  SlaFindings f = Eval(c, kDeadline + seconds{1});
  EXPECT_TRUE(f.raise_red);
  EXPECT_FALSE(f.raise_yellow);
  c.red_raised = true;
  f = Eval(c, kDeadline + hours{30});
  EXPECT_FALSE(f.raise_red);
  EXPECT_FALSE(f.raise_yellow);
}

TEST(SlaWatchTest, JumpingPastTheDeadlineRaisesRedOnly) {
  SlaCase c = Assigned();  // yellow never raised (the watch was down)
  const SlaFindings f = Eval(c, kDeadline + hours{2});
  EXPECT_TRUE(f.raise_red);
  EXPECT_FALSE(f.raise_yellow);
}

TEST(SlaWatchTest, OnlyStatesWithARunningClockAreWatched) {
  for (const std::string state : {"accepted", "assigned", "in_progress"}) {
    SlaCase c = Assigned();
    c.state = state;
    EXPECT_TRUE(Eval(c, kDeadline + hours{1}).raise_red) << state;
  }
  for (const std::string state : {"submitted", "suspended", "result_ready", "out_for_delivery",
                                  "delivered", "closed", "cancelled", "rejected"}) {
    SlaCase c = Assigned();
    c.state = state;
    c.agent_on_duty = false;
    SlaOptions options;
    options.auto_reassign = true;
    const SlaFindings f = Eval(c, kDeadline + hours{1}, options);
    EXPECT_FALSE(f.raise_red) << state;
    EXPECT_FALSE(f.raise_yellow) << state;
    EXPECT_FALSE(f.reassignment_candidate) << state;
    EXPECT_FALSE(f.reassign_now) << state;
  }
}

TEST(SlaWatchTest, NoProgressMeasuredFromLastProgressOrAssignment) {
  SlaCase c = Assigned();  // last progress at kAccepted + 3 h
  EXPECT_FALSE(Eval(c, kAccepted + hours{7} - seconds{1}).reassignment_candidate);
  SlaFindings f = Eval(c, kAccepted + hours{7});
  EXPECT_TRUE(f.reassignment_candidate);
  EXPECT_EQ(f.candidate_reason, kReasonNoProgress);
  EXPECT_FALSE(f.reassign_now);  // auto_reassign is off by default

  c.last_progress_at.reset();  // from the assignment at kAccepted + 1 h
  EXPECT_FALSE(Eval(c, kAccepted + hours{5} - seconds{1}).reassignment_candidate);
  EXPECT_TRUE(Eval(c, kAccepted + hours{5}).reassignment_candidate);

  c.assigned_at.reset();  // nothing to measure from
  EXPECT_FALSE(Eval(c, kAccepted + hours{50}).reassignment_candidate);

  SlaOptions patient;
  patient.no_progress_after = hours{24};
  c = Assigned();
  EXPECT_FALSE(Eval(c, kAccepted + hours{26}, patient).reassignment_candidate);
  EXPECT_TRUE(Eval(c, kAccepted + hours{27}, patient).reassignment_candidate);
}

TEST(SlaWatchTest, NoProgressNeedsAnAssignedAgent) {
  SlaCase c = Assigned();
  c.state = "accepted";  // offered, not yet taken
  EXPECT_FALSE(Eval(c, kAccepted + hours{20}).reassignment_candidate);
  c.state = "in_progress";
  EXPECT_TRUE(Eval(c, kAccepted + hours{20}).reassignment_candidate);
  c.agent_id = 0;
  EXPECT_FALSE(Eval(c, kAccepted + hours{20}).reassignment_candidate);
}

TEST(SlaWatchTest, AtRiskCaseOfAnOffDutyAgent) {
  SlaCase c = Assigned();
  c.agent_on_duty = false;
  c.last_progress_at = kAtRisk - minutes{10};  // recent progress: only the off-duty rule applies
  EXPECT_FALSE(Eval(c, kAtRisk - minutes{1}).reassignment_candidate);  // not at risk yet
  SlaFindings f = Eval(c, kAtRisk);
  EXPECT_TRUE(f.reassignment_candidate);
  EXPECT_EQ(f.candidate_reason, kReasonAgentOffDuty);
  EXPECT_TRUE(f.raise_yellow);

  c.yellow_raised = true;
  c.last_progress_at = kDeadline;
  f = Eval(c, kDeadline + hours{1});  // overdue too
  EXPECT_TRUE(f.reassignment_candidate);
  EXPECT_EQ(f.candidate_reason, kReasonAgentOffDuty);
  EXPECT_TRUE(f.raise_red);

  c.last_progress_at.reset();  // silent and off duty: reported as off duty
  EXPECT_EQ(Eval(c, kDeadline + hours{1}).candidate_reason, kReasonAgentOffDuty);
}

TEST(SlaWatchTest, CandidateRaisedOnceButAutoReassignRepeats) {
  SlaCase c = Assigned();
  SlaOptions automatic;
  automatic.auto_reassign = true;
  SlaFindings f = Eval(c, kAccepted + hours{8}, automatic);
  EXPECT_TRUE(f.reassignment_candidate);
  EXPECT_TRUE(f.reassign_now);

  c.candidate_raised = true;
  f = Eval(c, kAccepted + hours{9}, automatic);
  EXPECT_FALSE(f.reassignment_candidate);
  EXPECT_EQ(f.candidate_reason, kReasonNoProgress);
  EXPECT_TRUE(f.reassign_now);

  f = Eval(c, kAccepted + hours{9});
  EXPECT_FALSE(f.reassignment_candidate);
  EXPECT_FALSE(f.reassign_now);
}

}  // namespace
}  // namespace daiban::dispatch
