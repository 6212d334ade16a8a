#include "daiban/dispatch/app/dispatch_service.hpp"

#include <algorithm>

#include "daiban/cases/staff_scope.hpp"
#include "daiban/dispatch/assignment_policy.hpp"
#include "daiban/dispatch/urgency.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::dispatch {

namespace {

using cases::CaseAction;
using kernel::Role;

const cases::Actor kSystem{Role::kSystem, 0, "dispatch", "", ""};

// How long a region's queue may be for an arriving case still to be offered at once.
constexpr std::size_t kGreedyWhileQueueAtMost = 5;

// Pages of waiting cases one batch reads per region at most (each of batch_limit cases) while
// looking for cases an agent may take: bounds a run when most of the queue was declined.
constexpr int kMaxWaitingPages = 20;

// Rounds one batch run solves per region at most, so a run over a deep backlog still ends and
// lets the worker expire offers and watch the SLA between runs.
constexpr int kMaxRoundsPerRun = 20;

std::int64_t Epoch(Moment moment) { return moment.time_since_epoch().count(); }

AgentLive ToLive(const AgentRecord& agent) {
  AgentLive live;
  live.id = agent.profile.id;
  live.name = agent.profile.name;
  live.on_duty = agent.profile.on_duty;
  live.load = agent.profile.load;
  live.capacity = agent.profile.capacity;
  live.covered_regions = agent.profile.covered_regions;
  if (agent.profile.position) {
    live.lat = agent.profile.position->lat;
    live.lng = agent.profile.position->lng;
  }
  return live;
}

std::vector<AgentProfile> Profiles(const std::vector<AgentRecord>& agents) {
  std::vector<AgentProfile> profiles;
  for (const auto& agent : agents) profiles.push_back(agent.profile);
  return profiles;
}

}  // namespace

DispatchService::DispatchService(DispatchStore& store, cases::CaseService& cases, LiveState& live,
                                 const kernel::Clock& clock, const kernel::Logger& logger,
                                 DispatchOptions options)
    : store_(store),
      cases_(cases),
      live_(live),
      clock_(clock),
      logger_(logger),
      options_(options) {}

Moment DispatchService::Now() const { return kernel::ToMoment(clock_.Now()); }

std::string DispatchService::QueueOf(const std::string& region) {
  {
    std::lock_guard lock(queue_regions_mutex_);
    auto found = queue_regions_.find(region);
    if (found != queue_regions_.end()) return found->second;
  }
  std::string queue = store_.QueueRegion(region);
  std::lock_guard lock(queue_regions_mutex_);
  queue_regions_[region] = queue;
  return queue;
}

void DispatchService::RefreshAgent(std::int64_t agent_id) {
  auto agent = store_.Agent(agent_id, kernel::StaffScope::Everything());
  if (agent && agent->active) live_.PutAgent(ToLive(*agent));
}

void DispatchService::OnCaseEvent(const std::string& tracking, const std::string& to_state,
                                  const std::string& region_code) {
  const std::string queue = QueueOf(region_code);
  if (to_state == "accepted") {
    auto waiting = Requeue(tracking);
    if (!waiting) return;
    // Greedy at once while cases trickle in; in a burst the queue grows and the batch
    // assigner (all at once, optimally) takes over, woken now rather than at its next tick.
    if (live_.PendingCount(queue) <= kGreedyWhileQueueAtMost) {
      OfferGreedily(*waiting);
    } else if (long_queue_kick_) {
      long_queue_kick_();
    }
  } else {
    live_.Dequeue(queue, tracking);
    // A case suspended, cancelled or rejected while an offer waited: the offer goes, and its
    // agent's place with it.
    for (const auto& offer : store_.WithdrawStaleOffers(tracking, Now())) {
      live_.RemoveOffer(offer.id);
      live_.AdjustLoad(offer.agent_id, -1);
    }
  }
}

void DispatchService::OnCaseEvent(const std::string& tracking, const std::string& from_state,
                                  const std::string& to_state, const std::string& region_code) {
  if (from_state != "accepted" && to_state != "accepted") return;
  OnCaseEvent(tracking, to_state, region_code);
}

std::optional<PendingCase> DispatchService::Requeue(const std::string& tracking) {
  auto waiting = store_.WaitingCase(tracking);
  if (!waiting) return std::nullopt;  // taken meanwhile, or no longer accepted
  live_.Enqueue({tracking, QueueOf(waiting->region_code),
                 UrgencyScore(Epoch(waiting->deadline), waiting->priority)});
  return waiting;
}

std::optional<OfferRecord> DispatchService::MakeOffer(const PendingCase& c, std::int64_t agent_id,
                                                      bool needs_handoff) {
  const Moment now = Now();
  auto offer = store_.CreateOffer(c.tracking_number, agent_id, needs_handoff, now,
                                  OfferExpiry(now, options_.offers));
  if (!offer) return std::nullopt;  // another dispatcher got there first, or the agent is full
  // The case leaves its queue, the offer is recorded, the agent's load grows: one round trip.
  live_.RecordOffer({offer->id, offer->tracking_number, QueueOf(c.region_code), offer->agent_id,
                     Epoch(offer->expires_at)});
  logger_.Info("offer made", {{"offer_id", offer->id},
                              {"tracking_number", offer->tracking_number},
                              {"agent_id", agent_id}});
  return offer;
}

std::optional<OfferRecord> DispatchService::OfferNow(const std::string& tracking) {
  auto waiting = store_.WaitingCase(tracking);
  if (!waiting) return std::nullopt;
  return OfferGreedily(*waiting);
}

// `waiting` was read from PostgreSQL just before; CreateOffer checks again, in its own
// transaction, that the case still waits and the agent has room.
std::optional<OfferRecord> DispatchService::OfferGreedily(const PendingCase& waiting) {
  auto agents = store_.Agents(waiting.region_code, kernel::StaffScope::Everything(), {});
  GreedyPolicy greedy(options_.weights, options_.eligibility);
  auto proposals = greedy.Propose({waiting}, Profiles(agents), Now());
  if (proposals.empty()) return std::nullopt;  // stays queued for the batch
  const auto& p = proposals.front();
  return MakeOffer(waiting, agents[p.agent_index].profile.id, p.needs_handoff);
}

int DispatchService::RunBatch() {
  int made = 0;
  BatchOptimalPolicy batch(options_.weights, options_.eligibility);
  for (const auto& region : live_.RegionsWithPending()) {
    // A long queue is solved in rounds of at most batch_limit cases, most urgent first, each
    // round seeing the loads the one before gave: one round's matrix stays small enough to solve
    // in milliseconds, where a burst's whole queue at once took seconds (1,000 cases against 133
    // agents: 3.4 s to solve, 250: 20 ms) while every case in it waited.
    for (int round = 0; round < kMaxRoundsPerRun; ++round) {
      const Round result = RunRound(region, batch);
      made += result.offers_made;
      if (!result.full || result.offers_made == 0) break;
    }
  }
  return made;
}

DispatchService::Round DispatchService::RunRound(const std::string& region,
                                                 const BatchOptimalPolicy& batch) {
  Round result;
  const auto round_size = static_cast<std::size_t>(options_.batch_limit);
  if (store_.WaitingCases(region, 1).empty()) {
    // The queue lags behind PostgreSQL (taken, cancelled): clear what is not waiting.
    for (const auto& entry : live_.Pending(region, options_.batch_limit)) {
      live_.Dequeue(region, entry.tracking_number);
    }
    return result;
  }
  auto agents = store_.Agents(region, kernel::StaffScope::Everything(), {});
  const auto profiles = Profiles(agents);
  const Moment now = Now();
  // Send no more cases than there are free places, most urgent first: with more cases
  // than places the solver would drop the costliest, and urgency raises cost.
  std::size_t places = 0;
  std::vector<std::int64_t> free_agents;
  for (const auto& profile : profiles) {
    if (CheckFreePlace(profile, now) != Ineligible::kNone) continue;
    places += static_cast<std::size_t>(profile.capacity - profile.load);
    free_agents.push_back(profile.id);
  }
  const std::size_t wanted = std::min(places, round_size);
  if (wanted == 0) return result;
  // Only cases some agent may take now count against the places. The store skips the cases
  // every free agent has declined (or let expire): a deep run of them at the head of the queue
  // (a night's three agents declining hundreds) hid every case behind it from dispatch. The
  // rest (departments, appointments) is checked here, page by page (a bounded number per run)
  // until the places are filled.
  auto page = store_.WaitingCases(region, options_.batch_limit, nullptr, free_agents);
  std::vector<PendingCase> waiting;
  for (int pages = 0; !page.empty(); ++pages) {
    for (const auto& c : page) {
      if (waiting.size() >= wanted) break;
      const bool someone = std::any_of(profiles.begin(), profiles.end(), [&](const auto& p) {
        return CheckEligibility(p, c, now, options_.eligibility).Eligible();
      });
      if (someone) waiting.push_back(c);
    }
    if (waiting.size() >= wanted || page.size() < round_size || pages + 1 >= kMaxWaitingPages) {
      break;
    }
    const PendingCase last = page.back();
    page = store_.WaitingCases(region, options_.batch_limit, &last, free_agents);
  }
  result.full = waiting.size() >= round_size;
  if (waiting.empty()) return result;
  for (const auto& p : batch.Propose(waiting, profiles, now)) {
    if (MakeOffer(waiting[p.case_index], agents[p.agent_index].profile.id, p.needs_handoff)) {
      ++result.offers_made;
    }
  }
  return result;
}

int DispatchService::ExpireOffers() {
  int expired = 0;
  const Moment now = Now();
  for (const auto& offer : store_.DueOffers(now, 200)) {
    if (!store_.CloseOffer(offer.id, OfferState::kExpired, now)) continue;
    ++expired;
    live_.RemoveOffer(offer.id);
    live_.AdjustLoad(offer.agent_id, -1);
    if (WhatNext(store_.OffersMade(offer.tracking_number), options_.offers) ==
        AfterRefusal::kEscalate) {
      store_.RaiseAlert(offer.tracking_number, "unassigned",
                        "no agent took the case after " +
                            std::to_string(options_.offers.max_offers_per_case) + " offers",
                        now);
      Requeue(offer.tracking_number);
      continue;
    }
    if (auto waiting = Requeue(offer.tracking_number)) OfferGreedily(*waiting);
  }
  return expired;
}

int DispatchService::WatchSla() {
  int raised = 0;
  const Moment now = Now();
  for (const auto& c : store_.WatchedCases(500)) {
    auto findings = EvaluateSla(c, now, options_.sla);
    if (!findings.raise_yellow && !findings.raise_red && !findings.reassignment_candidate &&
        !findings.reassign_now) {
      continue;
    }
    store_.RecordSla(c.tracking_number, findings, now);
    raised += findings.raise_yellow + findings.raise_red + findings.reassignment_candidate;
    if (findings.reassign_now) {
      try {
        Reassign(c.tracking_number, std::nullopt, kSystem, "sla: " + findings.candidate_reason);
      } catch (const kernel::ApiError& error) {
        logger_.Warn("automatic reassignment refused",
                     {{"tracking_number", c.tracking_number}, {"code", error.Code()}});
      }
    }
  }
  return raised;
}

std::vector<OfferRecord> DispatchService::OffersOf(const cases::Actor& agent) {
  return store_.PendingOffers(agent.user_id);
}

cases::Case DispatchService::AcceptOffer(std::int64_t offer_id, const cases::Actor& agent) {
  auto offer = store_.Offer(offer_id);
  if (!offer || offer->agent_id != agent.user_id) throw kernel::NotFound("no such offer");
  if (offer->state == OfferState::kAccepted) {
    // Accepting twice is accepting once: the phone asks again when its first answer was lost,
    // and the gateway resends a keyed accept whose instance died after the commit. The agent
    // gets the case as it stands while it is still theirs.
    auto c = cases_.ReadAsStaff(offer->tracking_number, {Role::kAdmin, 0, "", "", ""});
    if (c.agent_id == agent.user_id) return c;
  }
  if (offer->state != OfferState::kPending) {
    throw kernel::Conflict("offer_not_pending", "the offer is " + ToWord(offer->state));
  }
  const Moment now = Now();
  auto taken = cases_.Transition(
      offer->tracking_number, cases::CaseScope::Everything(), agent, CaseAction::kAssign, "",
      {{"offer_id", offer_id}}, std::nullopt, [&](cases::Case& c, cases::CaseChange& change) {
        c.agent_id = agent.user_id;
        change.also_in_transaction.push_back([this, offer_id, &agent, now](db::Tx& tx) {
          store_.AnswerOffer(tx, offer_id, agent.user_id, OfferState::kAccepted, "", now);
        });
      });
  live_.RemoveOffer(offer_id);
  return taken;
}

void DispatchService::DeclineOffer(std::int64_t offer_id, const cases::Actor& agent,
                                   const std::string& reason) {
  if (reason.empty()) throw kernel::Invalid("reason", "a declined offer needs a reason");
  auto offer = store_.Offer(offer_id);
  if (!offer || offer->agent_id != agent.user_id) throw kernel::NotFound("no such offer");
  if (!store_.DeclineOffer(offer_id, agent.user_id, reason, Now())) {
    // Declining twice is declining once (a repeated request after a lost answer); the place
    // was freed and the case passed on the first time.
    auto now_answered = store_.Offer(offer_id);
    if (now_answered && now_answered->state == OfferState::kDeclined) return;
    throw kernel::Conflict("offer_not_pending", "the offer is no longer open");
  }
  live_.RemoveOffer(offer_id);
  live_.AdjustLoad(agent.user_id, -1);
  if (auto waiting = Requeue(offer->tracking_number)) OfferGreedily(*waiting);
}

ManualAssignment DispatchService::CheckAssignment(const std::string& tracking,
                                                  std::int64_t agent_id,
                                                  const kernel::StaffScope& scope,
                                                  const std::string& reason) {
  auto agent = store_.Agent(agent_id, scope);
  if (!agent) throw kernel::Invalid("agent_id", "no such agent");
  if (!agent->active) {
    throw kernel::Conflict("agent_inactive", "the agent's account is deactivated", "agent_id");
  }
  auto terms = store_.CaseTerms(tracking);
  if (!terms) throw kernel::NotFound("no case with this tracking number");
  auto verdict = CheckManualAssignment(agent->profile, *terms, Now(), options_.eligibility);
  if (verdict.refusal == Ineligible::kRegion) {
    throw kernel::Conflict("agent_outside_region", "the agent does not cover the case's region",
                           "agent_id");
  }
  if (verdict.Refused()) {
    throw kernel::Conflict("agent_lacks_department",
                           "the agent does not handle the case's department", "agent_id");
  }
  if (!verdict.overrides.empty() && reason.empty()) {
    std::string what;
    for (auto word : verdict.overrides)
      what += (what.empty() ? "" : ", ") + std::string(ToWord(word));
    throw kernel::Invalid(
        "reason", "giving the case to this agent overrides " + what + ": say why in reason");
  }
  return verdict;
}

DispatchService::Assignment DispatchService::Assign(const std::string& tracking,
                                                    std::int64_t agent_id,
                                                    const cases::Actor& supervisor,
                                                    const std::string& reason,
                                                    cases::KeyedWrite* keyed) {
  const auto scope = cases::SupervisorScopeOf(supervisor);
  // The case first: outside the supervisor's scope it is unknown, whatever the agent.
  const auto current = cases_.ReadAsStaff(tracking, supervisor.role == Role::kSystem
                                                        ? cases::Actor{Role::kAdmin, 0, "", "", ""}
                                                        : supervisor);
  const auto verdict = CheckAssignment(current.tracking_number, agent_id, scope, reason);
  std::vector<std::string> overrides;
  for (auto word : verdict.overrides) overrides.emplace_back(ToWord(word));
  const bool over_capacity = std::find(verdict.overrides.begin(), verdict.overrides.end(),
                                       Ineligible::kNoCapacity) != verdict.overrides.end();
  nlohmann::json data = {{"agent_id", agent_id}};
  if (!overrides.empty()) data["overrides"] = overrides;
  if (verdict.needs_handoff) data["needs_handoff"] = true;
  const Moment now = Now();
  auto assigned = cases_.Transition(
      current.tracking_number, cases::CaseService::ScopeOf(supervisor), supervisor,
      CaseAction::kAssign, reason, data, std::nullopt,
      [&](cases::Case& c, cases::CaseChange& change) {
        c.agent_id = agent_id;
        change.also_in_transaction.push_back(
            [this, tracking = c.tracking_number, agent_id, over_capacity, now](db::Tx& tx) {
              store_.WithdrawOffersOf(tx, tracking, now);
              store_.ClaimCapacity(tx, agent_id, over_capacity);
            });
      },
      std::nullopt, keyed);
  live_.Dequeue(QueueOf(assigned.region_code), assigned.tracking_number);
  RefreshAgent(agent_id);
  if (!overrides.empty()) {
    logger_.Info("assignment override", {{"tracking_number", assigned.tracking_number},
                                         {"agent_id", agent_id},
                                         {"supervisor_id", supervisor.user_id}});
  }
  return {assigned, overrides};
}

DispatchService::Assignment DispatchService::Reassign(const std::string& tracking,
                                                      std::optional<std::int64_t> agent_id,
                                                      const cases::Actor& supervisor,
                                                      const std::string& reason,
                                                      cases::KeyedWrite* keyed) {
  if (reason.empty()) throw kernel::Invalid("reason", "a reassignment needs a reason");
  const auto staff_scope = cases::SupervisorScopeOf(supervisor);
  auto scope = supervisor.role == Role::kSystem ? cases::CaseScope::Everything()
                                                : cases::CaseService::ScopeOf(supervisor);
  const Moment now = Now();
  auto current = supervisor.role == Role::kSystem
                     ? cases_.ReadAsStaff(tracking, {Role::kAdmin, 0, "", "", ""})
                     : cases_.ReadAsStaff(tracking, supervisor);
  // The new agent is checked before the case leaves its current one: a refusal changes nothing.
  if (agent_id) CheckAssignment(current.tracking_number, *agent_id, staff_scope, reason);
  std::int64_t previous = current.agent_id;
  cases::Case result = current;
  if (current.state != cases::CaseState::kAccepted) {
    // Back to the queue first (in_progress and suspended cases cannot be handed on directly).
    // Back to the queue, the answer is kept here; to another agent, with the assignment (a
    // retry after a crash between the two finds the case accepted and only assigns).
    result = cases_.Transition(
        tracking, scope, supervisor, CaseAction::kUnassign, reason,
        {{"previous_agent_id", previous}}, std::nullopt,
        [&](cases::Case&, cases::CaseChange& change) {
          change.also_in_transaction.push_back(
              [this, tracking = current.tracking_number, now](db::Tx& tx) {
                store_.WithdrawOffersOf(tx, tracking, now);
              });
        },
        std::nullopt, agent_id ? nullptr : keyed);
  }
  if (previous != 0) RefreshAgent(previous);
  if (agent_id) return Assign(result.tracking_number, *agent_id, supervisor, reason, keyed);
  if (auto waiting = Requeue(result.tracking_number)) OfferGreedily(*waiting);
  return {cases_.ReadAsStaff(result.tracking_number, {Role::kAdmin, 0, "", "", ""}), {}};
}

DispatchService::AgentBoard DispatchService::Agents(const cases::Actor& viewer,
                                                    const std::string& region, AgentPage page) {
  const auto scope = cases::SupervisorScopeOf(viewer);
  // One more than asked tells whether another page follows.
  if (page.limit > 0) ++page.limit;
  AgentBoard board{store_.Board(region, scope, page), false};
  if (page.limit > 0 && board.agents.size() == static_cast<std::size_t>(page.limit)) {
    board.agents.pop_back();
    board.more = true;
  }
  return board;
}

AgentRecord DispatchService::Agent(const cases::Actor& viewer, std::int64_t agent_id) {
  auto agent = store_.Agent(agent_id, cases::SupervisorScopeOf(viewer));
  if (!agent || !agent->active) throw kernel::NotFound("no such agent");
  return *agent;
}

std::optional<AgentRecord> DispatchService::OwnRecord(const cases::Actor& agent) {
  if (agent.role != kernel::Role::kAgent) throw kernel::Forbidden("only agents have one");
  // The agent reads itself: no supervisor's scope applies.
  auto record = store_.Agent(agent.user_id, kernel::StaffScope::Everything());
  if (!record || !record->active) return std::nullopt;
  return record;
}

std::vector<QueueEntry> DispatchService::Queue(const cases::Actor& viewer,
                                               const std::string& region) {
  return store_.Queue(region, cases::SupervisorScopeOf(viewer), 500);
}

std::vector<Alert> DispatchService::Alerts(const cases::Actor& viewer, int limit) {
  return store_.Alerts(cases::SupervisorScopeOf(viewer), limit);
}

void DispatchService::SaveAgent(const AgentSettings& settings) {
  store_.SaveAgent(settings);
  RefreshAgent(settings.user_id);
}

AgentSettings DispatchService::UpdateAgent(const AgentSettingsRequest& asked) {
  auto settled = SettleAgentSettings(asked);
  if (const auto* refused = std::get_if<SettingsRefused>(&settled)) {
    throw kernel::Invalid(refused->field, refused->message);
  }
  const auto& settings = std::get<AgentSettings>(settled);
  SaveAgent(settings);
  return settings;
}

void DispatchService::SetDuty(std::int64_t agent_id, bool on_duty) {
  if (!store_.SetDuty(agent_id, on_duty, kernel::StaffScope::Everything())) {
    throw kernel::NotFound("no such agent");
  }
  RefreshAgent(agent_id);
}

void DispatchService::SetDuty(const cases::Actor& viewer, std::int64_t agent_id, bool on_duty) {
  if (!store_.SetDuty(agent_id, on_duty, cases::SupervisorScopeOf(viewer)))
    throw kernel::NotFound("no such agent");
  RefreshAgent(agent_id);
}

void DispatchService::Rebuild() {
  LiveState::Snapshot snapshot;
  for (const auto& c : store_.WaitingCases("", 100000)) {
    snapshot.pending.push_back(
        {c.tracking_number, QueueOf(c.region_code), UrgencyScore(Epoch(c.deadline), c.priority)});
  }
  for (const auto& agent : store_.Agents("", kernel::StaffScope::Everything(), {}))
    snapshot.agents.push_back(ToLive(agent));
  for (const auto& offer : store_.PendingOffers(0)) {
    snapshot.offers.push_back({offer.id, offer.tracking_number, QueueOf(offer.region_code),
                               offer.agent_id, Epoch(offer.expires_at)});
  }
  live_.Rebuild(snapshot);
  logger_.Info("live state rebuilt", {{"pending", snapshot.pending.size()},
                                      {"agents", snapshot.agents.size()},
                                      {"offers", snapshot.offers.size()}});
}

bool DispatchService::RebuildIfStale() {
  if (live_.IsBuilt()) return false;
  Rebuild();
  return true;
}

}  // namespace daiban::dispatch
