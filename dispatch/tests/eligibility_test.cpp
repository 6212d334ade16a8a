#include "daiban/dispatch/eligibility.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "daiban/dispatch/agent_model.hpp"
#include "dispatch_fixture.hpp"

namespace daiban::dispatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::sys_seconds;
using test::kNow;

AgentProfile Agent() {
  AgentProfile agent;
  agent.id = 7;
  agent.name = "王芳";
  agent.covered_regions = {"370102", "370102001", "370102002"};
  agent.departments = {"市场监管局", "税务局"};
  agent.capacity = 3;
  agent.load = 1;
  agent.on_duty = true;
  return agent;
}

PendingCase Case() {
  PendingCase c;
  c.tracking_number = "DB7K2M9Q";
  c.region_code = "370102001";
  c.departments = {"市场监管局"};
  c.mode = kModeProxy;
  c.deadline = kNow + hours{48};
  return c;
}

Ineligible Reason(const AgentProfile& agent, const PendingCase& c, sys_seconds now = kNow) {
  return CheckEligibility(agent, c, now, EligibilityOptions{}).reason;
}

TEST(EligibilityTest, EligibleAgentNeedsNoHandoff) {
  const Eligibility e = CheckEligibility(Agent(), Case(), kNow, {});
  EXPECT_TRUE(e.Eligible());
  EXPECT_EQ(e.reason, Ineligible::kNone);
  EXPECT_FALSE(e.needs_handoff);
}

TEST(EligibilityTest, EachHardConstraint) {
  AgentProfile agent = Agent();
  agent.on_duty = false;
  EXPECT_EQ(Reason(agent, Case()), Ineligible::kOffDuty);

  EXPECT_EQ(Reason(Agent(), Case(), kNow + hours{8}), Ineligible::kOutsideHours);  // 18:00

  agent = Agent();
  agent.load = 3;
  EXPECT_EQ(Reason(agent, Case()), Ineligible::kNoCapacity);
  agent.load = 2;
  EXPECT_EQ(Reason(agent, Case()), Ineligible::kNone);

  PendingCase c = Case();
  c.region_code = "370103001";
  EXPECT_EQ(Reason(Agent(), c), Ineligible::kRegion);
  c.region_code = "370102003";  // a street of a covered district, but not itself listed
  EXPECT_EQ(Reason(Agent(), c), Ineligible::kRegion);

  c = Case();
  c.departments = {"公安局"};
  EXPECT_EQ(Reason(Agent(), c), Ineligible::kDepartment);
  c.departments = {"市场监管局", "公安局"};  // not a bundle: every department is needed
  EXPECT_EQ(Reason(Agent(), c), Ineligible::kDepartment);

  c = Case();
  c.excluded_agents = {3, 7};
  EXPECT_EQ(Reason(Agent(), c), Ineligible::kExcluded);
}

TEST(EligibilityTest, FirstReasonInEnumOrderWins) {
  AgentProfile agent = Agent();
  agent.on_duty = false;
  agent.load = agent.capacity;
  PendingCase c = Case();
  c.region_code = "999999";
  c.excluded_agents = {agent.id};
  EXPECT_EQ(Reason(agent, c), Ineligible::kOffDuty);
  agent.on_duty = true;
  EXPECT_EQ(Reason(agent, c), Ineligible::kNoCapacity);
  agent.load = 0;
  EXPECT_EQ(Reason(agent, c), Ineligible::kRegion);
  c.region_code = "370102";
  EXPECT_EQ(Reason(agent, c), Ineligible::kExcluded);
}

TEST(EligibilityTest, CaseWithoutDepartmentNeedsNoSkill) {
  PendingCase c = Case();
  c.departments.clear();
  EXPECT_EQ(Reason(Agent(), c), Ineligible::kNone);
}

TEST(EligibilityTest, BundleFullCoverageOrPrimaryWithHandoff) {
  PendingCase bundle = Case();
  bundle.is_bundle = true;
  bundle.departments = {"市场监管局", "税务局", "公安局"};

  AgentProfile agent = Agent();
  Eligibility e = CheckEligibility(agent, bundle, kNow, {});
  EXPECT_TRUE(e.Eligible());
  EXPECT_TRUE(e.needs_handoff);  // lacks 公安局: primary at the lead department

  agent.departments.push_back("公安局");
  e = CheckEligibility(agent, bundle, kNow, {});
  EXPECT_TRUE(e.Eligible());
  EXPECT_FALSE(e.needs_handoff);  // full coverage

  agent.departments = {"税务局", "公安局"};  // every step but the lead one
  e = CheckEligibility(agent, bundle, kNow, {});
  EXPECT_EQ(e.reason, Ineligible::kDepartment);
  EXPECT_FALSE(e.needs_handoff);
}

TEST(EligibilityTest, LedAppointmentMustFitHoursAndGap) {
  PendingCase led = Case();
  led.mode = kModeLed;
  led.appointment_at = kNow + hours{24 + 1};  // Tuesday 11:00
  AgentProfile agent = Agent();
  EXPECT_EQ(Reason(agent, led), Ineligible::kNone);

  agent.appointments = {*led.appointment_at - minutes{119}};
  EXPECT_EQ(Reason(agent, led), Ineligible::kAppointmentClash);
  agent.appointments = {*led.appointment_at + minutes{119}};
  EXPECT_EQ(Reason(agent, led), Ineligible::kAppointmentClash);
  agent.appointments = {*led.appointment_at - minutes{120}, *led.appointment_at + minutes{120}};
  EXPECT_EQ(Reason(agent, led), Ineligible::kNone);  // exactly the gap apart is fine

  EligibilityOptions wide;
  wide.appointment_gap = minutes{180};
  EXPECT_EQ(CheckEligibility(agent, led, kNow, wide).reason, Ineligible::kAppointmentClash);

  agent.appointments.clear();
  led.appointment_at = kNow + hours{24 + 8};  // Tuesday 18:00: after the agent's hours
  EXPECT_EQ(Reason(agent, led), Ineligible::kAppointmentClash);
  led.appointment_at = kNow + hours{5 * 24};  // Saturday 10:00
  EXPECT_EQ(Reason(agent, led), Ineligible::kAppointmentClash);
}

TEST(EligibilityTest, AppointmentsMatterOnlyForLedCasesWithOne) {
  AgentProfile agent = Agent();
  agent.appointments = {kNow + hours{1}};
  PendingCase c = Case();
  c.appointment_at = kNow + hours{1};  // an appointment on a proxy case books nothing
  EXPECT_EQ(Reason(agent, c), Ineligible::kNone);
  c.mode = kModeLed;
  EXPECT_EQ(Reason(agent, c), Ineligible::kAppointmentClash);
  c.appointment_at.reset();  // 领办 not yet scheduled
  EXPECT_EQ(Reason(agent, c), Ineligible::kNone);
}

TEST(EligibilityTest, WordsAreStable) {
  EXPECT_EQ(ToWord(Ineligible::kNone), "none");
  EXPECT_EQ(ToWord(Ineligible::kOffDuty), "off_duty");
  EXPECT_EQ(ToWord(Ineligible::kOutsideHours), "outside_hours");
  EXPECT_EQ(ToWord(Ineligible::kNoCapacity), "no_capacity");
  EXPECT_EQ(ToWord(Ineligible::kRegion), "region");
  EXPECT_EQ(ToWord(Ineligible::kDepartment), "department");
  EXPECT_EQ(ToWord(Ineligible::kExcluded), "excluded");
  EXPECT_EQ(ToWord(Ineligible::kAppointmentClash), "appointment_clash");
}

TEST(EligibilityTest, ASupervisorOverridesDutyHoursAndLoadButNeverRegionOrDepartment) {
  AgentProfile agent = Agent();
  agent.on_duty = false;
  agent.load = 3;
  // 18:00: outside its hours, off duty and full — all three listed, none refused.
  auto verdict = CheckManualAssignment(agent, Case(), kNow + hours{8}, {});
  EXPECT_FALSE(verdict.Refused());
  EXPECT_EQ(verdict.overrides,
            (std::vector<Ineligible>{Ineligible::kOffDuty, Ineligible::kOutsideHours,
                                     Ineligible::kNoCapacity}));
  EXPECT_TRUE(CheckManualAssignment(Agent(), Case(), kNow, {}).overrides.empty());

  PendingCase elsewhere = Case();
  elsewhere.region_code = "370103001";
  EXPECT_EQ(CheckManualAssignment(agent, elsewhere, kNow, {}).refusal, Ineligible::kRegion);
  PendingCase other_department = Case();
  other_department.departments = {"公安局"};
  EXPECT_EQ(CheckManualAssignment(agent, other_department, kNow, {}).refusal,
            Ineligible::kDepartment);
}

}  // namespace
}  // namespace daiban::dispatch
