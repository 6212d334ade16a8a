#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daiban/kernel/errors.hpp"
#include "daiban/supervision/followups.hpp"
#include "daiban/supervision/notifications.hpp"
#include "daiban/supervision/stats_service.hpp"

// In-memory stores of the supervision context, for unit tests of its use cases: they keep the
// contracts of the PostgreSQL stores in pg/ (scope, order, paging, conditional writes, leases)
// without a server. The scope rule is kernel::StaffScope's, over a region tree the test builds.
namespace daiban::supervision::testing {

// Regions as code -> parent code; a region lies within itself and every ancestor.
class RegionTree {
 public:
  RegionTree& Add(const std::string& code, const std::string& parent) {
    parents_[code] = parent;
    return *this;
  }
  bool Within(const std::string& region, const std::string& ancestor) const {
    std::string at = region;
    for (int depth = 0; !at.empty() && depth < 16; ++depth) {
      if (at == ancestor) return true;
      auto up = parents_.find(at);
      at = up == parents_.end() ? std::string() : up->second;
    }
    return false;
  }
  // kernel::StaffScope applied to something with a region and a department.
  bool Reaches(const SupervisionScope& scope, const std::string& region,
               const std::string& department) const {
    if (scope.everything) return true;
    if (scope.ReachesNothing()) return false;
    return (scope.region_code.empty() || Within(region, scope.region_code)) &&
           (scope.department_code.empty() || department == scope.department_code);
  }

 private:
  std::map<std::string, std::string> parents_;
};

// The cohort source: cases with the region they were filed in (CohortCase carries only its
// district).
class MemoryStatsStore final : public StatsStore {
 public:
  explicit MemoryStatsStore(const RegionTree& regions) : regions_(regions) {}

  void Add(CohortCase c, std::string region_code) {
    cases_.emplace_back(std::move(c), std::move(region_code));
  }

  std::vector<CohortCase> Cohort(const SupervisionScope& scope, Moment start, Moment end) override {
    std::vector<CohortCase> out;
    for (const auto& [c, region] : cases_) {
      if (c.created_at >= start && c.created_at < end &&
          regions_.Reaches(scope, region, c.department_code)) {
        out.push_back(c);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const CohortCase& a, const CohortCase& b) { return a.id < b.id; });
    return out;
  }

 private:
  const RegionTree& regions_;
  std::vector<std::pair<CohortCase, std::string>> cases_;
};

// Follow-ups with the department of their case (the scope's department is the case's).
class MemoryFollowupStore final : public FollowupStore {
 public:
  explicit MemoryFollowupStore(const RegionTree& regions) : regions_(regions) {}

  void Add(Followup followup, std::string department_code) {
    followups_.emplace_back(std::move(followup), std::move(department_code));
  }
  void Name(std::int64_t user_id, std::string name) { names_[user_id] = std::move(name); }

  std::vector<Followup> List(const SupervisionScope& scope, const FollowupQuery& query) override {
    std::vector<Followup> out;
    for (const auto& [f, department] : followups_) {
      const bool wanted = query.filter == FollowupFilter::kAll ||
                          (query.filter == FollowupFilter::kOpen) == f.IsOpen();
      const bool after = !query.after || std::pair(f.due_at, f.id) >
                                             std::pair(query.after->due_at, query.after->id);
      if (wanted && after && regions_.Reaches(scope, f.region_code, department)) out.push_back(f);
    }
    std::sort(out.begin(), out.end(), [](const Followup& a, const Followup& b) {
      return std::pair(a.due_at, a.id) < std::pair(b.due_at, b.id);
    });
    if (out.size() > static_cast<std::size_t>(query.limit) + 1) out.resize(query.limit + 1);
    return out;
  }

  Followup Apply(std::int64_t id, const SupervisionScope& scope,
                 const FollowupWrite& write) override {
    for (auto& [f, department] : followups_) {
      if (f.id != id || !regions_.Reaches(scope, f.region_code, department)) continue;
      if (!f.IsOpen()) {
        throw kernel::Conflict("followup_closed", "the follow-up is closed already", "id");
      }
      if (write.answer && answers_.contains({write.answer->scope, write.answer->key})) {
        throw kernel::IdempotencyKeyTaken();
      }
      if (write.call_line) {
        f.call_notes += (f.call_notes.empty() ? "" : "\n") + *write.call_line;
      }
      if (write.outcome) {
        f.outcome = *write.outcome;
        f.closed_at = write.at;
        f.closed_by_id = write.user_id;
        auto name = names_.find(write.user_id);
        f.closed_by_name = name == names_.end() ? std::string() : name->second;
      }
      if (write.answer) {
        kernel::IdempotentAnswer kept = *write.answer;
        if (write.render_answer) kept.body = write.render_answer(f);
        answers_[{kept.scope, kept.key}] = kept;
      }
      return f;
    }
    throw kernel::NotFound("no such follow-up");
  }
  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override {
    auto kept = answers_.find({scope, key});
    if (kept == answers_.end()) return std::nullopt;
    return kept->second;
  }

 private:
  const RegionTree& regions_;
  std::map<std::pair<std::string, std::string>, kernel::IdempotentAnswer> answers_;
  std::vector<std::pair<Followup, std::string>> followups_;
  std::map<std::int64_t, std::string> names_;
};

// The notifications waiting to be delivered, with the states the sender leaves them in.
class MemoryNotificationStore final : public NotificationStore {
 public:
  enum class State { kPending, kSent, kGivenUp };
  struct Row {
    Notification notification;
    State state = State::kPending;
    kernel::Instant next_attempt_at{};
    std::string last_error;
  };

  explicit MemoryNotificationStore(std::chrono::seconds claim_lease = std::chrono::seconds(900))
      : claim_lease_(claim_lease) {}

  // What EnqueueNotification writes: pending, due at `now`.
  std::int64_t Enqueue(const NotificationDraft& draft, kernel::Instant now) {
    Row row;
    row.notification = {.id = static_cast<std::int64_t>(rows_.size()) + 1,
                        .case_id = draft.case_id,
                        .channel = draft.channel,
                        .recipient = draft.recipient,
                        .recipient_masked = draft.recipient_masked,
                        .template_name = draft.template_name,
                        .data = draft.data,
                        .created_at = now};
    row.next_attempt_at = now;
    rows_.push_back(std::move(row));
    return rows_.back().notification.id;
  }
  const Row& At(std::int64_t id) const { return rows_.at(static_cast<std::size_t>(id - 1)); }

  std::vector<Notification> ClaimDue(kernel::Instant now, int limit) override {
    std::vector<Row*> due;
    for (auto& row : rows_) {
      if (row.state == State::kPending && row.next_attempt_at <= now) due.push_back(&row);
    }
    std::stable_sort(due.begin(), due.end(), [](const Row* a, const Row* b) {
      return a->next_attempt_at < b->next_attempt_at;
    });
    if (due.size() > static_cast<std::size_t>(limit)) due.resize(static_cast<std::size_t>(limit));
    std::vector<Notification> claimed;
    for (Row* row : due) {
      row->next_attempt_at = now + claim_lease_;  // the lease
      claimed.push_back(row->notification);
    }
    return claimed;
  }
  void MarkSent(std::int64_t id, kernel::Instant) override {
    Row& row = Pending(id);
    if (row.state != State::kPending) return;
    row.state = State::kSent;
    row.notification.attempts += 1;
    row.last_error.clear();
  }
  void MarkFailed(std::int64_t id, int attempts, const std::string& error,
                  kernel::Instant next_attempt_at) override {
    Row& row = Pending(id);
    if (row.state != State::kPending) return;
    row.notification.attempts = attempts;
    row.last_error = error;
    row.next_attempt_at = next_attempt_at;
  }
  void MarkGivenUp(std::int64_t id, int attempts, const std::string& error) override {
    Row& row = Pending(id);
    if (row.state != State::kPending) return;
    row.state = State::kGivenUp;
    row.notification.attempts = attempts;
    row.last_error = error;
  }

 private:
  Row& Pending(std::int64_t id) { return rows_.at(static_cast<std::size_t>(id - 1)); }

  std::chrono::seconds claim_lease_;
  std::vector<Row> rows_;
};

}  // namespace daiban::supervision::testing
