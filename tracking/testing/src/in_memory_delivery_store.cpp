#include "daiban/tracking/testing/in_memory_delivery_store.hpp"

#include <algorithm>

#include "daiban/cases/testing/in_memory_case_store.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::tracking::testing {

namespace {

using cases::testing::InMemoryCaseStore;

// The latest fix counts as the courier's position for two hours.
constexpr auto kPositionFresh = std::chrono::hours(2);

}  // namespace

void InMemoryDeliveryStore::AddAccount(std::int64_t user_id, std::string name, std::string phone) {
  std::lock_guard lock(mutex_);
  accounts_[user_id] = {std::move(name), std::move(phone)};
}

void InMemoryDeliveryStore::AddRegion(const std::string& code) {
  std::lock_guard lock(mutex_);
  regions_.insert(code);
}

void InMemoryDeliveryStore::AddFix(std::int64_t courier_id, TimedFix fix) {
  std::lock_guard lock(mutex_);
  auto& fixes = fixes_[courier_id];
  fixes.push_back(fix);
  std::stable_sort(fixes.begin(), fixes.end(),
                   [](const auto& a, const auto& b) { return a.time < b.time; });
}

void InMemoryDeliveryStore::AddLegPhoto(std::int64_t delivery_id, const std::string& sha256) {
  std::lock_guard lock(mutex_);
  photos_.insert({delivery_id, sha256});
}

std::vector<InMemoryDeliveryStore::RaisedAlert> InMemoryDeliveryStore::Alerts() const {
  std::lock_guard lock(mutex_);
  return state_.alerts;
}

std::map<std::int64_t, cases::Case> InMemoryDeliveryStore::CasesById() {
  cases::CaseFilter every;
  every.limit = 1'000'000;
  std::map<std::int64_t, cases::Case> by_id;
  for (auto& c : cases_.List(every, cases::CaseScope::Everything())) by_id[c.id] = std::move(c);
  return by_id;
}

void InMemoryDeliveryStore::UndoableIn(db::Tx& tx) {
  tx.OnRollback([this, before = state_] {
    std::lock_guard lock(mutex_);
    state_ = before;
  });
}

DeliveryRecord InMemoryDeliveryStore::Filled(
    DeliveryRecord d, const std::map<std::int64_t, cases::Case>& cases) const {
  if (auto c = cases.find(d.case_id); c != cases.end()) {
    d.tracking_number = c->second.tracking_number;
    d.dropoff_phone = c->second.applicant.phone;
  }
  if (auto courier = accounts_.find(d.courier_id); courier != accounts_.end()) {
    d.courier_name = courier->second.name;
    d.courier_phone = courier->second.phone;
  }
  return d;
}

std::vector<DeliveryRecord> InMemoryDeliveryStore::Select(
    const std::function<bool(const DeliveryRecord&)>& keep) {
  const auto cases = CasesById();
  std::lock_guard lock(mutex_);
  std::vector<DeliveryRecord> out;
  for (const auto& [id, d] : state_.deliveries) {
    if (keep(d)) out.push_back(Filled(d, cases));
  }
  return out;  // by id
}

int InMemoryDeliveryStore::OpenCount(std::int64_t courier_id) const {
  return static_cast<int>(
      std::count_if(state_.deliveries.begin(), state_.deliveries.end(), [&](const auto& entry) {
        return entry.second.courier_id == courier_id && IsOpen(entry.second.state);
      }));
}

bool InMemoryDeliveryStore::CreateLocked(const NewDelivery& n, Moment now) {
  for (const auto& [id, d] : state_.deliveries) {
    if (d.case_id == n.case_id && d.leg == n.leg && d.state != DeliveryState::kCancelled) {
      return false;
    }
  }
  DeliveryRecord d;
  d.id = state_.next_delivery_id++;
  d.case_id = n.case_id;
  d.leg = n.leg;
  d.region_code = n.region_code;
  d.pickup_key = n.pickup_key;
  d.pickup_name = n.pickup_name;
  d.pickup_address = n.pickup_address;
  d.pickup = n.pickup;
  d.dropoff_name = n.dropoff_name;
  d.dropoff_address = n.dropoff_address;
  d.dropoff = n.dropoff;
  d.window = n.window;
  d.contents = n.contents;
  d.created_at = now;
  state_.deliveries[d.id] = d;
  return true;
}

bool InMemoryDeliveryStore::Create(const NewDelivery& n, Moment now) {
  std::lock_guard lock(mutex_);
  return CreateLocked(n, now);
}

bool InMemoryDeliveryStore::Create(db::Tx& tx, const NewDelivery& n, Moment now) {
  std::lock_guard lock(mutex_);
  UndoableIn(tx);
  return CreateLocked(n, now);
}

std::optional<DeliveryRecord> InMemoryDeliveryStore::Find(std::int64_t id) {
  auto found = Select([&](const DeliveryRecord& d) { return d.id == id; });
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<DeliveryRecord> InMemoryDeliveryStore::OfCase(std::int64_t case_id) {
  return Select([&](const DeliveryRecord& d) { return d.case_id == case_id; });
}

std::vector<DeliveryRecord> InMemoryDeliveryStore::Pending(int limit) {
  auto pending = Select([](const DeliveryRecord& d) { return d.state == DeliveryState::kPending; });
  std::stable_sort(pending.begin(), pending.end(),
                   [](const auto& a, const auto& b) { return a.window.to < b.window.to; });
  if (pending.size() > static_cast<std::size_t>(std::max(limit, 0))) pending.resize(limit);
  return pending;
}

std::vector<DeliveryRecord> InMemoryDeliveryStore::OpenOf(std::int64_t courier_id) {
  auto open = Select(
      [&](const DeliveryRecord& d) { return d.courier_id == courier_id && IsOpen(d.state); });
  // Plan order, the unplanned last.
  std::stable_sort(open.begin(), open.end(), [](const auto& a, const auto& b) {
    if (a.stop_order.has_value() != b.stop_order.has_value()) return a.stop_order.has_value();
    return a.stop_order.value_or(0) < b.stop_order.value_or(0);
  });
  return open;
}

std::vector<AttemptRecord> InMemoryDeliveryStore::Attempts(std::int64_t delivery_id) {
  std::lock_guard lock(mutex_);
  auto found = state_.attempts.find(delivery_id);
  return found == state_.attempts.end() ? std::vector<AttemptRecord>{} : found->second;
}

std::vector<CourierRecord> InMemoryDeliveryStore::LoadCouriers(std::int64_t only_id, Moment now,
                                                               const kernel::StaffScope& scope) {
  std::lock_guard lock(mutex_);
  std::vector<CourierRecord> out;
  for (const auto& [id, s] : state_.couriers) {
    if (only_id != 0 && id != only_id) continue;
    // A courier serves no department: only the region part of a scope reaches it.
    const bool in_scope = scope.everything ||
                          (!scope.region_code.empty() &&
                           std::any_of(s.regions.begin(), s.regions.end(), [&](const auto& listed) {
                             return InMemoryCaseStore::RegionWithin(listed, scope.region_code);
                           }));
    if (!in_scope) continue;
    CourierRecord c;
    c.profile.id = id;
    c.profile.name = accounts_.at(id).name;
    c.phone = accounts_.at(id).phone;
    c.company = s.company;
    c.vehicle = s.vehicle;
    c.profile.capacity = s.capacity;
    c.profile.on_duty = s.on_duty;
    c.profile.base = s.base;
    std::set<std::string> covered(s.regions.begin(), s.regions.end());
    for (const auto& region : regions_) {
      for (const auto& listed : s.regions) {
        if (InMemoryCaseStore::RegionWithin(region, listed)) covered.insert(region);
      }
    }
    c.profile.covered_regions.assign(covered.begin(), covered.end());
    c.listed_regions = s.regions;
    std::sort(c.listed_regions.begin(), c.listed_regions.end());
    c.profile.load = OpenCount(id);
    std::set<std::string> keys;
    for (const auto& [delivery_id, d] : state_.deliveries) {
      if (d.courier_id == id && d.state == DeliveryState::kAssigned) keys.insert(d.pickup_key);
    }
    c.profile.pending_pickup_keys.assign(keys.begin(), keys.end());
    if (auto fixes = fixes_.find(id); fixes != fixes_.end() && !fixes->second.empty() &&
                                      fixes->second.back().time > now - kPositionFresh) {
      c.profile.position = fixes->second.back().at;
      c.last_seen = fixes->second.back().time;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CourierRecord> InMemoryDeliveryStore::Couriers(Moment now,
                                                           const kernel::StaffScope& scope) {
  return LoadCouriers(0, now, scope);
}

std::optional<CourierRecord> InMemoryDeliveryStore::Courier(std::int64_t id, Moment now,
                                                            const kernel::StaffScope& scope) {
  if (id <= 0) return std::nullopt;
  auto found = LoadCouriers(id, now, scope);
  if (found.empty()) return std::nullopt;
  return found.front();
}

void InMemoryDeliveryStore::SaveCourier(const CourierSettings& s, Moment) {
  std::lock_guard lock(mutex_);
  if (!accounts_.contains(s.user_id)) throw kernel::NotFound("no courier account with this id");
  for (const auto& region : s.regions) {
    if (!regions_.contains(region)) {
      throw kernel::Invalid("regions", "unknown region '" + region + "'");
    }
  }
  state_.couriers[s.user_id] = s;
}

bool InMemoryDeliveryStore::SetDuty(std::int64_t courier_id, bool on_duty, Moment) {
  std::lock_guard lock(mutex_);
  auto courier = state_.couriers.find(courier_id);
  if (courier == state_.couriers.end()) return false;
  courier->second.on_duty = on_duty;
  return true;
}

bool InMemoryDeliveryStore::Assign(db::Tx& tx, std::int64_t delivery_id, std::int64_t courier_id,
                                   Moment now) {
  std::lock_guard lock(mutex_);
  auto courier = state_.couriers.find(courier_id);
  auto d = state_.deliveries.find(delivery_id);
  if (courier == state_.couriers.end() || OpenCount(courier_id) >= courier->second.capacity ||
      d == state_.deliveries.end() || d->second.state != DeliveryState::kPending) {
    return false;
  }
  UndoableIn(tx);
  d->second.state = DeliveryState::kAssigned;
  d->second.courier_id = courier_id;
  d->second.assigned_at = now;
  ++d->second.version;
  return true;
}

void InMemoryDeliveryStore::Move(db::Tx& tx, const DeliveryMove& m, Moment now) {
  std::lock_guard lock(mutex_);
  auto d = state_.deliveries.find(m.delivery_id);
  if (d == state_.deliveries.end() || d->second.version != m.expected_version) {
    throw kernel::Conflict("stale_delivery", "the delivery changed meanwhile: read it again");
  }
  UndoableIn(tx);
  auto& moved = d->second;
  moved.state = m.to;
  ++moved.version;
  if (m.to == DeliveryState::kPickedUp && !moved.picked_up_at) moved.picked_up_at = now;
  if (m.to == DeliveryState::kDelivered) moved.delivered_at = now;
  if (m.new_window) moved.window = *m.new_window;
  if (m.count_attempt) ++moved.attempts;
}

void InMemoryDeliveryStore::RecordAttempt(db::Tx& tx, const AttemptRecord& attempt) {
  std::lock_guard lock(mutex_);
  UndoableIn(tx);
  AttemptRecord kept = attempt;
  kept.id = state_.next_attempt_id++;
  if (kept.proof_kind.empty()) kept.proof.clear();
  auto& attempts = state_.attempts[attempt.delivery_id];
  attempts.push_back(kept);
  std::stable_sort(attempts.begin(), attempts.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
}

void InMemoryDeliveryStore::RaiseDeliveryAlert(db::Tx& tx, std::int64_t case_id,
                                               const std::string& message, Moment now) {
  const auto cases = CasesById();
  auto c = cases.find(case_id);
  if (c == cases.end()) return;
  std::lock_guard lock(mutex_);
  UndoableIn(tx);
  state_.alerts.push_back({case_id, c->second.region_code, message, now});
}

bool InMemoryDeliveryStore::HasLegPhoto(std::int64_t delivery_id, const std::string& sha256) {
  std::lock_guard lock(mutex_);
  return photos_.contains({delivery_id, sha256});
}

int InMemoryDeliveryStore::CancelUnpicked(std::int64_t case_id, Moment) {
  std::lock_guard lock(mutex_);
  int cancelled = 0;
  for (auto& [id, d] : state_.deliveries) {
    if (d.case_id == case_id &&
        (d.state == DeliveryState::kPending || d.state == DeliveryState::kAssigned)) {
      d.state = DeliveryState::kCancelled;
      ++d.version;
      ++cancelled;
    }
  }
  return cancelled;
}

void InMemoryDeliveryStore::SavePlan(const std::vector<PlanRow>& plan) {
  std::lock_guard lock(mutex_);
  SavePlanLocked(plan);
}

void InMemoryDeliveryStore::SavePlan(db::Tx& tx, const std::vector<PlanRow>& plan) {
  std::lock_guard lock(mutex_);
  UndoableIn(tx);
  SavePlanLocked(plan);
}

void InMemoryDeliveryStore::SavePlanLocked(const std::vector<PlanRow>& plan) {
  for (const auto& row : plan) {
    auto d = state_.deliveries.find(row.delivery_id);
    if (d == state_.deliveries.end()) continue;
    d->second.stop_order = row.stop_order;
    d->second.planned_at = row.planned_at;
    d->second.planned_late = row.late;
  }
}

std::vector<TimedFix> InMemoryDeliveryStore::RecentFixes(std::int64_t courier_id, Moment since) {
  std::lock_guard lock(mutex_);
  std::vector<TimedFix> recent;
  if (auto fixes = fixes_.find(courier_id); fixes != fixes_.end()) {
    for (const auto& fix : fixes->second) {
      if (fix.time >= since && recent.size() < 500) recent.push_back(fix);
    }
  }
  return recent;
}

}  // namespace daiban::tracking::testing
