#include "daiban/tracking/pg/pg_delivery_store.hpp"

#include <pqxx/pqxx>
#include <sstream>

#include "daiban/db/array_literal.hpp"
#include "daiban/db/scope_sql.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::tracking {

namespace {

// The states in which a delivery occupies its courier.
constexpr const char* kOpenStates = "('assigned', 'picked_up', 'arrived')";

// The columns of a delivery, in the order DeliveryFromRow reads them.
constexpr const char* kDeliverySelect = R"sql(
SELECT d.id, d.case_id, c.tracking_number, d.leg, d.state, coalesce(d.courier_id, 0),
       coalesce(u.name, ''), coalesce(u.phone, ''), d.region_code, d.pickup_key, d.pickup_name,
       d.pickup_address, d.pickup_lat, d.pickup_lng, d.dropoff_name, c.applicant_phone,
       d.dropoff_address, d.dropoff_lat, d.dropoff_lng, extract(epoch FROM d.window_from)::bigint,
       extract(epoch FROM d.window_to)::bigint, d.contents, d.attempts, d.stop_order,
       extract(epoch FROM d.planned_at)::bigint, d.planned_late, d.version,
       extract(epoch FROM d.created_at)::bigint, extract(epoch FROM d.assigned_at)::bigint,
       extract(epoch FROM d.picked_up_at)::bigint, extract(epoch FROM d.delivered_at)::bigint
  FROM deliveries d
  JOIN cases c ON c.id = d.case_id
  LEFT JOIN users u ON u.id = d.courier_id
)sql";

DeliveryRecord DeliveryFromRow(const pqxx::row& row) {
  DeliveryRecord d;
  int i = 0;
  d.id = row[i++].as<std::int64_t>();
  d.case_id = row[i++].as<std::int64_t>();
  d.tracking_number = row[i++].as<std::string>();
  d.leg = ParseLeg(row[i++].as<std::string>()).value_or(Leg::kResult);
  d.state = ParseDeliveryState(row[i++].as<std::string>()).value_or(DeliveryState::kPending);
  d.courier_id = row[i++].as<std::int64_t>();
  d.courier_name = row[i++].as<std::string>();
  d.courier_phone = row[i++].as<std::string>();
  d.region_code = row[i++].as<std::string>();
  d.pickup_key = row[i++].as<std::string>();
  d.pickup_name = row[i++].as<std::string>();
  d.pickup_address = row[i++].as<std::string>();
  d.pickup.lat = row[i++].as<double>();
  d.pickup.lng = row[i++].as<double>();
  d.dropoff_name = row[i++].as<std::string>();
  d.dropoff_phone = row[i++].as<std::string>();
  d.dropoff_address = row[i++].as<std::string>();
  d.dropoff.lat = row[i++].as<double>();
  d.dropoff.lng = row[i++].as<double>();
  d.window.from = *db::SecondsAt(row[i++]);
  d.window.to = *db::SecondsAt(row[i++]);
  d.contents = row[i++].as<std::string>();
  d.attempts = row[i++].as<int>();
  if (!row[i].is_null()) d.stop_order = row[i].as<int>();
  ++i;
  d.planned_at = db::SecondsAt(row[i++]);
  d.planned_late = row[i++].as<bool>();
  d.version = row[i++].as<int>();
  d.created_at = *db::SecondsAt(row[i++]);
  d.assigned_at = db::SecondsAt(row[i++]);
  d.picked_up_at = db::SecondsAt(row[i++]);
  d.delivered_at = db::SecondsAt(row[i++]);
  return d;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// Couriers with their expanded coverage, load, pending pickup places and last plausible fix.
const std::string kCouriersSql = std::string(R"sql(
SELECT k.user_id, u.name, u.phone, k.company, k.vehicle, k.capacity, k.on_duty, k.base_lat,
       k.base_lng,
       coalesce((SELECT string_agg(DISTINCT s, ',') FROM courier_regions cr,
                        region_subtree(cr.region_code) s WHERE cr.courier_id = k.user_id), ''),
       coalesce((SELECT string_agg(region_code, ',' ORDER BY region_code) FROM courier_regions cr
                  WHERE cr.courier_id = k.user_id), ''),
       (SELECT count(*) FROM deliveries d WHERE d.courier_id = k.user_id AND d.state IN )sql") +
                                 kOpenStates + R"sql(),
       coalesce((SELECT string_agg(DISTINCT d.pickup_key, ',') FROM deliveries d
                  WHERE d.courier_id = k.user_id AND d.state = 'assigned'), ''),
       f.lat, f.lng, extract(epoch FROM f.device_time)::bigint
  FROM couriers k
  JOIN users u ON u.id = k.user_id
  LEFT JOIN latest_positions f
    ON f.user_id = k.user_id AND f.device_time > to_timestamp($2) - interval '2 hours'
 WHERE ($1 = 0 OR k.user_id = $1)
   AND )sql" + db::ScopeSql(3).Courier("k.user_id") +
                                 R"sql(
 ORDER BY k.user_id)sql";

// Named statements for the reads behind the public tracking page (a case's legs, the courier,
// the stops before the applicant's, the courier's recent fixes): sent unnamed, each answer
// parsed and planned them anew, and planning the fixes' read over the day partitions of
// `locations` cost more than running it on a loaded machine.
constexpr const char* kOfCase = "tracking_deliveries_of_case";
const std::string kOfCaseSql = kDeliverySelect + std::string("WHERE d.case_id = $1 ORDER BY d.id");

constexpr const char* kCouriers = "tracking_couriers";

// $1 courier, $2 the leg's stop order (NULL when unplanned), $3 the leg's id. Plan order is
// (stop_order NULLS LAST, id): the rows before the leg are a prefix of it, plus the arrived
// ones, which lead the plan wherever their stop_order puts them.
constexpr const char* kOpenUpTo = "tracking_open_up_to";
const std::string kOpenUpToSql =
    kDeliverySelect + std::string("WHERE d.courier_id = $1 AND d.state IN ") + kOpenStates +
    R"sql(
   AND (d.state = 'arrived'
        OR ($2::integer IS NOT NULL AND (d.stop_order, d.id) <= ($2::integer, $3::bigint))
        OR ($2::integer IS NULL AND (d.stop_order IS NOT NULL OR d.id <= $3::bigint)))
 ORDER BY d.stop_order NULLS LAST, d.id)sql";

// `locations` is partitioned by receive time; a fix reaches the server after its phone took
// it, less a clock lead of minutes at most (the mobile gateway refuses more), so a day's
// margin on received_at keeps every fix asked for and skips the older partitions (at run
// time: the bounds are parameters).
constexpr const char* kRecentFixes = "tracking_recent_fixes";
constexpr const char* kRecentFixesSql = R"sql(
SELECT lat, lng, extract(epoch FROM device_time)::bigint FROM locations
 WHERE user_id = $1 AND flagged = '' AND device_time >= to_timestamp($2)
   AND received_at >= to_timestamp($2) - interval '1 day'
 ORDER BY device_time, id LIMIT 500)sql";

// One statement for the whole plan (a courier with 80 legs was 80 round trips a plan), the rows
// as PostgreSQL array literals, after one that locks them in id order: two plans of one courier
// written at once (the assigner's and a re-plan after a visit) locked their rows in whatever
// order each join ran and deadlocked now and then (2 in a simulated Jinan day).
void WritePlan(pqxx::transaction_base& tx, const std::vector<PlanRow>& plan) {
  db::ArrayLiteral ids, orders, times, late;
  for (const auto& row : plan) {
    ids.Add(row.delivery_id);
    orders.Add(row.stop_order);
    times.Add(db::EpochSeconds(row.planned_at));
    late.Add(row.late);
  }
  tx.exec_params(
      "SELECT 1 FROM deliveries WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE",
      ids.Text());
  tx.exec_params(R"sql(
UPDATE deliveries d SET stop_order = p.stop_order, planned_at = to_timestamp(p.planned_at),
       planned_late = p.late
  FROM unnest($1::bigint[], $2::int[], $3::float8[], $4::boolean[])
       AS p(id, stop_order, planned_at, late)
 WHERE d.id = p.id)sql",
                 ids.Text(), orders.Text(), times.Text(), late.Text());
}

}  // namespace

PgDeliveryStore::PgDeliveryStore(db::PgPool& pool) : pool_(pool) {
  const std::pair<const char*, std::string> statements[] = {{kOfCase, kOfCaseSql},
                                                            {kCouriers, kCouriersSql},
                                                            {kOpenUpTo, kOpenUpToSql},
                                                            {kRecentFixes, kRecentFixesSql}};
  for (const auto& [name, sql] : statements) pool_.Prepare(name, sql);
}

bool PgDeliveryStore::Create(const NewDelivery& n, Moment now) {
  bool inserted = false;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    db::Tx t(tx);
    inserted = Create(t, n, now);
  });
  return inserted;
}

bool PgDeliveryStore::Create(db::Tx& t, const NewDelivery& n, Moment now) {
  return !t.Pq()
              .exec_params(R"sql(
INSERT INTO deliveries (case_id, leg, state, region_code, pickup_key, pickup_name, pickup_address,
  pickup_lat, pickup_lng, dropoff_name, dropoff_address, dropoff_lat, dropoff_lng, window_from,
  window_to, contents, created_at, updated_at)
VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, to_timestamp($13),
  to_timestamp($14), $15, to_timestamp($16), to_timestamp($16))
ON CONFLICT (case_id, leg) WHERE state <> 'cancelled' DO NOTHING
RETURNING id)sql",
                           n.case_id, ToWord(n.leg), n.region_code, n.pickup_key, n.pickup_name,
                           n.pickup_address, n.pickup.lat, n.pickup.lng, n.dropoff_name,
                           n.dropoff_address, n.dropoff.lat, n.dropoff.lng,
                           db::EpochSeconds(n.window.from), db::EpochSeconds(n.window.to),
                           n.contents, db::EpochSeconds(now))
              .empty();
}

std::vector<DeliveryRecord> PgDeliveryStore::Deliveries(const std::string& where_and_order,
                                                        std::int64_t param) {
  std::vector<DeliveryRecord> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(kDeliverySelect + where_and_order, param)) {
      out.push_back(DeliveryFromRow(row));
    }
  });
  return out;
}

std::optional<DeliveryRecord> PgDeliveryStore::Find(std::int64_t id) {
  auto found = Deliveries("WHERE d.id = $1", id);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<DeliveryRecord> PgDeliveryStore::OfCase(std::int64_t case_id) {
  std::vector<DeliveryRecord> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kOfCase, case_id)) out.push_back(DeliveryFromRow(row));
  });
  return out;
}

std::vector<DeliveryRecord> PgDeliveryStore::Pending(int limit) {
  return Deliveries("WHERE d.state = 'pending' ORDER BY d.window_to, d.id LIMIT $1", limit);
}

std::vector<DeliveryRecord> PgDeliveryStore::OpenOf(std::int64_t courier_id) {
  return Deliveries(std::string("WHERE d.courier_id = $1 AND d.state IN ") + kOpenStates +
                        " ORDER BY d.stop_order NULLS LAST, d.id",
                    courier_id);
}

std::vector<DeliveryRecord> PgDeliveryStore::OpenUpTo(std::int64_t courier_id,
                                                      const DeliveryRecord& leg) {
  std::vector<DeliveryRecord> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    const auto rows = tx.exec_prepared(kOpenUpTo, courier_id, leg.stop_order, leg.id);
    for (const auto& row : rows) out.push_back(DeliveryFromRow(row));
  });
  return out;
}

std::vector<AttemptRecord> PgDeliveryStore::Attempts(std::int64_t delivery_id) {
  std::vector<AttemptRecord> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(R"sql(
SELECT id, delivery_id, courier_id, outcome, reason, recipient_name, id_last4_match,
       coalesce(proof_kind, ''), coalesce(proof, ''), lat, lng,
       extract(epoch FROM at)::bigint, extract(epoch FROM device_time)::bigint
  FROM delivery_attempts WHERE delivery_id = $1 ORDER BY at, id)sql",
                                          delivery_id)) {
      AttemptRecord a;
      a.id = row[0].as<std::int64_t>();
      a.delivery_id = row[1].as<std::int64_t>();
      a.courier_id = row[2].as<std::int64_t>();
      a.outcome = row[3].as<std::string>();
      a.reason = row[4].as<std::string>();
      a.recipient_name = row[5].as<std::string>();
      if (!row[6].is_null()) a.id_last4_match = row[6].as<bool>();
      a.proof_kind = row[7].as<std::string>();
      a.proof = row[8].as<std::string>();
      if (!row[9].is_null() && !row[10].is_null()) {
        a.position = GeoPoint{row[9].as<double>(), row[10].as<double>()};
      }
      a.at = *db::SecondsAt(row[11]);
      a.device_time = db::SecondsAt(row[12]);
      out.push_back(std::move(a));
    }
  });
  return out;
}

std::vector<CourierRecord> PgDeliveryStore::LoadCouriers(std::int64_t only_id, Moment now,
                                                         const kernel::StaffScope& scope) {
  std::vector<CourierRecord> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared(kCouriers, only_id, db::EpochSeconds(now), scope.everything,
                          scope.region_code, scope.department_code)) {
      CourierRecord c;
      c.profile.id = row[0].as<std::int64_t>();
      c.profile.name = row[1].as<std::string>();
      c.phone = row[2].as<std::string>();
      c.company = row[3].as<std::string>();
      c.vehicle = row[4].as<std::string>();
      c.profile.capacity = row[5].as<int>();
      c.profile.on_duty = row[6].as<bool>();
      c.profile.base = GeoPoint{row[7].as<double>(), row[8].as<double>()};
      c.profile.covered_regions = Split(row[9].as<std::string>());
      c.listed_regions = Split(row[10].as<std::string>());
      c.profile.load = row[11].as<int>();
      c.profile.pending_pickup_keys = Split(row[12].as<std::string>());
      if (!row[13].is_null()) {
        c.profile.position = GeoPoint{row[13].as<double>(), row[14].as<double>()};
        c.last_seen = db::SecondsAt(row[15]);
      }
      out.push_back(std::move(c));
    }
  });
  return out;
}

std::vector<CourierRecord> PgDeliveryStore::Couriers(Moment now, const kernel::StaffScope& scope) {
  return LoadCouriers(0, now, scope);
}

std::optional<CourierRecord> PgDeliveryStore::Courier(std::int64_t id, Moment now,
                                                      const kernel::StaffScope& scope) {
  if (id <= 0) return std::nullopt;
  auto found = LoadCouriers(id, now, scope);
  if (found.empty()) return std::nullopt;
  return found.front();
}

void PgDeliveryStore::SaveCourier(const CourierSettings& s, Moment now) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    auto user = tx.exec_params("SELECT role FROM users WHERE id = $1", s.user_id);
    if (user.empty() || user[0][0].as<std::string>() != "courier") {
      throw kernel::NotFound("no courier account with this id");
    }
    for (const auto& region : s.regions) {
      if (tx.exec_params("SELECT 1 FROM regions WHERE code = $1", region).empty()) {
        throw kernel::Invalid("regions", "unknown region '" + region + "'");
      }
    }
    tx.exec_params(R"sql(
INSERT INTO couriers (user_id, company, vehicle, capacity, on_duty, base_lat, base_lng, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8))
ON CONFLICT (user_id) DO UPDATE SET company = EXCLUDED.company, vehicle = EXCLUDED.vehicle,
  capacity = EXCLUDED.capacity, on_duty = EXCLUDED.on_duty, base_lat = EXCLUDED.base_lat,
  base_lng = EXCLUDED.base_lng, updated_at = EXCLUDED.updated_at)sql",
                   s.user_id, s.company, s.vehicle, s.capacity, s.on_duty, s.base.lat, s.base.lng,
                   db::EpochSeconds(now));
    tx.exec_params("DELETE FROM courier_regions WHERE courier_id = $1", s.user_id);
    for (const auto& region : s.regions) {
      tx.exec_params("INSERT INTO courier_regions (courier_id, region_code) VALUES ($1, $2)",
                     s.user_id, region);
    }
  });
}

bool PgDeliveryStore::SetDuty(std::int64_t courier_id, bool on_duty, Moment now) {
  bool found = false;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    found = tx.exec_params(
                  "UPDATE couriers SET on_duty = $2, updated_at = to_timestamp($3) "
                  "WHERE user_id = $1 RETURNING 1",
                  courier_id, on_duty, db::EpochSeconds(now))
                .size() == 1;
  });
  return found;
}

bool PgDeliveryStore::Assign(db::Tx& t, std::int64_t delivery_id, std::int64_t courier_id,
                             Moment now) {
  auto& tx = t.Pq();
  // The courier's row is the lock: loads are counted and claimed one assigner at a time.
  // NO KEY UPDATE, not UPDATE: it must not block the rows that only check the courier's key
  // (a visit's attempt), or a visit holding its leg and an assigner saving its plan deadlock.
  auto courier = tx.exec_params(
      "SELECT capacity FROM couriers WHERE user_id = $1 FOR NO KEY UPDATE", courier_id);
  if (courier.empty()) return false;
  // Counted by the UPDATE's own statement, after the lock: under READ COMMITTED it sees every
  // assignment committed before the lock was granted (one round trip fewer than a separate count).
  return tx.exec_params(std::string(R"sql(
UPDATE deliveries SET state = 'assigned', courier_id = $2, assigned_at = to_timestamp($3),
       updated_at = to_timestamp($3), version = version + 1
 WHERE id = $1 AND state = 'pending'
   AND (SELECT count(*) FROM deliveries WHERE courier_id = $2 AND state IN )sql") +
                            kOpenStates + R"sql() < $4
RETURNING 1)sql",
                        delivery_id, courier_id, db::EpochSeconds(now), courier[0][0].as<int>())
             .size() == 1;
}

void PgDeliveryStore::Move(db::Tx& t, const DeliveryMove& m, Moment now) {
  std::optional<double> from, to;
  if (m.new_window) {
    from = db::EpochSeconds(m.new_window->from);
    to = db::EpochSeconds(m.new_window->to);
  }
  const std::string state = ToWord(m.to);
  auto rows = t.Pq().exec_params(R"sql(
UPDATE deliveries
   SET state = $3, version = version + 1, updated_at = to_timestamp($4),
       picked_up_at = CASE WHEN $3 = 'picked_up' AND picked_up_at IS NULL
                           THEN to_timestamp($4) ELSE picked_up_at END,
       delivered_at = CASE WHEN $3 = 'delivered' THEN to_timestamp($4) ELSE delivered_at END,
       window_from = coalesce(to_timestamp($5), window_from),
       window_to = coalesce(to_timestamp($6), window_to),
       attempts = attempts + CASE WHEN $7 THEN 1 ELSE 0 END
 WHERE id = $1 AND version = $2
RETURNING 1)sql",
                                 m.delivery_id, m.expected_version, state, db::EpochSeconds(now),
                                 from, to, m.count_attempt);
  if (rows.empty()) {
    throw kernel::Conflict("stale_delivery", "the delivery changed meanwhile: read it again");
  }
}

void PgDeliveryStore::RecordAttempt(db::Tx& t, const AttemptRecord& a) {
  std::optional<double> lat, lng;
  if (a.position) {
    lat = a.position->lat;
    lng = a.position->lng;
  }
  std::optional<double> device_time;
  if (a.device_time) device_time = db::EpochSeconds(*a.device_time);
  std::optional<std::string> proof_kind, proof;
  if (!a.proof_kind.empty()) {
    proof_kind = a.proof_kind;
    proof = a.proof;
  }
  t.Pq().exec_params(R"sql(
INSERT INTO delivery_attempts (delivery_id, courier_id, outcome, reason, recipient_name,
  id_last4_match, proof_kind, proof, lat, lng, at, device_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, to_timestamp($11), to_timestamp($12)))sql",
                     a.delivery_id, a.courier_id, a.outcome, a.reason, a.recipient_name,
                     a.id_last4_match, proof_kind, proof, lat, lng, db::EpochSeconds(a.at),
                     device_time);
}

void PgDeliveryStore::RaiseDeliveryAlert(db::Tx& t, std::int64_t case_id,
                                         const std::string& message, Moment now) {
  t.Pq().exec_params(
      "INSERT INTO alerts (case_id, region_code, kind, message, created_at) "
      "SELECT id, region_code, 'delivery_failed', $2, to_timestamp($3) FROM cases WHERE id = $1",
      case_id, message, db::EpochSeconds(now));
}

bool PgDeliveryStore::HasLegPhoto(std::int64_t delivery_id, const std::string& sha256) {
  bool found = false;
  pool_.Read([&](pqxx::transaction_base& tx) {
    found = !tx.exec_params("SELECT 1 FROM attachments WHERE delivery_id = $1 AND sha256 = $2",
                            delivery_id, sha256)
                 .empty();
  });
  return found;
}

int PgDeliveryStore::CancelUnpicked(std::int64_t case_id, Moment now) {
  int cancelled = 0;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    cancelled = static_cast<int>(tx.exec_params(R"sql(
UPDATE deliveries SET state = 'cancelled', version = version + 1, updated_at = to_timestamp($2)
 WHERE case_id = $1 AND state IN ('pending', 'assigned')
RETURNING 1)sql",
                                                case_id, db::EpochSeconds(now))
                                     .size());
  });
  return cancelled;
}

void PgDeliveryStore::SavePlan(const std::vector<PlanRow>& plan) {
  if (plan.empty()) return;
  pool_.Transact([&](pqxx::dbtransaction& tx) { WritePlan(tx, plan); });
}

void PgDeliveryStore::SavePlan(db::Tx& tx, const std::vector<PlanRow>& plan) {
  if (!plan.empty()) WritePlan(tx.Pq(), plan);
}

std::vector<TimedFix> PgDeliveryStore::RecentFixes(std::int64_t courier_id, Moment since) {
  std::vector<TimedFix> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kRecentFixes, courier_id, db::EpochSeconds(since))) {
      out.push_back({{row[0].as<double>(), row[1].as<double>()}, *db::SecondsAt(row[2])});
    }
  });
  return out;
}

}  // namespace daiban::tracking
