#include "daiban/cases/custody.hpp"

#include <gtest/gtest.h>

namespace daiban::cases {
namespace {

const Actor kAgent{Role::kAgent, 4, "赵代办", "", ""};
const Actor kOtherAgent{Role::kAgent, 9, "赵代办", "", ""};  // same name, another account
const Actor kCourier{Role::kCourier, 6, "钱寄递", "", ""};
const Actor kHall{Role::kWindow, 0, "JN-GA", "", ""};
const Actor kWindowStaff{Role::kWindow, 3, "王窗口", "370102", ""};
const Actor kApplicant{Role::kApplicant, 0, "刘市民", "", ""};

// A timeline that grows link by link, as the store would keep it.
class Chain {
 public:
  Chain() { case_.applicant.name = "刘市民"; }
  std::vector<CustodyLink> Links() const { return CustodyChain(events_); }
  void Add(const std::optional<nlohmann::json>& custody) {
    ASSERT_TRUE(custody.has_value());
    CaseEvent e;
    e.id = static_cast<std::int64_t>(events_.size()) + 1;
    e.type = "link";
    e.data = {{"custody", *custody}};
    events_.push_back(std::move(e));
  }
  void Give(const Actor& giver, const Actor& receiver) {
    Add(GiveLink(Links(), case_, giver, receiver));
  }
  void Take(const Actor& receiver, const std::vector<Role>& expected) {
    Add(TakeLink(Links(), case_, receiver, expected));
  }
  std::vector<std::string> Roles() const {
    std::vector<std::string> roles;
    for (const auto& link : Links()) roles.push_back(link.from_role + ">" + link.to_role);
    return roles;
  }
  const Case& TheCase() const { return case_; }

 private:
  Case case_;
  std::vector<CaseEvent> events_;
};

// The agent's trips up to the result in its hands.
void UpToTheResult(Chain& chain) {
  chain.Take(kAgent, {Role::kApplicant});  // materials_collected
  chain.Give(kAgent, kHall);               // submitted_to_window
  chain.Take(kAgent, {Role::kWindow});     // result_obtained
}

TEST(CustodyRuleTest, TheApplicantHoldsThePapersBeforeTheFirstLink) {
  Chain chain;
  auto holder = CurrentHolder({}, chain.TheCase());
  EXPECT_EQ(holder.role, Role::kApplicant);
  EXPECT_EQ(holder.name, "刘市民");
}

TEST(CustodyRuleTest, TheCourierPathRunsThroughTheAgentWhoObtainedTheResult) {
  Chain chain;
  UpToTheResult(chain);
  EXPECT_EQ(CurrentHolder(chain.Links(), chain.TheCase()).role, Role::kAgent);
  // The courier picks up at the hall from whoever holds the result there: the agent.
  chain.Take(kCourier, {Role::kWindow, Role::kAgent});
  chain.Give(kCourier, kApplicant);
  EXPECT_EQ(chain.Roles(),
            (std::vector<std::string>{"applicant>agent", "agent>window", "window>agent",
                                      "agent>courier", "courier>applicant"}));
  EXPECT_TRUE(CustodyBreaks(chain.Links()).empty());
  EXPECT_EQ(chain.Links()[3].from_user_id, 4);
  EXPECT_EQ(chain.Links()[3].from_name, "赵代办");
}

TEST(CustodyRuleTest, TheAgentLeavesTheResultAtTheWindowForTheCourierOrTheApplicant) {
  Chain to_courier;
  UpToTheResult(to_courier);
  to_courier.Give(kAgent, kHall);  // left_at_window
  to_courier.Take(kCourier, {Role::kWindow, Role::kAgent});
  EXPECT_EQ(to_courier.Roles()[4], "window>courier");
  EXPECT_TRUE(CustodyBreaks(to_courier.Links()).empty());

  Chain at_window;
  UpToTheResult(at_window);
  at_window.Give(kAgent, kHall);
  at_window.Give(kWindowStaff, kApplicant);  // the handover at the window
  EXPECT_EQ(at_window.Roles(),
            (std::vector<std::string>{"applicant>agent", "agent>window", "window>agent",
                                      "agent>window", "window>applicant"}));
  EXPECT_TRUE(CustodyBreaks(at_window.Links()).empty());
}

TEST(CustodyRuleTest, AHandOverBySomeoneWithoutThePapersIsRecordedAsADiscrepancy) {
  Chain chain;
  UpToTheResult(chain);
  // The agent never left the result at the window, yet the window hands it over.
  chain.Give(kWindowStaff, kApplicant);
  auto links = chain.Links();
  EXPECT_EQ(links.back().from_role, "window");
  EXPECT_NE(links.back().discrepancy.find("agent 赵代办"), std::string::npos)
      << links.back().discrepancy;
  EXPECT_EQ(CustodyBreaks(links), (std::vector<std::int64_t>{links.back().event_id}));
  // Another agent of the same name does not hold what 赵代办 holds.
  Chain other;
  UpToTheResult(other);
  other.Give(kOtherAgent, kApplicant);
  EXPECT_FALSE(other.Links().back().discrepancy.empty());
}

TEST(CustodyRuleTest, ATakeAlwaysStartsAtTheHolderAndFlagsAnUnexpectedOne) {
  Chain chain;
  chain.Take(kAgent, {Role::kApplicant});
  // The agent reports the result without having reported the submission: nothing changes
  // hands in the chain (the agent already holds the papers).
  EXPECT_FALSE(TakeLink(chain.Links(), chain.TheCase(), kAgent, {Role::kWindow}));
  // A courier picking up a result the applicant still holds: the link continues the chain,
  // flagged.
  Chain early;
  early.Take(kCourier, {Role::kWindow, Role::kAgent});
  auto link = early.Links().back();
  EXPECT_EQ(link.from_role, "applicant");
  EXPECT_EQ(link.discrepancy, "taken from applicant 刘市民, expected from window or agent");
}

TEST(CustodyRuleTest, AChainThatDoesNotContinueIsABreak) {
  std::vector<CaseEvent> timeline(2);
  timeline[0].id = 10;
  timeline[0].data = {{"custody", CustodyData(kApplicant, kAgent)}};
  timeline[1].id = 11;
  timeline[1].data = {{"custody", CustodyData(kHall, kCourier)}};  // the old "window>courier"
  EXPECT_EQ(CustodyBreaks(CustodyChain(timeline)), (std::vector<std::int64_t>{11}));
}

}  // namespace
}  // namespace daiban::cases
