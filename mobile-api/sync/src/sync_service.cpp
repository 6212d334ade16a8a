#include "daiban/mobile/sync/sync_service.hpp"

#include <algorithm>

#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::mobile {

using nlohmann::json;

std::vector<std::size_t> SyncApplyOrder(const json& items) {
  std::vector<std::pair<std::string, std::size_t>> keyed;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    std::string at =
        item.is_object() && item.contains("device_time") && item["device_time"].is_string()
            ? item["device_time"].get<std::string>()
            : "";
    auto parsed = cases::ParseRfc3339(at);
    // One offset for all, so the text sorts as the time does; unreadable times go first and
    // are refused one by one.
    keyed.emplace_back(parsed ? cases::FormatRfc3339China(*parsed) : "", i);
  }
  std::stable_sort(keyed.begin(), keyed.end());
  std::vector<std::size_t> order;
  for (const auto& [at, index] : keyed) order.push_back(index);
  return order;
}

SyncChanges SyncService::ChangesSince(const cases::Actor& user, const SyncCursor& since,
                                      int limit) {
  if (limit < 1 || limit > cases::CaseService::kMaxChangesPerCall) {
    throw kernel::BadRequest(
        "limit must be 1.." + std::to_string(cases::CaseService::kMaxChangesPerCall), "limit");
  }
  SyncChanges changes = since.ColdStart() || since.open_work ? OpenWork(user, since, limit)
                                                             : Events(user, since, limit);
  if (user.role == kernel::Role::kAgent) changes.offers = offers_.OffersOf(user);
  return changes;
}

SyncChanges SyncService::Events(const cases::Actor& user, const SyncCursor& since, int limit) {
  SyncChanges changes;
  const auto [touched, cursor, more] = cases_.ChangesSince(user, since.event_id, limit);
  changes.cursor.event_id = cursor;
  changes.more = more;
  std::vector<std::string> mine_now;
  for (const auto& [tracking, mine] : touched) {
    if (mine) mine_now.push_back(tracking);
  }
  // The cases still held are read together, not one transaction each.
  auto held = cases_.ReadManyAsStaff(mine_now, user);
  std::size_t next = 0;
  for (const auto& [tracking, mine] : touched) {
    if (!mine) {
      changes.removed.emplace_back(tracking, "reassigned");
      continue;
    }
    if (next >= held.size() || held[next].tracking_number != tracking) {
      throw kernel::NotFound("no case with this tracking number");
    }
    auto& c = held[next++];
    if (c.state == cases::CaseState::kCancelled) {
      changes.removed.emplace_back(tracking, "cancelled");
    } else {
      changes.tasks.push_back(std::move(c));
    }
  }
  return changes;
}

SyncChanges SyncService::OpenWork(const cases::Actor& user, const SyncCursor& since, int limit) {
  SyncChanges changes;
  // The newest event first: whatever is written while the tasks are read comes again after
  // the last page, and nothing written before the read is missing from it.
  changes.cursor.event_id = since.open_work ? since.event_id : cases_.NewestEventId();
  // The task list's pages (GET /mobile/v1/tasks). A task whose deadline moves while they are
  // read may be sent twice or skip a page, but what moved it is an event after the cursor, so
  // the events send it again.
  cases::CaseFilter filter = cases::TaskListFilter();
  filter.limit = std::min(limit, filter.limit);
  if (since.open_work) {
    filter.after_deadline = since.open_work->deadline;
    filter.after_no_deadline = !since.open_work->deadline;
    filter.after_id = since.open_work->case_id;
  }
  auto page = cases_.List(filter, user);
  if (page.more) {
    const auto& last = page.cases.back();
    changes.cursor.open_work = OpenWorkMark{
        last.clock ? std::optional<cases::Moment>(last.clock->deadline) : std::nullopt, last.id};
    changes.more = true;
  }
  changes.tasks = std::move(page.cases);
  return changes;
}

json SyncService::ApplyItem(const cases::Actor& user, const json& item, json& outcome) {
  if (!item.is_object()) throw kernel::Invalid("items", "an item must be an object");
  std::string key = kernel::RequireString(item, "idempotency_key");
  outcome["idempotency_key"] = key;
  const cases::Moment device_time =
      kernel::ParseTimeField(kernel::RequireString(item, "device_time"), "device_time", 422);
  std::string kind = kernel::RequireString(item, "kind");
  json body = item.value("body", json::object());
  if (!body.is_object()) throw kernel::Invalid("body", "body must be an object");
  if (kind == "progress") {
    cases::ProgressReport report{kernel::RequireString(item, "tracking_number"),
                                 kernel::RequireString(body, "kind"), body, device_time, key};
    return json::parse(progress_.Report(user, report).body);
  }
  if (kind == "offer_accept" || kind == "offer_decline") {
    auto offer = kernel::RequireInt(item, "offer_id");
    if (kind == "offer_accept") {
      offers_.Accept(offer, user);
    } else {
      offers_.Decline(offer, user, kernel::RequireString(body, "reason"));
    }
    return nullptr;
  }
  if (kind == "delivery") {
    return json::parse(deliveries_.Act(user, kernel::RequireInt(item, "delivery_id"),
                                       kernel::RequireString(body, "action"), body, device_time,
                                       key));
  }
  throw kernel::Invalid("kind", "kind must be progress, offer_accept, offer_decline or delivery");
}

json SyncService::Apply(const cases::Actor& user, const json& items) {
  if (!items.is_array()) throw kernel::Invalid("items", "items must be an array");
  if (items.size() > kMaxItems) {
    throw kernel::PayloadTooLarge("at most " + std::to_string(kMaxItems) + " items per sync");
  }
  // Applied in device-time order: what happened first on the phone goes first.
  std::vector<json> results(items.size());
  for (std::size_t index : SyncApplyOrder(items)) {
    json outcome = {{"index", index}};
    try {
      json result = ApplyItem(user, items[index], outcome);
      outcome["status"] = "applied";
      if (!result.is_null()) outcome["result"] = std::move(result);
    } catch (const kernel::ApiError& error) {
      outcome["status"] = "refused";
      // A case no longer assigned to this agent looks unknown to it: say why.
      outcome["code"] = error.Status() == 404 ? "not_assigned_to_you" : error.Code();
      outcome["message"] = error.Status() == 404 ? "the case is not (or no longer) assigned to you"
                                                 : error.Message();
      if (!error.Field().empty()) outcome["field"] = error.Field();
    }
    results[index] = std::move(outcome);
  }
  json outcomes = json::array();
  for (auto& result : results) outcomes.push_back(std::move(result));
  return outcomes;
}

}  // namespace daiban::mobile
