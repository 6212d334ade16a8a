#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daiban/dispatch/agent_model.hpp"
#include "daiban/dispatch/agent_settings.hpp"
#include "daiban/dispatch/sla_watch.hpp"
#include "daiban/kernel/staff_scope.hpp"
#include "daiban/kernel/vocabulary.hpp"

namespace daiban::db {
class Tx;
}

namespace daiban::dispatch {

using kernel::Moment;

// An agent as dispatch keeps it: the profile the policies read, plus what supervisors see.
struct AgentRecord {
  AgentProfile profile;  // covered_regions expanded to every street below a listed district
  std::vector<std::string> listed_regions;  // as configured (a street, a district, …)
  std::string phone;
  int open_cases = 0;
  int pending_offers = 0;
  std::optional<Moment> last_seen;
  bool active = true;  // the account may sign in; only Agent(id) returns inactive ones
};

enum class OfferState { kPending, kAccepted, kDeclined, kExpired, kWithdrawn };
std::string ToWord(OfferState state);

struct OfferRecord {
  std::int64_t id = 0;
  std::string tracking_number;
  std::string region_code;
  std::int64_t agent_id = 0;
  OfferState state = OfferState::kPending;
  bool needs_handoff = false;
  Moment offered_at{};
  Moment expires_at{};
  std::string decline_reason;
};

struct Alert {
  std::int64_t id = 0;
  std::string tracking_number;
  std::string region_code;
  std::string kind;  // yellow / red / reassignment_candidate / unassigned
  std::string message;
  Moment at{};
};

// A case that waits in the queue, with what the queue shows.
struct QueueEntry {
  std::string tracking_number;
  std::string subject;
  std::string region_code;
  Moment accepted_at{};
  Moment deadline{};
  int priority = 0;
  int offers_made = 0;
};

// A part of a list of agents in id order: those after `after_id`, at most `limit` (0: all).
struct AgentPage {
  std::int64_t after_id = 0;
  int limit = 0;
};

// Storage of dispatch (agents, offers, SLA marks, alerts) and the reads of cases it needs.
// PostgreSQL arbitrates: CreateOffer and ClaimCapacity lock the agent's row, so concurrent
// dispatchers can never offer a case twice nor exceed an agent's capacity.
class DispatchStore {
 public:
  virtual ~DispatchStore() = default;

  virtual void SaveAgent(const AgentSettings& settings) = 0;  // 422 on unknown account/codes
  // False when there is no such agent in `scope` (then nothing changed).
  virtual bool SetDuty(std::int64_t agent_id, bool on_duty, const kernel::StaffScope& scope) = 0;
  // Active agents covering `covering_region` ("" = all) and in `scope`, by id: those of `page`.
  virtual std::vector<AgentRecord> Agents(const std::string& covering_region,
                                          const kernel::StaffScope& scope, AgentPage page) = 0;
  // The same agents for the supervisors' board: without what only assignment reads, the
  // streets each covers (profile.covered_regions) and its appointments, both left empty.
  virtual std::vector<AgentRecord> Board(const std::string& covering_region,
                                         const kernel::StaffScope& scope, AgentPage page) = 0;
  // One agent, active or not, when in `scope`.
  virtual std::optional<AgentRecord> Agent(std::int64_t agent_id,
                                           const kernel::StaffScope& scope) = 0;

  // Accepted cases without a pending offer, most urgent first ("" = every region); with
  // `after`, the page that follows that case in the same order; with `open_to` not empty, only
  // the cases at least one of those agents has neither declined nor let expire.
  virtual std::vector<PendingCase> WaitingCases(const std::string& region, int limit,
                                                const PendingCase* after = nullptr,
                                                std::span<const std::int64_t> open_to = {}) = 0;
  virtual std::optional<PendingCase> WaitingCase(const std::string& tracking_number) = 0;
  // What eligibility reads of a case in any state (a supervisor assigning directly).
  virtual std::optional<PendingCase> CaseTerms(const std::string& tracking_number) = 0;
  // The waiting cases of `region` ("" = all) in `scope`.
  virtual std::vector<QueueEntry> Queue(const std::string& region, const kernel::StaffScope& scope,
                                        int limit) = 0;

  // Creates a pending offer when the case is still accepted with no live offer and the agent
  // has room (open cases + pending offers < capacity); nullopt when another dispatcher won.
  virtual std::optional<OfferRecord> CreateOffer(const std::string& tracking_number,
                                                 std::int64_t agent_id, bool needs_handoff,
                                                 Moment now, Moment expires_at) = 0;
  virtual std::optional<OfferRecord> Offer(std::int64_t offer_id) = 0;
  virtual std::vector<OfferRecord> PendingOffers(std::int64_t agent_id) = 0;  // 0 = all
  virtual std::vector<OfferRecord> DueOffers(Moment now, int limit) = 0;
  virtual int OffersMade(const std::string& tracking_number) = 0;
  // Within a case change: the pending, unexpired offer of `agent_id` becomes `state`;
  // 409 offer_not_pending otherwise.
  virtual void AnswerOffer(db::Tx& tx, std::int64_t offer_id, std::int64_t agent_id,
                           OfferState state, const std::string& reason, Moment now) = 0;
  // Outside a case change: a pending offer expires or is withdrawn; false when not pending.
  virtual bool CloseOffer(std::int64_t offer_id, OfferState state, Moment now) = 0;
  virtual void WithdrawOffersOf(db::Tx& tx, const std::string& tracking_number, Moment now) = 0;
  // Outside a case change: withdraws the pending offers of a case that is no longer waiting
  // (suspended, cancelled, …) — judged by its state now, so a late event cannot withdraw a
  // newer offer; returns what it withdrew.
  virtual std::vector<OfferRecord> WithdrawStaleOffers(const std::string& tracking_number,
                                                       Moment now) = 0;
  // Within a case change that gives the case to `agent_id`: 409 agent_full when that leaves
  // the agent with more open cases and pending offers than its capacity.
  // `over_capacity` (a supervisor's override) claims the place even beyond the capacity.
  virtual void ClaimCapacity(db::Tx& tx, std::int64_t agent_id, bool over_capacity) = 0;

  virtual std::vector<SlaCase> WatchedCases(int limit) = 0;
  virtual void RecordSla(const std::string& tracking_number, const SlaFindings& findings,
                         Moment now) = 0;
  virtual void RaiseAlert(const std::string& tracking_number, const std::string& kind,
                          const std::string& message, Moment now) = 0;
  // Alerts of cases in `scope`, newest first.
  virtual std::vector<Alert> Alerts(const kernel::StaffScope& scope, int limit) = 0;

  // A declined offer keeps its reason; false when it was not the agent's pending offer.
  virtual bool DeclineOffer(std::int64_t offer_id, std::int64_t agent_id, const std::string& reason,
                            Moment now) = 0;
  // The district a case region queues in (a street's parent; a district itself).
  virtual std::string QueueRegion(const std::string& region) = 0;
};

}  // namespace daiban::dispatch
