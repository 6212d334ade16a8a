#include "daiban/dispatch/testing/in_memory_dispatch_store.hpp"

#include <algorithm>
#include <tuple>

#include "daiban/cases/testing/in_memory_case_store.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::dispatch::testing {

namespace {

using cases::CaseState;
using cases::testing::InMemoryCaseStore;

// The states in which a case occupies its agent.
bool Open(CaseState state) {
  return state == CaseState::kAssigned || state == CaseState::kInProgress ||
         state == CaseState::kSuspended;
}

Moment DeadlineOf(const cases::Case& c) { return c.clock ? c.clock->deadline : c.created_at; }

// The order of the waiting list: deadline, then higher priority, then the case's row.
auto WaitingOrder(const PendingCase& c) {
  return std::make_tuple(c.deadline, -c.priority, c.case_id);
}

}  // namespace

void InMemoryDispatchStore::AddAccount(std::int64_t user_id, std::string name, std::string phone) {
  std::lock_guard lock(mutex_);
  accounts_[user_id] = {std::move(name), std::move(phone), true};
}

void InMemoryDispatchStore::DeactivateAccount(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  accounts_.at(user_id).active = false;
}

void InMemoryDispatchStore::AddRegion(const std::string& code) {
  std::lock_guard lock(mutex_);
  regions_.insert(code);
}

void InMemoryDispatchStore::SetHall(const std::string& department_code, GeoPoint hall) {
  std::lock_guard lock(mutex_);
  halls_[department_code] = hall;
}

void InMemoryDispatchStore::SetPosition(std::int64_t agent_id, GeoPoint position) {
  std::lock_guard lock(mutex_);
  state_.positions[agent_id] = position;
}

std::vector<cases::Case> InMemoryDispatchStore::AllCases() {
  cases::CaseFilter every;
  every.limit = 1'000'000;
  return cases_.List(every, cases::CaseScope::Everything());
}

std::optional<cases::Case> InMemoryDispatchStore::FindCase(const std::string& tracking) {
  return cases_.Find(tracking, cases::CaseScope::Everything());
}

void InMemoryDispatchStore::UndoableIn(db::Tx& tx) {
  tx.OnRollback([this, before = state_] {
    std::lock_guard lock(mutex_);
    state_ = before;
  });
}

bool InMemoryDispatchStore::HasPendingOffer(const std::string& tracking) const {
  return std::any_of(state_.offers.begin(), state_.offers.end(), [&](const auto& entry) {
    return entry.second.tracking_number == tracking && entry.second.state == OfferState::kPending;
  });
}

int InMemoryDispatchStore::Taken(std::int64_t agent_id, const std::vector<cases::Case>& all) const {
  int taken = 0;
  for (const auto& c : all) taken += c.agent_id == agent_id && Open(c.state);
  for (const auto& [id, offer] : state_.offers) {
    taken += offer.agent_id == agent_id && offer.state == OfferState::kPending;
  }
  return taken;
}

PendingCase InMemoryDispatchStore::Terms(const cases::Case& c) const {
  PendingCase terms;
  terms.tracking_number = c.tracking_number;
  terms.region_code = c.region_code;
  terms.departments.push_back(c.department_code);  // the lead first
  for (const auto& step : c.steps) {
    if (std::find(terms.departments.begin(), terms.departments.end(), step.department_code) ==
        terms.departments.end()) {
      terms.departments.push_back(step.department_code);
    }
  }
  terms.is_bundle = !c.bundle_code.empty();
  terms.mode = c.mode;
  terms.appointment_at = c.appointment_at;
  if (auto hall = halls_.find(c.department_code); hall != halls_.end()) terms.hall = hall->second;
  terms.applicant = c.applicant.location;
  terms.deadline = DeadlineOf(c);
  terms.priority = c.priority;
  for (const auto& [id, offer] : state_.offers) {
    if (offer.tracking_number == c.tracking_number &&
        (offer.state == OfferState::kDeclined || offer.state == OfferState::kExpired)) {
      terms.excluded_agents.push_back(offer.agent_id);
    }
  }
  terms.case_id = c.id;
  return terms;
}

AgentRecord InMemoryDispatchStore::Record(const AgentSettings& settings,
                                          const std::vector<cases::Case>& all) const {
  AgentRecord record;
  auto& p = record.profile;
  p.id = settings.user_id;
  const auto& account = accounts_.at(settings.user_id);
  p.name = account.name;
  record.phone = account.phone;
  record.active = account.active;
  p.capacity = settings.capacity;
  p.on_duty = settings.on_duty;
  for (std::size_t day = 0; day < settings.hours.size(); ++day) {
    p.hours.by_weekday[day] = ParseShift(settings.hours[day]);
  }
  if (auto position = state_.positions.find(p.id); position != state_.positions.end()) {
    p.position = position->second;
  }
  std::set<std::string> covered(settings.regions.begin(), settings.regions.end());
  for (const auto& region : regions_) {
    for (const auto& listed : settings.regions) {
      if (InMemoryCaseStore::RegionWithin(region, listed)) covered.insert(region);
    }
  }
  p.covered_regions.assign(covered.begin(), covered.end());
  record.listed_regions = settings.regions;
  std::sort(record.listed_regions.begin(), record.listed_regions.end());
  p.departments = settings.departments;
  for (const auto& c : all) {
    if (c.agent_id != p.id || !Open(c.state)) continue;
    ++record.open_cases;
    if (c.appointment_at) p.appointments.push_back(*c.appointment_at);
  }
  for (const auto& [id, offer] : state_.offers) {
    record.pending_offers += offer.agent_id == p.id && offer.state == OfferState::kPending;
  }
  p.load = record.open_cases + record.pending_offers;
  return record;
}

bool InMemoryDispatchStore::InScope(const AgentSettings& settings,
                                    const kernel::StaffScope& scope) const {
  if (scope.everything) return true;
  if (scope.ReachesNothing()) return false;
  const bool region =
      scope.region_code.empty() ||
      std::any_of(settings.regions.begin(), settings.regions.end(), [&](const auto& listed) {
        return InMemoryCaseStore::RegionWithin(listed, scope.region_code);
      });
  const bool department = scope.department_code.empty() ||
                          std::find(settings.departments.begin(), settings.departments.end(),
                                    scope.department_code) != settings.departments.end();
  return region && department;
}

bool InMemoryDispatchStore::CaseInScope(const cases::Case& c,
                                        const kernel::StaffScope& scope) const {
  if (scope.everything) return true;
  if (scope.ReachesNothing()) return false;
  return (scope.region_code.empty() ||
          InMemoryCaseStore::RegionWithin(c.region_code, scope.region_code)) &&
         (scope.department_code.empty() || c.department_code == scope.department_code);
}

void InMemoryDispatchStore::SaveAgent(const AgentSettings& settings) {
  std::lock_guard lock(mutex_);
  if (!accounts_.contains(settings.user_id)) {
    throw kernel::Invalid("user_id", "no account with role agent has this id");
  }
  for (const auto& region : settings.regions) {
    if (!regions_.contains(region)) throw kernel::Invalid("regions", "unknown region code");
  }
  state_.agents[settings.user_id] = settings;
}

bool InMemoryDispatchStore::SetDuty(std::int64_t agent_id, bool on_duty,
                                    const kernel::StaffScope& scope) {
  std::lock_guard lock(mutex_);
  auto agent = state_.agents.find(agent_id);
  if (agent == state_.agents.end() || !InScope(agent->second, scope)) return false;
  agent->second.on_duty = on_duty;
  return true;
}

std::vector<AgentRecord> InMemoryDispatchStore::Agents(const std::string& covering_region,
                                                       const kernel::StaffScope& scope,
                                                       AgentPage page) {
  const auto all = AllCases();
  std::lock_guard lock(mutex_);
  std::vector<AgentRecord> agents;
  // state_.agents is a map: by id, as the page asks.
  for (auto it = state_.agents.upper_bound(page.after_id); it != state_.agents.end(); ++it) {
    const auto& [id, settings] = *it;
    if (page.limit > 0 && agents.size() == static_cast<std::size_t>(page.limit)) break;
    if (!accounts_.at(id).active || !InScope(settings, scope)) continue;
    const bool covers =
        covering_region.empty() ||
        std::any_of(settings.regions.begin(), settings.regions.end(), [&](const auto& listed) {
          return InMemoryCaseStore::RegionWithin(covering_region, listed);
        });
    if (covers) agents.push_back(Record(settings, all));
  }
  return agents;
}

std::vector<AgentRecord> InMemoryDispatchStore::Board(const std::string& covering_region,
                                                      const kernel::StaffScope& scope,
                                                      AgentPage page) {
  auto agents = Agents(covering_region, scope, page);
  for (auto& agent : agents) {
    agent.profile.covered_regions.clear();
    agent.profile.appointments.clear();
  }
  return agents;
}

std::optional<AgentRecord> InMemoryDispatchStore::Agent(std::int64_t agent_id,
                                                        const kernel::StaffScope& scope) {
  const auto all = AllCases();
  std::lock_guard lock(mutex_);
  auto agent = state_.agents.find(agent_id);
  if (agent == state_.agents.end() || !InScope(agent->second, scope)) return std::nullopt;
  return Record(agent->second, all);
}

std::vector<PendingCase> InMemoryDispatchStore::WaitingCases(
    const std::string& region, int limit, const PendingCase* after,
    std::span<const std::int64_t> open_to) {
  const auto all = AllCases();
  std::lock_guard lock(mutex_);
  std::vector<PendingCase> waiting;
  for (const auto& c : all) {
    if (c.state != CaseState::kAccepted || !c.clock || HasPendingOffer(c.tracking_number)) continue;
    if (!region.empty() && !InMemoryCaseStore::RegionWithin(c.region_code, region)) continue;
    auto terms = Terms(c);
    if (after && !(WaitingOrder(*after) < WaitingOrder(terms))) continue;
    const auto& excluded = terms.excluded_agents;
    if (!open_to.empty() && std::all_of(open_to.begin(), open_to.end(), [&](std::int64_t agent) {
          return std::find(excluded.begin(), excluded.end(), agent) != excluded.end();
        })) {
      continue;
    }
    waiting.push_back(std::move(terms));
  }
  std::sort(waiting.begin(), waiting.end(),
            [](const auto& a, const auto& b) { return WaitingOrder(a) < WaitingOrder(b); });
  if (waiting.size() > static_cast<std::size_t>(std::max(limit, 0))) waiting.resize(limit);
  return waiting;
}

std::optional<PendingCase> InMemoryDispatchStore::WaitingCase(const std::string& tracking) {
  auto c = FindCase(tracking);
  std::lock_guard lock(mutex_);
  if (!c || c->state != CaseState::kAccepted || !c->clock || HasPendingOffer(tracking)) {
    return std::nullopt;
  }
  return Terms(*c);
}

std::optional<PendingCase> InMemoryDispatchStore::CaseTerms(const std::string& tracking) {
  auto c = FindCase(tracking);
  std::lock_guard lock(mutex_);
  if (!c) return std::nullopt;
  return Terms(*c);
}

std::vector<QueueEntry> InMemoryDispatchStore::Queue(const std::string& region,
                                                     const kernel::StaffScope& scope, int limit) {
  auto all = AllCases();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(a.accepted_at, a.id) < std::tie(b.accepted_at, b.id);
  });
  std::lock_guard lock(mutex_);
  std::vector<QueueEntry> queue;
  for (const auto& c : all) {
    if (static_cast<int>(queue.size()) >= limit) break;
    if (c.state != CaseState::kAccepted || HasPendingOffer(c.tracking_number)) continue;
    if (!region.empty() && !InMemoryCaseStore::RegionWithin(c.region_code, region)) continue;
    if (!CaseInScope(c, scope)) continue;
    int offers = 0;
    for (const auto& [id, offer] : state_.offers)
      offers += offer.tracking_number == c.tracking_number;
    queue.push_back({c.tracking_number, c.subject_name, c.region_code,
                     c.accepted_at.value_or(Moment{}), DeadlineOf(c), c.priority, offers});
  }
  return queue;
}

std::optional<OfferRecord> InMemoryDispatchStore::CreateOffer(const std::string& tracking,
                                                              std::int64_t agent_id,
                                                              bool needs_handoff, Moment now,
                                                              Moment expires_at) {
  const auto all = AllCases();
  auto c = FindCase(tracking);
  std::lock_guard lock(mutex_);
  auto agent = state_.agents.find(agent_id);
  if (!c || c->state != CaseState::kAccepted || agent == state_.agents.end()) return std::nullopt;
  if (HasPendingOffer(tracking) || Taken(agent_id, all) >= agent->second.capacity) {
    return std::nullopt;
  }
  OfferRecord offer;
  offer.id = state_.next_offer_id++;
  offer.tracking_number = tracking;
  offer.region_code = c->region_code;
  offer.agent_id = agent_id;
  offer.needs_handoff = needs_handoff;
  offer.offered_at = now;
  offer.expires_at = expires_at;
  state_.offers[offer.id] = offer;
  return offer;
}

std::optional<OfferRecord> InMemoryDispatchStore::Offer(std::int64_t offer_id) {
  std::lock_guard lock(mutex_);
  auto offer = state_.offers.find(offer_id);
  if (offer == state_.offers.end()) return std::nullopt;
  return offer->second;
}

std::vector<OfferRecord> InMemoryDispatchStore::PendingOffers(std::int64_t agent_id) {
  std::lock_guard lock(mutex_);
  std::vector<OfferRecord> offers;
  for (const auto& [id, offer] : state_.offers) {
    if (offer.state == OfferState::kPending && (agent_id == 0 || offer.agent_id == agent_id)) {
      offers.push_back(offer);
    }
  }
  return offers;
}

std::vector<OfferRecord> InMemoryDispatchStore::DueOffers(Moment now, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<OfferRecord> due;
  for (const auto& [id, offer] : state_.offers) {
    if (offer.state == OfferState::kPending && offer.expires_at <= now) due.push_back(offer);
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.expires_at < b.expires_at; });
  if (due.size() > static_cast<std::size_t>(std::max(limit, 0))) due.resize(limit);
  return due;
}

int InMemoryDispatchStore::OffersMade(const std::string& tracking) {
  std::lock_guard lock(mutex_);
  return static_cast<int>(
      std::count_if(state_.offers.begin(), state_.offers.end(),
                    [&](const auto& entry) { return entry.second.tracking_number == tracking; }));
}

void InMemoryDispatchStore::AnswerOffer(db::Tx& tx, std::int64_t offer_id, std::int64_t agent_id,
                                        OfferState state, const std::string& reason, Moment now) {
  std::lock_guard lock(mutex_);
  auto offer = state_.offers.find(offer_id);
  if (offer == state_.offers.end() || offer->second.agent_id != agent_id ||
      offer->second.state != OfferState::kPending || offer->second.expires_at <= now) {
    throw kernel::Conflict("offer_not_pending",
                           "the offer is no longer open (taken, declined, expired or withdrawn)");
  }
  UndoableIn(tx);
  offer->second.state = state;
  offer->second.decline_reason = reason;
}

bool InMemoryDispatchStore::CloseOffer(std::int64_t offer_id, OfferState state, Moment) {
  std::lock_guard lock(mutex_);
  auto offer = state_.offers.find(offer_id);
  if (offer == state_.offers.end() || offer->second.state != OfferState::kPending) return false;
  offer->second.state = state;
  return true;
}

void InMemoryDispatchStore::WithdrawOffersOf(db::Tx& tx, const std::string& tracking, Moment) {
  std::lock_guard lock(mutex_);
  UndoableIn(tx);
  for (auto& [id, offer] : state_.offers) {
    if (offer.tracking_number == tracking && offer.state == OfferState::kPending) {
      offer.state = OfferState::kWithdrawn;
    }
  }
}

std::vector<OfferRecord> InMemoryDispatchStore::WithdrawStaleOffers(const std::string& tracking,
                                                                    Moment) {
  auto c = FindCase(tracking);
  std::lock_guard lock(mutex_);
  std::vector<OfferRecord> withdrawn;
  if (!c || c->state == CaseState::kAccepted) return withdrawn;
  for (auto& [id, offer] : state_.offers) {
    if (offer.tracking_number == tracking && offer.state == OfferState::kPending) {
      offer.state = OfferState::kWithdrawn;
      withdrawn.push_back(offer);
    }
  }
  return withdrawn;
}

void InMemoryDispatchStore::ClaimCapacity(db::Tx&, std::int64_t agent_id, bool over_capacity) {
  // Inside the case change: the case store's reads see the case already given to the agent.
  const auto all = AllCases();
  std::lock_guard lock(mutex_);
  auto agent = state_.agents.find(agent_id);
  if (agent == state_.agents.end()) throw kernel::Invalid("agent_id", "no such agent");
  const int capacity = agent->second.capacity;
  if (Taken(agent_id, all) > capacity && !over_capacity) {
    throw kernel::Conflict(
        "agent_full", "the agent has no capacity left (" + std::to_string(capacity) + " cases)",
        "agent_id");
  }
}

std::vector<SlaCase> InMemoryDispatchStore::WatchedCases(int limit) {
  auto all = AllCases();
  std::lock_guard lock(mutex_);
  std::vector<SlaCase> watched;
  for (const auto& c : all) {
    const bool running = c.state == CaseState::kAccepted || c.state == CaseState::kAssigned ||
                         c.state == CaseState::kInProgress;
    if (!running || !c.clock) continue;
    const SlaMarks marks =
        state_.marks.contains(c.tracking_number) ? state_.marks.at(c.tracking_number) : SlaMarks{};
    if (marks.red && marks.candidate) continue;
    SlaCase s;
    s.tracking_number = c.tracking_number;
    s.state = cases::ToWord(c.state);
    s.deadline = c.clock->deadline;
    s.at_risk_at = c.clock->at_risk_at;
    s.yellow_raised = marks.yellow;
    s.red_raised = marks.red;
    s.agent_id = c.agent_id;
    auto agent = state_.agents.find(c.agent_id);
    s.agent_on_duty = agent == state_.agents.end() || agent->second.on_duty;
    s.assigned_at = c.assigned_at;
    s.last_progress_at = c.last_progress_at;
    s.candidate_raised = marks.candidate;
    watched.push_back(std::move(s));
  }
  std::stable_sort(watched.begin(), watched.end(),
                   [](const auto& a, const auto& b) { return a.deadline < b.deadline; });
  if (watched.size() > static_cast<std::size_t>(std::max(limit, 0))) watched.resize(limit);
  return watched;
}

void InMemoryDispatchStore::RecordSla(const std::string& tracking, const SlaFindings& f,
                                      Moment now) {
  if (!f.raise_yellow && !f.raise_red && !f.reassignment_candidate) return;
  auto c = FindCase(tracking);
  if (!c) return;
  std::lock_guard lock(mutex_);
  auto& marks = state_.marks[tracking];
  marks.yellow = marks.yellow || f.raise_yellow;
  marks.red = marks.red || f.raise_red;
  marks.candidate = marks.candidate || f.reassignment_candidate;
  auto alert = [&](const std::string& kind, const std::string& message) {
    state_.alerts.push_back({state_.next_alert_id++, tracking, c->region_code, kind, message, now});
  };
  if (f.raise_yellow) alert("yellow", "at risk");
  if (f.raise_red) alert("red", "overdue");
  if (f.reassignment_candidate) alert("reassignment_candidate", f.candidate_reason);
}

void InMemoryDispatchStore::RaiseAlert(const std::string& tracking, const std::string& kind,
                                       const std::string& message, Moment now) {
  auto c = FindCase(tracking);
  if (!c) return;
  std::lock_guard lock(mutex_);
  state_.alerts.push_back({state_.next_alert_id++, tracking, c->region_code, kind, message, now});
}

std::vector<Alert> InMemoryDispatchStore::Alerts(const kernel::StaffScope& scope, int limit) {
  const auto all = AllCases();
  std::lock_guard lock(mutex_);
  std::vector<Alert> alerts;
  for (auto alert = state_.alerts.rbegin(); alert != state_.alerts.rend(); ++alert) {
    if (static_cast<int>(alerts.size()) >= limit) break;
    auto c = std::find_if(all.begin(), all.end(), [&](const auto& k) {
      return k.tracking_number == alert->tracking_number;
    });
    if (c != all.end() && CaseInScope(*c, scope)) alerts.push_back(*alert);
  }
  return alerts;
}

bool InMemoryDispatchStore::DeclineOffer(std::int64_t offer_id, std::int64_t agent_id,
                                         const std::string& reason, Moment) {
  std::lock_guard lock(mutex_);
  auto offer = state_.offers.find(offer_id);
  if (offer == state_.offers.end() || offer->second.agent_id != agent_id ||
      offer->second.state != OfferState::kPending) {
    return false;
  }
  offer->second.state = OfferState::kDeclined;
  offer->second.decline_reason = reason;
  return true;
}

std::string InMemoryDispatchStore::QueueRegion(const std::string& region) {
  return region.size() == 9 ? region.substr(0, 6) : region;
}

}  // namespace daiban::dispatch::testing
