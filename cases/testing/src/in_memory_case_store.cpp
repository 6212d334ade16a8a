#include "daiban/cases/testing/in_memory_case_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "daiban/db/tx.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::cases::testing {

bool InMemoryCaseStore::RegionWithin(const std::string& region, const std::string& ancestor) {
  std::string prefix = ancestor;
  while (prefix.size() > 2 && prefix.ends_with("00")) prefix.resize(prefix.size() - 2);
  return region == ancestor || region.starts_with(prefix);
}

bool InMemoryCaseStore::InScope(const Case& c, const CaseScope& s) {
  if (s.everything) return true;
  // An empty scope sees nothing.
  if (s.region_code.empty() && s.department_code.empty() && s.agent_id == 0) return false;
  return (s.region_code.empty() || RegionWithin(c.region_code, s.region_code)) &&
         (s.department_code.empty() || c.department_code == s.department_code) &&
         (s.agent_id == 0 || c.agent_id == s.agent_id);
}

void InMemoryCaseStore::AddAgent(std::int64_t agent_id, std::string name, std::string phone) {
  std::lock_guard lock(mutex_);
  agents_[agent_id] = {std::move(name), std::move(phone)};
}

void InMemoryCaseStore::WithAgent(Case& c) const {
  auto agent = agents_.find(c.agent_id);
  c.agent_name = agent == agents_.end() ? "" : agent->second.first;
  c.agent_phone = agent == agents_.end() ? "" : agent->second.second;
}

std::optional<kernel::IdempotentAnswer> InMemoryCaseStore::FindAnswer(const std::string& scope,
                                                                      const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = Visible().answers.find({scope, key});
  if (found == Visible().answers.end()) return std::nullopt;
  return found->second;
}

void InMemoryCaseStore::Write(State& state, Row& row, const CaseChange& change,
                              const std::optional<kernel::IdempotentAnswer>& answer) const {
  if (answer) {
    if (!state.answers.emplace(std::make_pair(answer->scope, answer->key), *answer).second) {
      throw kernel::IdempotencyKeyTaken();
    }
  }
  for (CaseEvent e : change.events) {
    e.id = state.next_event_id++;
    row.events.push_back(std::move(e));
  }
  for (const auto& message : change.outbox) {
    state.outbox.push_back({row.c.tracking_number, message});
  }
  for (const auto& notice : change.notices) row.notices.push_back(notice);
  if (change.new_rating) row.c.rating = change.new_rating;
  if (change.new_followup) state.followups.push_back(*change.new_followup);
  if (change.wrong_guess_subject) {
    auto& guesses = row.guesses[*change.wrong_guess_subject];
    ++guesses.failures;
    guesses.blocked = guesses.blocked || change.block_subject;
  }
  if (change.clear_handover_guesses) row.guesses.clear();
  if (change.new_alert) row.alerts.push_back(*change.new_alert);
  // Last, as PostgreSQL runs them after the case is written: the other fakes' writes of this
  // change, which see the change (through the reads of this store) and are undone with it.
  if (!change.also_in_transaction.empty()) {
    db::Tx tx;
    in_change_ = &state;
    try {
      for (const auto& work : change.also_in_transaction) work(tx);
    } catch (...) {
      in_change_ = nullptr;
      tx.RollBack();
      throw;
    }
    in_change_ = nullptr;
  }
}

const InMemoryCaseStore::State& InMemoryCaseStore::Visible() const {
  return in_change_ != nullptr ? *in_change_ : state_;
}

void InMemoryCaseStore::Create(Case& new_case, const CaseChange& change,
                               const std::optional<kernel::IdempotentAnswer>& answer) {
  std::lock_guard lock(mutex_);
  State next = state_;
  if (next.cases.contains(new_case.tracking_number)) {
    throw std::logic_error("tracking number taken: " + new_case.tracking_number);
  }
  Case stored = new_case;
  stored.id = next.next_case_id++;
  stored.version = 1;
  Row& row = next.cases[stored.tracking_number];
  row.c = stored;
  Write(next, row, change, answer);
  state_ = std::move(next);
  new_case.id = stored.id;
  new_case.version = 1;
}

std::optional<Case> InMemoryCaseStore::Find(const std::string& tracking_number,
                                            const CaseScope& scope) {
  std::lock_guard lock(mutex_);
  auto found = Visible().cases.find(tracking_number);
  if (found == Visible().cases.end() || !InScope(found->second.c, scope)) return std::nullopt;
  Case c = found->second.c;
  WithAgent(c);
  return c;
}

Case InMemoryCaseStore::Change(const std::string& tracking_number, const CaseScope& scope,
                               const std::function<void(Case&, CaseChange&)>& apply) {
  std::lock_guard lock(mutex_);
  auto found = state_.cases.find(tracking_number);
  if (found == state_.cases.end() || !InScope(found->second.c, scope)) {
    throw kernel::NotFound("no case with this tracking number");
  }
  State next = state_;
  Row& row = next.cases.at(tracking_number);
  Case c = row.c;
  WithAgent(c);
  CaseChange change;
  change.custody_events = [&row] {
    std::vector<CaseEvent> custody;
    for (const auto& e : row.events) {
      if (e.data.is_object() && e.data.contains("custody")) custody.push_back(e);
    }
    return custody;
  };
  change.handover_guesses = [&row](const std::string& subject) {
    auto guesses = row.guesses.find(subject);
    return guesses == row.guesses.end() ? HandoverGuesses{} : guesses->second;
  };
  apply(c, change);
  c.version = row.c.version + 1;
  row.c = c;
  if (change.answer && change.render_answer) {
    auto timeline = row.events;
    for (CaseEvent e : change.events) {
      e.id = next.next_event_id + static_cast<std::int64_t>(timeline.size() - row.events.size());
      timeline.push_back(std::move(e));
    }
    change.answer->body = change.render_answer(c, timeline);
  }
  Write(next, row, change, change.answer);
  state_ = std::move(next);
  WithAgent(c);
  return c;
}

std::vector<CaseEvent> InMemoryCaseStore::Timeline(std::int64_t case_id) {
  std::lock_guard lock(mutex_);
  for (const auto& [tracking, row] : Visible().cases) {
    if (row.c.id == case_id) return row.events;
  }
  return {};
}

std::vector<Case> InMemoryCaseStore::List(const CaseFilter& f, const CaseScope& scope) {
  std::lock_guard lock(mutex_);
  auto working = [](CaseState s) {
    return s == CaseState::kAccepted || s == CaseState::kAssigned || s == CaseState::kInProgress;
  };
  std::vector<Case> listed;
  for (const auto& [tracking, row] : Visible().cases) {
    const Case& c = row.c;
    if (!InScope(c, scope)) continue;
    if (!f.states.empty() && std::find(f.states.begin(), f.states.end(), c.state) == f.states.end())
      continue;
    if (!f.region_code.empty() && !RegionWithin(c.region_code, f.region_code)) continue;
    if (!f.department_code.empty() && c.department_code != f.department_code) continue;
    if (!f.item_code.empty() && c.item_code != f.item_code) continue;
    if (f.agent_id != 0 && c.agent_id != f.agent_id) continue;
    if (f.at_risk && !(working(c.state) && c.clock && c.clock->at_risk_at <= f.now &&
                       c.clock->deadline >= f.now))
      continue;
    if (f.overdue && !(working(c.state) && c.clock && c.clock->deadline < f.now)) continue;
    if (f.created_from && c.created_at < *f.created_from) continue;
    if (f.created_to && c.created_at >= *f.created_to) continue;
    if (f.order == ListOrder::kCreated) {
      // Keyset: after (created_at, id).
      if (f.after_created && (c.created_at < *f.after_created ||
                              (c.created_at == *f.after_created && c.id <= f.after_id)))
        continue;
      listed.push_back(c);
      continue;
    }
    // Keyset: after (deadline, id) in list order, cases without a deadline last.
    if (f.after_deadline) {
      if (c.clock && (c.clock->deadline < *f.after_deadline ||
                      (c.clock->deadline == *f.after_deadline && c.id <= f.after_id)))
        continue;
    } else if (f.after_no_deadline) {
      if (c.clock || c.id <= f.after_id) continue;
    }
    listed.push_back(c);
  }
  std::sort(listed.begin(), listed.end(), [&f](const Case& a, const Case& b) {
    if (f.order == ListOrder::kCreated) {
      if (a.created_at != b.created_at) return a.created_at < b.created_at;
      return a.id < b.id;
    }
    if (a.clock.has_value() != b.clock.has_value()) return a.clock.has_value();
    if (a.clock && a.clock->deadline != b.clock->deadline) {
      return a.clock->deadline < b.clock->deadline;
    }
    return a.id < b.id;
  });
  if (listed.size() > static_cast<std::size_t>(std::max(f.limit, 0))) listed.resize(f.limit);
  for (auto& c : listed) WithAgent(c);
  return listed;
}

std::int64_t InMemoryCaseStore::NewestEventId() {
  std::lock_guard lock(mutex_);
  return Visible().next_event_id - 1;
}

std::vector<AgentCaseEvent> InMemoryCaseStore::AgentEventsAfter(std::int64_t agent_id,
                                                                std::int64_t after_event_id,
                                                                int limit) {
  std::lock_guard lock(mutex_);
  std::vector<AgentCaseEvent> events;
  for (const auto& [tracking, row] : Visible().cases) {
    const bool mine = row.c.agent_id == agent_id;
    for (const auto& e : row.events) {
      if (e.id <= after_event_id) continue;
      // As the PostgreSQL store compares it: the value's text, a number or a string.
      bool was_mine = false;
      if (e.data.is_object() && e.data.contains("previous_agent_id")) {
        const auto& previous = e.data["previous_agent_id"];
        was_mine = previous.is_string() ? previous.get<std::string>() == std::to_string(agent_id)
                                        : previous.dump() == std::to_string(agent_id);
      }
      if (mine || was_mine) events.push_back({e.id, tracking, mine});
    }
  }
  std::sort(events.begin(), events.end(),
            [](const auto& a, const auto& b) { return a.event_id < b.event_id; });
  if (events.size() > static_cast<std::size_t>(std::max(limit, 0))) events.resize(limit);
  return events;
}

std::vector<InMemoryCaseStore::Written> InMemoryCaseStore::Outbox() const {
  std::lock_guard lock(mutex_);
  return state_.outbox;
}

std::vector<ApplicantNotice> InMemoryCaseStore::Notices(const std::string& tracking) const {
  std::lock_guard lock(mutex_);
  auto found = state_.cases.find(tracking);
  return found == state_.cases.end() ? std::vector<ApplicantNotice>{} : found->second.notices;
}

std::vector<SupervisorAlert> InMemoryCaseStore::Alerts(const std::string& tracking) const {
  std::lock_guard lock(mutex_);
  auto found = state_.cases.find(tracking);
  return found == state_.cases.end() ? std::vector<SupervisorAlert>{} : found->second.alerts;
}

std::vector<Followup> InMemoryCaseStore::Followups() const {
  std::lock_guard lock(mutex_);
  return state_.followups;
}

HandoverGuesses InMemoryCaseStore::Guesses(const std::string& tracking,
                                           const std::string& subject) const {
  std::lock_guard lock(mutex_);
  auto found = state_.cases.find(tracking);
  if (found == state_.cases.end()) return {};
  auto guesses = found->second.guesses.find(subject);
  return guesses == found->second.guesses.end() ? HandoverGuesses{} : guesses->second;
}

}  // namespace daiban::cases::testing
