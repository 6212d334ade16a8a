#include "daiban/tracking/app/delivery_service.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "daiban/cases/applicant_rules.hpp"
#include "daiban/cases/custody.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/tracking/route_search.hpp"

namespace daiban::tracking {

namespace {

using cases::Actor;
using cases::CaseAction;
using cases::CaseScope;
using kernel::Role;
using nlohmann::json;

const Actor kSystem{Role::kSystem, 0, "daiban", "", ""};

// The courier was filled (or the delivery taken) between the choice and the write.
struct AssignmentLost {};

// About 100 m: enough to see the courier coming, not enough to follow anyone to a door.
GeoPoint Rounded(GeoPoint at) {
  return {std::round(at.lat * 1000) / 1000, std::round(at.lng * 1000) / 1000};
}

json PositionJson(const std::optional<GeoPoint>& at) {
  if (!at) return nullptr;
  return {{"lat", at->lat}, {"lng", at->lng}};
}

// What a plan costs when couriers are compared: road km plus lateness, a minute past a window
// weighing like a kilometre.
constexpr double kKmPerLateMinute = 1.0;

double PlanCost(const PlanInput& input, const StopPlan& plan) {
  std::unordered_map<std::int64_t, const PlanTask*> tasks;
  for (const auto& task : input.tasks) tasks.emplace(task.delivery_id, &task);
  double late_seconds = 0;
  for (const auto& stop : plan.stops) {
    auto task = tasks.find(stop.delivery_id);
    if (task == tasks.end()) continue;
    const Moment due =
        stop.kind == StopKind::kPickup ? task->second->pickup_to : task->second->dropoff_to;
    if (stop.start > due) late_seconds += static_cast<double>((stop.start - due).count());
  }
  return plan.road_km + kKmPerLateMinute * late_seconds / 60.0;
}

// The courier's stops in the stored order. Each open delivery stores the place of its next stop
// (stop_order, numbered over the whole plan): the pickup until picked up, then the drop-off. The
// drop-offs of legs not yet picked up fill the numbers in between, after their pickups, the
// earliest window first. A delivery the courier has arrived at comes first and is pinned there;
// one not planned yet (a new leg) goes last, for ReplanStops to place.
struct StoredOrder {
  std::vector<PlannedStop> stops;
  std::size_t pinned = 0;
};

StoredOrder OrderOf(const std::vector<DeliveryRecord>& open) {
  std::vector<const DeliveryRecord*> sorted;
  for (const auto& d : open) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    if (a->stop_order.has_value() != b->stop_order.has_value()) return a->stop_order.has_value();
    if (a->stop_order && *a->stop_order != *b->stop_order) return *a->stop_order < *b->stop_order;
    return a->id < b->id;
  });
  StoredOrder out;
  auto stop = [](const DeliveryRecord& d, StopKind kind) {
    PlannedStop s;
    s.delivery_id = d.id;
    s.kind = kind;
    s.at = kind == StopKind::kPickup ? d.pickup : d.dropoff;
    return s;
  };
  for (const auto* d : sorted) {
    if (d->state == DeliveryState::kArrived) out.stops.push_back(stop(*d, StopKind::kDropoff));
  }
  out.pinned = out.stops.size();
  std::vector<const DeliveryRecord*> waiting;  // picked up in the plan, not yet dropped off
  auto drop_next = [&] {
    auto next = std::min_element(waiting.begin(), waiting.end(), [](const auto* a, const auto* b) {
      return std::pair(a->window.to, a->id) < std::pair(b->window.to, b->id);
    });
    out.stops.push_back(stop(**next, StopKind::kDropoff));
    waiting.erase(next);
  };
  for (const auto* d : sorted) {
    if (d->state == DeliveryState::kArrived) continue;
    if (d->stop_order) {
      while (!waiting.empty() && static_cast<int>(out.stops.size()) + 1 < *d->stop_order) {
        drop_next();
      }
    }
    if (d->state == DeliveryState::kAssigned) {
      out.stops.push_back(stop(*d, StopKind::kPickup));
      waiting.push_back(d);
    } else {
      out.stops.push_back(stop(*d, StopKind::kDropoff));
    }
  }
  while (!waiting.empty()) drop_next();
  return out;
}

// The eligible couriers nearest to the pickup (on duty, room left, serving the drop-off's
// region), nearest first: distance from where each is, none when it already fetches something
// at the same place; ties to the lower load, then the lower id.
std::vector<CourierRecord*> NearestEligible(const DeliveryRecord& d,
                                            std::vector<CourierRecord>& couriers,
                                            std::size_t how_many) {
  std::vector<std::pair<std::tuple<double, int, std::int64_t>, CourierRecord*>> eligible;
  for (auto& c : couriers) {
    const auto& p = c.profile;
    if (!p.on_duty || p.load >= p.capacity) continue;
    if (std::find(p.covered_regions.begin(), p.covered_regions.end(), d.region_code) ==
        p.covered_regions.end()) {
      continue;
    }
    const bool grouped = std::find(p.pending_pickup_keys.begin(), p.pending_pickup_keys.end(),
                                   d.pickup_key) != p.pending_pickup_keys.end();
    const double km = grouped ? 0 : DistanceKm(p.position.value_or(p.base), d.pickup);
    eligible.push_back({{km, p.load, p.id}, &c});
  }
  std::sort(eligible.begin(), eligible.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<CourierRecord*> out;
  for (std::size_t i = 0; i < eligible.size() && i < how_many; ++i) {
    out.push_back(eligible[i].second);
  }
  return out;
}

}  // namespace

DeliveryService::DeliveryService(DeliveryStore& store, cases::CaseService& cases,
                                 HallDirectory& halls, const kernel::Clock& clock,
                                 DeliveryOptions options)
    : store_(store), cases_(cases), halls_(halls), clock_(clock), options_(options) {}

Moment DeliveryService::Now() const { return kernel::ToMoment(clock_.Now()); }

double DeliveryService::SpeedOf(const std::string& vehicle) const {
  if (vehicle == "foot") return options_.foot_kmh;
  if (vehicle == "bicycle") return options_.bicycle_kmh;
  if (vehicle == "ebike") return options_.ebike_kmh;
  return options_.car_kmh;
}

void DeliveryService::OnCaseEvent(const std::string& tracking_number, const std::string& to_state) {
  if (to_state != "result_ready" && to_state != "delivered") return;
  auto c = cases_.ReadAsStaff(tracking_number, kSystem);
  if (to_state == "delivered") {
    // Handed over at the window after all: a courier has nothing left to fetch.
    CancelUnpicked(c.id);
    return;
  }
  if (c.delivery.method != cases::DeliveryMethod::kExpress) return;
  auto hall = halls_.HallOf(c.department_code);
  // Thrown, the event is retried and finally dead-lettered: a catalogue without the hall is a
  // data error an operator must see.
  if (!hall) throw std::runtime_error("department " + c.department_code + " has no hall");
  NewDelivery n;
  n.case_id = c.id;
  n.leg = Leg::kResult;
  n.region_code = c.region_code;
  n.pickup_key = hall->key;
  n.pickup_name = hall->name;
  n.pickup_address = hall->address;
  n.pickup = hall->at;
  n.dropoff_name = c.applicant.name;
  n.dropoff_address = c.delivery.address.empty() ? c.applicant.address : c.delivery.address;
  const auto& to = c.delivery.location ? *c.delivery.location : c.applicant.location;
  n.dropoff = to;
  n.window = FirstWindow(c.delivery.window, Now());
  n.contents = c.subject_name + " 办理结果";
  if (!c.result_reference.empty()) n.contents += "（" + c.result_reference + "）";
  store_.Create(n, Now());
}

DeliveryRecord DeliveryService::RequestCollection(const std::string& tracking, const Actor& agent) {
  if (agent.role != Role::kAgent) throw kernel::Forbidden("agents ask for collections");
  auto c = cases_.ReadAsStaff(tracking, agent);  // 404 unless it is the agent's case
  if (c.state != cases::CaseState::kAssigned && c.state != cases::CaseState::kInProgress &&
      c.state != cases::CaseState::kSuspended) {
    throw kernel::Conflict(
        "illegal_transition",
        "originals are collected while the case is being handled (it is " + ToWord(c.state) + ")",
        "state");
  }
  auto existing = [&]() -> std::optional<DeliveryRecord> {
    for (auto& d : store_.OfCase(c.id)) {
      if (d.leg == Leg::kCollection && d.state != DeliveryState::kCancelled) return d;
    }
    return std::nullopt;
  };
  if (auto leg = existing()) return *leg;
  auto hall = halls_.HallOf(c.department_code);
  if (!hall) throw kernel::Conflict("no_hall", "the case's department has no service hall");
  const Moment now = Now();
  NewDelivery n;
  n.case_id = c.id;
  n.leg = Leg::kCollection;
  n.region_code = c.region_code;
  n.pickup_key = "case:" + c.tracking_number;
  n.pickup_name = c.applicant.name;
  n.pickup_address = c.applicant.address;
  n.pickup = c.applicant.location;
  n.dropoff_name = agent.name;
  n.dropoff_address = hall->address;
  n.dropoff = hall->at;
  n.window = FirstWindow(c.delivery.window, now);
  n.contents = c.subject_name + " 申请材料原件";
  cases_.Note(
      c.tracking_number, CaseScope{.agent_id = agent.user_id}, agent, "collection_requested", "",
      {{"pickup_address", n.pickup_address}}, std::nullopt,
      [&](cases::Case&, cases::CaseChange& change) {
        change.also_in_transaction.push_back([&](db::Tx& tx) { store_.Create(tx, n, now); });
      });
  return *existing();
}

int DeliveryService::AssignPending(OwedImprovements* owed) {
  auto pending = store_.Pending(options_.assign_batch);
  if (pending.empty()) return 0;
  const Moment now = Now();
  auto couriers = store_.Couriers(now, kernel::StaffScope::Everything());
  // Each candidate courier as this run leaves it: its open legs and its improved plan's cost.
  struct Lane {
    std::vector<DeliveryRecord> open;
    std::optional<double> cost;
  };
  std::map<std::int64_t, Lane> lanes;
  int assigned = 0;
  for (const auto& d : pending) {
    auto candidates = NearestEligible(
        d, couriers, static_cast<std::size_t>(std::max(1, options_.assign_candidates)));
    if (candidates.empty()) continue;
    // The courier whose stops grow least with this leg put in at its cheapest place (distance
    // plus lateness); ties go to the nearer one. Only insertions are compared: an improved plan
    // per candidate cost the whole search budget each (six searches a leg, ~50 ms, so 50
    // results a second queued for seconds); the winner's stops are improved once a run, below.
    struct Offer {
      CourierRecord* courier = nullptr;
      double added = 0;
      double cost = 0;
      std::vector<DeliveryRecord> open;
      StopPlan plan;
    };
    std::optional<Offer> best;
    for (auto* c : candidates) {
      auto [lane, fresh] = lanes.try_emplace(c->profile.id);
      if (fresh) lane->second.open = store_.OpenOf(c->profile.id);
      if (!lane->second.cost) {
        lane->second.cost =
            PlanCost(InputFor(*c, lane->second.open), InsertedPlan(*c, lane->second.open));
      }
      auto with = lane->second.open;
      DeliveryRecord leg = d;
      leg.state = DeliveryState::kAssigned;
      leg.courier_id = c->profile.id;
      leg.stop_order.reset();
      with.push_back(leg);
      auto plan = InsertedPlan(*c, with);
      const double cost = PlanCost(InputFor(*c, with), plan);
      const double added = cost - *lane->second.cost;
      if (!best || added < best->added - 1e-9) {
        best = Offer{c, added, cost, std::move(with), std::move(plan)};
      }
    }
    CourierRecord& courier = *best->courier;
    // The plan that won is the courier's plan now (improved later, below), stored with the
    // assignment: one commit a leg, not two.
    const auto rows = PlanRows(best->plan, best->open);
    try {
      // The assignment is on the case's timeline, written with it.
      cases_.Note(d.tracking_number, CaseScope::Everything(), kSystem, "courier_assigned", "",
                  {{"delivery_id", d.id}, {"courier", courier.profile.name}}, std::nullopt,
                  [&](cases::Case&, cases::CaseChange& change) {
                    change.also_in_transaction.push_back([&](db::Tx& tx) {
                      if (!store_.Assign(tx, d.id, courier.profile.id, now)) throw AssignmentLost{};
                      store_.SavePlan(tx, rows);
                    });
                  });
    } catch (const AssignmentLost&) {
      // Full after all; the next run sees the truth.
      courier.profile.load = courier.profile.capacity;
      continue;
    } catch (const kernel::ApiError& error) {
      // The case closed meanwhile (handed over at the window): nothing to carry.
      if (error.Status() == 409) CancelUnpicked(d.case_id);
      continue;
    }
    // The lane goes on from the plan as stored, without reading the courier's legs back.
    auto& lane = lanes[courier.profile.id];
    lane.open = std::move(best->open);
    for (auto& leg : lane.open) {
      auto row = std::find_if(rows.begin(), rows.end(),
                              [&](const PlanRow& r) { return r.delivery_id == leg.id; });
      if (row == rows.end()) continue;
      leg.stop_order = row->stop_order;
      leg.planned_at = row->planned_at;
    }
    lane.cost = best->cost;
    ++courier.profile.load;
    courier.profile.pending_pickup_keys.push_back(d.pickup_key);
    if (owed != nullptr) owed->insert(courier.profile.id);
    ++assigned;
  }
  return assigned;
}

std::size_t DeliveryService::ImprovePlans(OwedImprovements& owed,
                                          const std::function<bool()>& keep_going) {
  while (!owed.empty() && keep_going()) {
    const auto id = *owed.begin();
    owed.erase(owed.begin());
    Replan(id);
  }
  return owed.size();
}

PlanInput DeliveryService::InputFor(const CourierRecord& courier,
                                    const std::vector<DeliveryRecord>& open) const {
  PlanInput input;
  input.start = courier.profile.position.value_or(courier.profile.base);
  input.start_time = Now();
  input.speed_kmh = SpeedOf(courier.vehicle);
  input.capacity = courier.profile.capacity;
  for (const auto& d : open) {
    PlanTask task;
    task.delivery_id = d.id;
    task.picked_up = d.state != DeliveryState::kAssigned;
    task.pickup = d.pickup;
    task.dropoff = d.dropoff;
    if (d.leg == Leg::kResult) {
      // The hall hands results out until the door window closes at the latest.
      task.pickup_from = input.start_time;
      task.pickup_to = std::max(d.window.to, input.start_time);
      task.dropoff_from = d.window.from;
      task.dropoff_to = d.window.to;
    } else {
      // Originals: the applicant's window is at the pickup; the hall takes them in later.
      task.pickup_from = d.window.from;
      task.pickup_to = d.window.to;
      task.dropoff_from = d.window.from;
      task.dropoff_to = d.window.to + std::chrono::hours(12);
    }
    input.tasks.push_back(task);
  }
  return input;
}

StopPlan DeliveryService::StoredPlan(const CourierRecord& courier,
                                     const std::vector<DeliveryRecord>& open) {
  return TimeStops(InputFor(courier, open), OrderOf(open).stops);
}

StopPlan DeliveryService::ImprovedPlan(const CourierRecord& courier,
                                       const std::vector<DeliveryRecord>& open,
                                       std::chrono::milliseconds budget) {
  if (open.empty()) return {};
  const auto stored = OrderOf(open);
  // Seeded by the courier, so the same list gives the same plan; a short list is done after a
  // few hundred rounds, well before the budget.
  const SearchLimits limits{.seed = static_cast<std::uint64_t>(courier.profile.id),
                            .budget = budget,
                            .max_iterations = 100 * static_cast<std::int64_t>(open.size() + 1)};
  return ReplanStops(InputFor(courier, open), stored.stops, stored.pinned, limits);
}

StopPlan DeliveryService::InsertedPlan(const CourierRecord& courier,
                                       const std::vector<DeliveryRecord>& open) {
  if (open.empty()) return {};
  // The stored order of the legs that have one; ReplanStops puts the others in at their
  // cheapest places, and with no budget it searches no further.
  std::vector<DeliveryRecord> placed;
  for (const auto& d : open) {
    if (d.stop_order || d.state == DeliveryState::kArrived) placed.push_back(d);
  }
  const auto stored = OrderOf(placed);
  const SearchLimits limits{.seed = static_cast<std::uint64_t>(courier.profile.id),
                            .budget = std::chrono::milliseconds(0),
                            .max_iterations = 0};
  return ReplanStops(InputFor(courier, open), stored.stops, stored.pinned, limits);
}

std::vector<PlanRow> DeliveryService::PlanRows(const StopPlan& plan,
                                               const std::vector<DeliveryRecord>& open) {
  std::vector<PlanRow> rows;
  for (std::size_t i = 0; i < plan.stops.size(); ++i) {
    const auto& stop = plan.stops[i];
    auto d = std::find_if(open.begin(), open.end(),
                          [&](const auto& o) { return o.id == stop.delivery_id; });
    // A delivery's row shows its next stop: the pickup until picked up, then the dropoff.
    const bool next = d != open.end() &&
                      ((d->state == DeliveryState::kAssigned) == (stop.kind == StopKind::kPickup));
    if (next) rows.push_back({stop.delivery_id, static_cast<int>(i + 1), stop.start, stop.late});
  }
  return rows;
}

void DeliveryService::Replan(std::int64_t courier_id) {
  auto courier = store_.Courier(courier_id, Now(), kernel::StaffScope::Everything());
  if (!courier) return;
  auto open = store_.OpenOf(courier_id);
  if (open.empty()) return;
  store_.SavePlan(PlanRows(ImprovedPlan(*courier, open, options_.replan_budget), open));
}

void DeliveryService::CancelUnpicked(std::int64_t case_id) {
  std::set<std::int64_t> couriers;
  for (const auto& d : store_.OfCase(case_id)) {
    if (d.state == DeliveryState::kAssigned && d.courier_id != 0) couriers.insert(d.courier_id);
  }
  if (store_.CancelUnpicked(case_id, Now()) == 0) return;
  for (auto id : couriers) Replan(id);
}

std::vector<CourierStop> DeliveryService::StopsOf(const Actor& courier) {
  auto record = store_.Courier(courier.user_id, Now(), kernel::StaffScope::Everything());
  if (!record) throw kernel::NotFound("no courier profile for this account");
  auto open = store_.OpenOf(courier.user_id);
  auto plan = StoredPlan(*record, open);
  std::vector<CourierStop> stops;
  for (const auto& stop : plan.stops) {
    auto d = std::find_if(open.begin(), open.end(),
                          [&](const auto& o) { return o.id == stop.delivery_id; });
    if (d != open.end()) stops.push_back({stop, *d});
  }
  return stops;
}

StopKey KeyOf(const CourierStop& stop) { return {stop.stop.delivery_id, stop.stop.kind}; }

StopPage DeliveryService::PageOfStops(const Actor& courier, std::optional<StopKey> after,
                                      std::size_t limit) {
  auto plan = StopsOf(courier);
  auto first = plan.begin();
  if (after) {
    auto at = std::find_if(plan.begin(), plan.end(),
                           [&](const CourierStop& s) { return KeyOf(s) == *after; });
    if (at != plan.end()) first = std::next(at);
  }
  const auto end = first + static_cast<std::ptrdiff_t>(
                               std::min(limit, static_cast<std::size_t>(plan.end() - first)));
  StopPage page;
  page.stops.assign(first, end);
  if (end != plan.end() && !page.stops.empty()) page.next_after = KeyOf(page.stops.back());
  return page;
}

DeliveryRecord DeliveryService::OwnDelivery(const Actor& courier, std::int64_t delivery_id) {
  auto d = store_.Find(delivery_id);
  // Another courier's delivery looks exactly like an unknown one.
  if (!d || d->courier_id != courier.user_id || courier.role != Role::kCourier) {
    throw kernel::NotFound("no such delivery");
  }
  return *d;
}

// One courier action in the making: the delivery and its case as they were, and what the action
// writes in the case's transaction besides the case's own event.
struct DeliveryService::Visit {
  const Actor& courier;
  const CourierReport& report;
  KeptOutcome* kept;
  DeliveryRecord delivery;
  cases::Case c;
  Moment now{};
  DeliveryMove move;
  std::optional<AttemptRecord> attempt;
  json data;
  ActOutcome outcome;

  bool ResultLeg() const { return delivery.leg == Leg::kResult; }

  AttemptRecord Attempt(const std::string& outcome_word) const {
    AttemptRecord a;
    a.delivery_id = delivery.id;
    a.courier_id = courier.user_id;
    a.outcome = outcome_word;
    a.reason = report.reason;
    a.recipient_name = report.proof.recipient_name;
    a.position = report.position;
    a.at = now;
    a.device_time = report.device_time;
    return a;
  }
};

ActOutcome DeliveryService::Act(const Actor& courier, std::int64_t delivery_id,
                                CourierAction action, const CourierReport& report) {
  return Run(courier, delivery_id, action, report, nullptr);
}

cases::CaseService::Answer DeliveryService::ActOnce(const Actor& courier, std::int64_t delivery_id,
                                                    CourierAction action,
                                                    const CourierReport& report,
                                                    const kernel::IdempotentAnswer& key,
                                                    const OutcomeRender& render) {
  return cases_.Once(key, [&]() -> cases::CaseService::Answer {
    KeptOutcome kept{key, render, "", false};
    const ActOutcome outcome = Run(courier, delivery_id, action, report, &kept);
    // The kept answer is the one a retry gets; this request gets the same.
    return {200, kept.kept ? kept.body : render(outcome), false};
  });
}

ActOutcome DeliveryService::Run(const Actor& courier, std::int64_t delivery_id,
                                CourierAction action, const CourierReport& report,
                                KeptOutcome* kept) {
  const DeliveryRecord d = OwnDelivery(courier, delivery_id);
  auto next = NextState(d.state, action);
  if (auto* refused = std::get_if<std::string>(&next)) {
    throw kernel::Conflict("illegal_delivery_transition", *refused, "state");
  }
  const DeliveryState to = std::get<DeliveryState>(next);
  Visit visit{courier,
              report,
              kept,
              d,
              cases_.ReadAsStaff(d.tracking_number, kSystem),
              Now(),
              DeliveryMove{d.id, d.version, to, std::nullopt, false},
              std::nullopt,
              json{{"delivery_id", d.id}, {"position", PositionJson(report.position)}},
              ActOutcome{d, ""}};
  visit.outcome.delivery.state = to;
  visit.outcome.delivery.version = d.version + 1;
  auto flag = cases::DeviceTimeFlag(report.device_time, visit.now, d.assigned_at);
  if (!flag.empty()) visit.data["device_time_flag"] = flag;
  switch (action) {
    case CourierAction::kPickUp:
      PickUp(visit);
      break;
    case CourierAction::kArrive:
      cases_.Note(d.tracking_number, CaseScope::Everything(), courier, "courier_arrived", "",
                  visit.data, report.device_time, Writes(visit));
      break;
    case CourierAction::kDeliver:
      Deliver(visit);
      break;
    case CourierAction::kFail:
      Fail(visit);
      break;
  }
  Replan(courier.user_id);
  if (auto fresh = store_.Find(d.id)) visit.outcome.delivery = *fresh;
  return visit.outcome;
}

std::function<void(cases::Case&, cases::CaseChange&)> DeliveryService::Writes(Visit& visit) {
  return [this, &visit](cases::Case& changed, cases::CaseChange& change) {
    visit.outcome.case_state = ToWord(changed.state);
    if (visit.kept) {
      // The answer shows the delivery as this change leaves it, and the case store keeps it
      // with the change: applied and answered together, or neither.
      change.answer = visit.kept->key;
      change.answer->status = 200;
      change.render_answer = [&visit](const cases::Case&, const std::vector<cases::CaseEvent>&) {
        visit.kept->body = visit.kept->render(visit.outcome);
        visit.kept->kept = true;
        return visit.kept->body;
      };
    }
    change.also_in_transaction.push_back([this, &visit](db::Tx& tx) {
      store_.Move(tx, visit.move, visit.now);
      if (visit.attempt) store_.RecordAttempt(tx, *visit.attempt);
    });
  };
}

std::function<void(cases::Case&, cases::CaseChange&)> DeliveryService::GivingTo(
    Visit& visit, const Actor& receiver) {
  return [this, &visit, receiver](cases::Case& c, cases::CaseChange& change) {
    change.event_data["custody"] =
        cases::GiveLink(change.CustodySoFar(), c, visit.courier, receiver, visit.report.position);
    Writes(visit)(c, change);
  };
}

void DeliveryService::PickUp(Visit& visit) {
  const auto& d = visit.delivery;
  // The courier takes the papers from whoever holds them where it picks up: a result at the
  // hall from the window or from the agent who obtained it, originals at the applicant's door.
  const std::vector<Role> expected = visit.ResultLeg()
                                         ? std::vector<Role>{Role::kWindow, Role::kAgent}
                                         : std::vector<Role>{Role::kApplicant};
  auto writes = Writes(visit);
  auto with_link = [&](cases::Case& c, cases::CaseChange& change) {
    if (auto link = cases::TakeLink(change.CustodySoFar(), c, visit.courier, expected,
                                    visit.report.position)) {
      change.event_data["custody"] = *link;
    }
    writes(c, change);
  };
  if (visit.ResultLeg()) {
    cases_.Transition(d.tracking_number, CaseScope::Everything(), visit.courier,
                      CaseAction::kPickUp, "", visit.data, visit.report.device_time, with_link);
  } else {
    cases_.Note(d.tracking_number, CaseScope::Everything(), visit.courier, "collection_picked_up",
                "", visit.data, visit.report.device_time, with_link);
  }
}

void DeliveryService::Deliver(Visit& visit) {
  const auto& d = visit.delivery;
  const auto& report = visit.report;
  if (auto problem = CheckProofShape(report.proof, visit.ResultLeg())) {
    throw kernel::Invalid(problem->field, problem->message);
  }
  visit.attempt = visit.Attempt("delivered");
  visit.attempt->proof_kind = report.proof.signature.empty() ? "photo" : "signature";
  visit.attempt->proof =
      report.proof.signature.empty() ? report.proof.photo_sha256 : report.proof.signature;
  visit.data["recipient"] = report.proof.recipient_name;
  if (!visit.ResultLeg()) {
    // The originals reach the hall, for the agent: the case itself does not move.
    const Actor agent{Role::kAgent, visit.c.agent_id, d.dropoff_name, "", ""};
    cases_.Note(d.tracking_number, CaseScope::Everything(), visit.courier, "collection_delivered",
                "", visit.data, report.device_time, GivingTo(visit, agent));
    return;
  }
  // The proof photo is one the courier uploaded for this leg, not any hash.
  if (!report.proof.photo_sha256.empty() && !store_.HasLegPhoto(d.id, report.proof.photo_sha256)) {
    throw kernel::Invalid("photo_sha256",
                          "photo_sha256 names no photo uploaded for this delivery "
                          "(POST /mobile/v1/deliveries/{id}/photos first)");
  }
  // The cases' rule for every hand-over to the applicant, with its guess limit per leg; a
  // refusal is kept: the attempt and a timeline event, the delivery as is.
  const std::string subject = cases::CaseService::LegHandoverSubject(d.id);
  const bool matches = cases::IdLast4Matches(visit.c.applicant.id_number, report.proof.id_last4);
  visit.attempt->id_last4_match = matches;
  if (!matches) visit.attempt->outcome = "identity_mismatch";
  visit.data = cases_.CheckHandoverIdentity(
      visit.c, visit.courier, subject, report.proof.id_last4, "delivery_refused", visit.data,
      report.device_time, [this, &visit](cases::Case&, cases::CaseChange& change) {
        change.also_in_transaction.push_back(
            [this, &visit](db::Tx& tx) { store_.RecordAttempt(tx, *visit.attempt); });
      });
  const Actor recipient{Role::kApplicant, 0, report.proof.recipient_name, "", ""};
  auto giving = GivingTo(visit, recipient);
  cases_.Transition(d.tracking_number, CaseScope::Everything(), visit.courier, CaseAction::kDeliver,
                    "", visit.data, report.device_time,
                    [&](cases::Case& c, cases::CaseChange& change) {
                      cases::CaseService::RequireHandoverOpen(change, subject);
                      giving(c, change);
                    });
  // Delivered means done: the case closes and the applicant is invited to rate it.
  cases_.Transition(d.tracking_number, CaseScope::Everything(), kSystem, CaseAction::kClose,
                    "delivered", {}, std::nullopt);
}

void DeliveryService::Fail(Visit& visit) {
  const auto& d = visit.delivery;
  const auto& report = visit.report;
  if (!IsFailureReason(report.reason)) {
    throw kernel::Invalid("reason",
                          "reason must be not_home, refused, wrong_address or unreachable");
  }
  // The courier keeps the item and comes back in the next day's window.
  visit.attempt = visit.Attempt("failed");
  visit.move.new_window = RetryWindow(visit.c.delivery.window, visit.now);
  visit.move.count_attempt = true;
  visit.outcome.delivery.window = *visit.move.new_window;
  visit.outcome.delivery.attempts = d.attempts + 1;
  visit.data["reason"] = report.reason;
  visit.data["retry_from"] = cases::FormatRfc3339China(visit.move.new_window->from);
  auto writes = Writes(visit);
  // Once, when the leg reaches the limit: the supervisors decide what happens next (call the
  // applicant, hand it over at the window).
  const bool alert = d.attempts + 1 == options_.alert_after_failures;
  cases_.Note(d.tracking_number, CaseScope::Everything(), visit.courier,
              visit.ResultLeg() ? "delivery_failed" : "collection_failed",
              report.note.empty() ? report.reason : report.note, visit.data, report.device_time,
              [&](cases::Case& changed, cases::CaseChange& change) {
                writes(changed, change);
                if (alert) {
                  const std::string message = "delivery failed " + std::to_string(d.attempts + 1) +
                                              " times, last: " + report.reason;
                  change.also_in_transaction.push_back([this, &visit, message](db::Tx& tx) {
                    store_.RaiseDeliveryAlert(tx, visit.c.id, message, visit.now);
                  });
                  change.outbox.push_back({"events:alerts",
                                           "delivery_failed",
                                           {{"tracking_number", changed.tracking_number},
                                            {"region_code", changed.region_code},
                                            {"kind", "delivery_failed"},
                                            {"message", message}}});
                }
                change.notices.push_back({"delivery_failed",
                                          {{"tracking_number", changed.tracking_number},
                                           {"subject", changed.subject_name},
                                           {"reason", report.reason},
                                           {"retry_from", visit.data["retry_from"]}}});
              });
}

std::optional<PublicDelivery> DeliveryService::PublicView(const cases::Case& c) {
  auto legs = store_.OfCase(c.id);
  auto leg = std::find_if(legs.rbegin(), legs.rend(), [](const auto& d) {
    return d.leg == Leg::kResult && d.state != DeliveryState::kCancelled;
  });
  if (leg == legs.rend()) return std::nullopt;
  PublicDelivery view;
  view.delivery = *leg;
  view.destination = Rounded(leg->dropoff);
  view.failed_attempts = leg->attempts;
  const bool on_the_way =
      leg->state == DeliveryState::kPickedUp || leg->state == DeliveryState::kArrived;
  if (!on_the_way) return view;
  const Moment now = Now();
  auto courier = store_.Courier(leg->courier_id, now, kernel::StaffScope::Everything());
  if (!courier || !courier->profile.position) return view;
  view.courier_position = Rounded(*courier->profile.position);
  view.courier_seen_at = courier->last_seen;
  // Only where the stops are, in the stored order, up to the leg's drop-off: the rows after it
  // in that order cannot come before it, and the stops' times are not needed.
  const auto order = OrderOf(store_.OpenUpTo(courier->profile.id, *leg));
  std::vector<GeoPoint> before;
  for (const auto& stop : order.stops) {
    if (stop.delivery_id == leg->id && stop.kind == StopKind::kDropoff) break;
    before.push_back(stop.at);
  }
  auto fixes = store_.RecentFixes(courier->profile.id, now - std::chrono::minutes(15));
  view.eta = EstimateArrival(*courier->profile.position, now, before, leg->dropoff,
                             RecentSpeedKmh(fixes, now), SpeedOf(courier->vehicle));
  return view;
}

std::vector<DeliveryService::StaffDelivery> DeliveryService::ForCase(const cases::Case& c) {
  std::vector<StaffDelivery> out;
  for (auto& d : store_.OfCase(c.id)) {
    auto attempts = store_.Attempts(d.id);
    out.push_back({std::move(d), std::move(attempts)});
  }
  return out;
}

std::vector<CourierRecord> DeliveryService::Couriers(const kernel::StaffScope& scope) {
  return store_.Couriers(Now(), scope);
}

std::optional<CourierRecord> DeliveryService::Courier(std::int64_t id,
                                                      const kernel::StaffScope& scope) {
  return store_.Courier(id, Now(), scope);
}

void DeliveryService::SaveCourier(const CourierSettings& s) {
  static const std::set<std::string> kVehicles = {"foot", "bicycle", "ebike", "car", "van"};
  if (s.company.empty() || s.company.size() > 100) {
    throw kernel::Invalid("company", "company is required (at most 100 bytes)");
  }
  if (!kVehicles.contains(s.vehicle)) {
    throw kernel::Invalid("vehicle", "vehicle must be foot, bicycle, ebike, car or van");
  }
  if (s.capacity < 1 || s.capacity > 200) throw kernel::Invalid("capacity", "capacity: 1..200");
  if (!(std::abs(s.base.lat) <= 90) || !(std::abs(s.base.lng) <= 180)) {
    throw kernel::Invalid("base", "base needs lat and lng (WGS-84)");
  }
  store_.SaveCourier(s, Now());
}

void DeliveryService::SetDuty(std::int64_t courier_id, bool on_duty) {
  if (!store_.SetDuty(courier_id, on_duty, Now())) {
    throw kernel::NotFound("no courier profile for this account");
  }
}

}  // namespace daiban::tracking
