#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/case_service.hpp"
#include "daiban/dispatch/app/dispatch_store.hpp"
#include "daiban/dispatch/assignment_cost.hpp"
#include "daiban/dispatch/assignment_policy.hpp"
#include "daiban/dispatch/eligibility.hpp"
#include "daiban/dispatch/live_state.hpp"
#include "daiban/dispatch/offer_policy.hpp"
#include "daiban/dispatch/sla_watch.hpp"
#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/log.hpp"

namespace daiban::dispatch {

struct DispatchOptions {
  OfferOptions offers;
  SlaOptions sla;
  CostWeights weights;
  EligibilityOptions eligibility;
  // Cases one batch round solves at most (per region); a longer queue takes several rounds.
  int batch_limit = 200;
};

// The dispatch use cases: accepted cases wait in live queues and are offered to agents — at
// once by the greedy policy, and every few seconds by the batch-optimal one; agents take or
// decline offers, unanswered ones expire and pass on; supervisors assign directly and
// reassign; the SLA watch raises yellow and red alerts and reassignment candidates. Every case
// change goes through the one case state machine (CaseService); PostgreSQL arbitrates offers
// and capacity; Redis holds the live queues and is rebuilt from PostgreSQL when lost.
class DispatchService {
 public:
  DispatchService(DispatchStore& store, cases::CaseService& cases, LiveState& live,
                  const kernel::Clock& clock, const kernel::Logger& logger,
                  DispatchOptions options = {});

  // A case event from the stream: the case's state after the change.
  void OnCaseEvent(const std::string& tracking_number, const std::string& to_state,
                   const std::string& region_code);
  // The same with the state before the change ("" for a new case): a change that neither
  // enters nor leaves `accepted` is skipped, since only a waiting case can hold a queue place
  // or an offer (most events, submissions and progress, need no transaction here).
  void OnCaseEvent(const std::string& tracking_number, const std::string& from_state,
                   const std::string& to_state, const std::string& region_code);
  // The greedy policy for one case now; the offer made, if any.
  std::optional<OfferRecord> OfferNow(const std::string& tracking_number);
  // What to call when an arriving case finds its region's queue longer than the greedy policy
  // takes on (a burst): the batch assigner's wake-up, so the batch is solved now rather than
  // at its next tick. Set once, before events flow.
  void OnLongQueue(std::function<void()> kick) { long_queue_kick_ = std::move(kick); }
  int RunBatch();      // the batch-optimal policy over every region with waiting cases
  int ExpireOffers();  // unanswered offers pass to the next agent
  int WatchSla();

  // The agent's side (the phones call these through the mobile gateway).
  std::vector<OfferRecord> OffersOf(const cases::Actor& agent);
  cases::Case AcceptOffer(std::int64_t offer_id, const cases::Actor& agent);
  void DeclineOffer(std::int64_t offer_id, const cases::Actor& agent, const std::string& reason);

  // Supervisors, within their scope (kernel::StaffScope): a case or an agent outside it is
  // unknown (404 for the case, 422 agent_id for the agent). The chosen agent must cover the
  // case's region and handle its departments and have an active account (409
  // agent_outside_region / agent_lacks_department / agent_inactive); being off duty, outside
  // its hours or full is overridden, which needs a reason (422 reason) and is listed in
  // `overrides` and in the assign event of the case's timeline.
  struct Assignment {
    cases::Case assigned;
    std::vector<std::string> overrides;  // words of Ineligible: "off_duty", "no_capacity", …
  };
  Assignment Assign(const std::string& tracking_number, std::int64_t agent_id,
                    const cases::Actor& supervisor, const std::string& reason,
                    cases::KeyedWrite* keyed = nullptr);
  // To another agent (checked as Assign before anything changes), or (no agent) back to the
  // queue.
  Assignment Reassign(const std::string& tracking_number, std::optional<std::int64_t> agent_id,
                      const cases::Actor& supervisor, const std::string& reason,
                      cases::KeyedWrite* keyed = nullptr);

  // In the viewer's scope (cases::SupervisorScopeOf; 403 for other roles): a page of the agents
  // covering `region` ("" = any), by id, and whether more follow; one agent (404 outside).
  struct AgentBoard {
    std::vector<AgentRecord> agents;
    bool more = false;
  };
  AgentBoard Agents(const cases::Actor& viewer, const std::string& region, AgentPage page);
  AgentRecord Agent(const cases::Actor& viewer, std::int64_t agent_id);
  // The agent's own record, for its phone: nullopt when the account is not a dispatchable
  // agent (no profile, or inactive); 403 for any other role.
  std::optional<AgentRecord> OwnRecord(const cases::Actor& agent);
  std::vector<QueueEntry> Queue(const cases::Actor& viewer, const std::string& region);
  std::vector<Alert> Alerts(const cases::Actor& viewer, int limit);
  void SaveAgent(const AgentSettings& settings);
  // An administrator's settings for an agent: settled by the rules of SettleAgentSettings (422
  // on the field at fault, nothing saved), saved (422 for an account that is not an agent or an
  // unknown code) and the live state refreshed. The settings as stored.
  AgentSettings UpdateAgent(const AgentSettingsRequest& asked);
  // The agent's own phone.
  void SetDuty(std::int64_t agent_id, bool on_duty);
  // A supervisor or administrator: 404 for an agent outside the viewer's scope.
  void SetDuty(const cases::Actor& viewer, std::int64_t agent_id, bool on_duty);

  // Replaces Redis's dispatch state with what PostgreSQL says; RebuildIfStale only when
  // Redis lost it (flushed, restarted). Returns whether it rebuilt.
  void Rebuild();
  bool RebuildIfStale();

 private:
  struct Round {
    int offers_made = 0;
    bool full = false;  // as many cases as a round takes: more may wait behind them
  };
  // One batch round over a region's most urgent waiting cases.
  Round RunRound(const std::string& region, const BatchOptimalPolicy& batch);
  std::optional<OfferRecord> MakeOffer(const PendingCase& c, std::int64_t agent_id,
                                       bool needs_handoff);
  // Puts the case back in its live queue when it still waits; the waiting case, if it does.
  std::optional<PendingCase> Requeue(const std::string& tracking_number);
  std::optional<OfferRecord> OfferGreedily(const PendingCase& waiting);
  // The verdict on giving the case to the agent; throws the refusals described at Assign.
  ManualAssignment CheckAssignment(const std::string& tracking_number, std::int64_t agent_id,
                                   const kernel::StaffScope& scope, const std::string& reason);
  std::string QueueOf(const std::string& region);  // cached: regions do not move
  void RefreshAgent(std::int64_t agent_id);
  Moment Now() const;

  DispatchStore& store_;
  cases::CaseService& cases_;
  LiveState& live_;
  const kernel::Clock& clock_;
  const kernel::Logger& logger_;
  DispatchOptions options_;
  std::mutex queue_regions_mutex_;
  std::map<std::string, std::string> queue_regions_;
  std::function<void()> long_queue_kick_;
};

}  // namespace daiban::dispatch
