#include "daiban/dispatch/pg/pg_dispatch_store.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "daiban/db/array_literal.hpp"
#include "daiban/db/scope_sql.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::dispatch {

namespace {

using db::RegionSubtree;

// What only assignment reads of the agents: the streets each covers and its appointments. The
// board shows neither, and they were most of its cost: the covered streets are gathered for
// every agent before the page is cut, and the appointments were 2.4 of the statement's 5.7 ms at
// a million cases. The board's statement leaves them out and selects '' in their columns.
constexpr const char* kCoveredCtes = R"sql(
-- Each region an agent is listed for, expanded once (a dozen district codes), not once an agent
-- (MATERIALIZED: inlined, the planner expands it per agent again). With 571 agents on the board
-- the statement went from 49.6 to 21.7 ms.
subtrees AS MATERIALIZED (SELECT r.code AS root, s AS code
                    FROM (SELECT DISTINCT region_code AS code FROM agent_regions) r,
                         region_subtree(r.code) s),
-- The regions each agent covers, gathered for all the agents asked in one pass and joined, not
-- looked up once an agent: the board of 571 agents went from 24 to 10-15 ms (the per-agent
-- look-up built a hash of the subtrees 571 times).
covered AS (SELECT ar.agent_id, string_agg(DISTINCT s.code, ',') AS codes
              FROM agent_regions ar JOIN subtrees s ON s.root = ar.region_code
             WHERE ($2::bigint = 0 OR ar.agent_id = $2) GROUP BY ar.agent_id),)sql";
constexpr const char* kCoveredColumn = "coalesce(cv.codes, '')";
constexpr const char* kCoveredJoin = "LEFT JOIN covered cv ON cv.agent_id = a.user_id";
// The appointments of the cases that occupy the agent (cases_agent_appointments, 0029).
constexpr const char* kAppointmentsColumn = R"sql(
       coalesce((SELECT string_agg(extract(epoch FROM c.appointment_at)::bigint::text, ','
                                   ORDER BY c.appointment_at)
                   FROM cases c
                  WHERE c.agent_id = a.user_id AND c.appointment_at IS NOT NULL
                    AND c.state IN ('assigned', 'in_progress', 'suspended')), ''))sql";

std::string AgentsSql(bool for_assignment) {
  auto only_for_assignment = [for_assignment](const char* part, const char* instead) {
    return std::string(for_assignment ? part : instead);
  };
  return "WITH " + only_for_assignment(kCoveredCtes, "") + R"sql(
-- The pending offers, counted for all the agents asked in one pass and joined.
pending AS (SELECT o.agent_id, count(*) AS offers FROM offers o
             WHERE o.state = 'pending' AND ($2::bigint = 0 OR o.agent_id = $2)
             GROUP BY o.agent_id)
SELECT a.user_id, u.name, u.phone, a.capacity, a.on_duty, a.hours::text, a.last_lat, a.last_lng,
       extract(epoch FROM a.last_seen_at)::bigint, )sql" +
         only_for_assignment(kCoveredColumn, "''") + R"sql(,
       coalesce((SELECT string_agg(region_code, ',' ORDER BY region_code) FROM agent_regions ar
                  WHERE ar.agent_id = a.user_id), ''),
       coalesce((SELECT string_agg(department_code, ',') FROM agent_departments ad
                  WHERE ad.agent_id = a.user_id), ''),
       coalesce(w.cases, 0),
       coalesce(p.offers, 0), )sql" +
         only_for_assignment(kAppointmentsColumn, "''") + R"sql(,
       u.active
  FROM agents a JOIN users u ON u.id = a.user_id
  -- The open work counted as the cases change (0029), not by walking it here.
  LEFT JOIN agent_open_work w ON w.agent_id = a.user_id
  )sql" + only_for_assignment(kCoveredJoin, "") +
         R"sql(
  LEFT JOIN pending p ON p.agent_id = a.user_id
 WHERE (u.active OR $2::bigint <> 0)
   AND ($1 = '' OR EXISTS (SELECT 1 FROM agent_regions ar
                            WHERE ar.agent_id = a.user_id AND )sql" +
         db::RegionWithinRowAncestor("$1", "ar.region_code") + R"sql())
   AND ($2::bigint = 0 OR a.user_id = $2)
   AND a.user_id > $6
   AND )sql" +
         db::ScopeSql(3).Agent("a.user_id") + R"sql(
 ORDER BY a.user_id
 LIMIT $7)sql";
}

const std::string kAgentsSql = AgentsSql(true);
const std::string kBoardSql = AgentsSql(false);

constexpr const char* kCaseTermsColumns = R"sql(
SELECT c.tracking_number, c.region_code, c.department_code, (c.bundle_code IS NOT NULL), c.mode,
       extract(epoch FROM c.appointment_at)::bigint, d.hall_lat, d.hall_lng, c.applicant_lat,
       c.applicant_lng, extract(epoch FROM coalesce(c.deadline_at, c.created_at))::bigint,
       c.priority,
       coalesce((SELECT string_agg(DISTINCT s.department_code, ',') FROM case_steps s
                  WHERE s.case_id = c.id), ''),
       coalesce((SELECT string_agg(o.agent_id::text, ',') FROM offers o
                  WHERE o.case_id = c.id AND o.state IN ('declined', 'expired')), ''),
       c.id
  FROM cases c JOIN departments d ON d.code = c.department_code )sql";

const std::string kCaseTermsSql = std::string(kCaseTermsColumns) + "WHERE c.tracking_number = $1";

const std::string kWaitingSql = std::string(kCaseTermsColumns) + R"sql(
 WHERE c.state = 'accepted' AND c.deadline_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.case_id = c.id AND o.state = 'pending')
   AND ($1 = '' OR c.region_code IN )sql" +
                                RegionSubtree("$1") + R"sql()
   AND ($3 = '' OR c.tracking_number = $3)
   AND ($4::bigint = 0 OR (c.deadline_at, -c.priority, c.id) >
                          (to_timestamp($5::bigint), -$6::int, $4::bigint))
   -- Open to one of the agents in $7 at least: a case every one of them has declined or let
   -- expire is skipped here, so a deep run of such cases cannot hide the ones behind it.
   AND (cardinality($7::bigint[]) = 0
        OR EXISTS (SELECT 1 FROM unnest($7::bigint[]) AS free(agent_id)
                    WHERE NOT EXISTS (SELECT 1 FROM offers o
                                       WHERE o.case_id = c.id AND o.agent_id = free.agent_id
                                         AND o.state IN ('declined', 'expired'))))
 ORDER BY c.deadline_at, c.priority DESC, c.id
 LIMIT $2)sql";

const std::string kQueueSql = R"sql(
SELECT c.tracking_number, coalesce(i.name, b.name, ''), c.region_code,
       extract(epoch FROM c.accepted_at)::bigint, extract(epoch FROM c.deadline_at)::bigint,
       c.priority, (SELECT count(*) FROM offers o WHERE o.case_id = c.id)
  FROM cases c LEFT JOIN items i ON i.code = c.item_code
  LEFT JOIN bundles b ON b.code = c.bundle_code
 WHERE c.state = 'accepted'
   AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.case_id = c.id AND o.state = 'pending')
   AND ($1 = '' OR c.region_code IN )sql" +
                              RegionSubtree("$1") + R"sql()
   AND )sql" + db::ScopeSql(3).Case("c.region_code", "c.department_code") +
                              R"sql(
 ORDER BY c.accepted_at, c.id
 LIMIT $2)sql";

constexpr const char* kCreateOfferSql = R"sql(
-- NO KEY UPDATE: serializes the claims on one agent without blocking the rows that only
-- check the agent's key (offers, assignments), which would invite deadlocks.
WITH agent AS (SELECT user_id, capacity FROM agents WHERE user_id = $2 FOR NO KEY UPDATE),
     target AS (SELECT id, tracking_number, region_code FROM cases
                 WHERE tracking_number = $1 AND state = 'accepted' FOR UPDATE),
     made AS (
INSERT INTO offers (case_id, agent_id, state, needs_handoff, offered_at, expires_at)
SELECT target.id, agent.user_id, 'pending', $3, to_timestamp($4), to_timestamp($5)
  FROM target, agent
 WHERE coalesce((SELECT w.cases FROM agent_open_work w WHERE w.agent_id = agent.user_id), 0)
     + (SELECT count(*) FROM offers o WHERE o.agent_id = agent.user_id AND o.state = 'pending')
     < agent.capacity
ON CONFLICT (case_id) WHERE state = 'pending' DO NOTHING
RETURNING id, agent_id, state, needs_handoff, offered_at, expires_at, decline_reason)
-- The offer as Offer() reads it, so making one costs one statement and no read after it.
SELECT made.id, target.tracking_number, target.region_code, made.agent_id, made.state,
       made.needs_handoff, extract(epoch FROM made.offered_at)::bigint,
       extract(epoch FROM made.expires_at)::bigint, made.decline_reason
  FROM made, target)sql";

constexpr const char* kOfferColumns = R"sql(
SELECT o.id, c.tracking_number, c.region_code, o.agent_id, o.state, o.needs_handoff,
       extract(epoch FROM o.offered_at)::bigint, extract(epoch FROM o.expires_at)::bigint,
       o.decline_reason
  FROM offers o JOIN cases c ON c.id = o.case_id )sql";

OfferState ParseOfferState(const std::string& word) {
  if (word == "accepted") return OfferState::kAccepted;
  if (word == "declined") return OfferState::kDeclined;
  if (word == "expired") return OfferState::kExpired;
  if (word == "withdrawn") return OfferState::kWithdrawn;
  return OfferState::kPending;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Moment At(long long epoch) { return Moment(std::chrono::seconds(epoch)); }

std::optional<Shift> ShiftOf(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  return ParseShift(value.get<std::string>());
}

AgentRecord AgentFromRow(const pqxx::row& row) {
  AgentRecord record;
  auto& p = record.profile;
  p.id = row[0].as<std::int64_t>();
  p.name = row[1].as<std::string>();
  record.phone = row[2].as<std::string>();
  p.capacity = row[3].as<int>();
  p.on_duty = row[4].as<bool>();
  auto hours = nlohmann::json::parse(row[5].as<std::string>(), nullptr, false);
  for (std::size_t day = 0; day < 7; ++day) {
    p.hours.by_weekday[day] =
        hours.is_array() && day < hours.size() ? ShiftOf(hours[day]) : std::nullopt;
  }
  if (!row[6].is_null() && !row[7].is_null())
    p.position = GeoPoint{row[6].as<double>(), row[7].as<double>()};
  if (!row[8].is_null()) record.last_seen = At(row[8].as<long long>());
  p.covered_regions = Split(row[9].as<std::string>());
  record.listed_regions = Split(row[10].as<std::string>());
  p.departments = Split(row[11].as<std::string>());
  record.open_cases = row[12].as<int>();
  record.pending_offers = row[13].as<int>();
  p.load = record.open_cases + record.pending_offers;
  for (const auto& epoch : Split(row[14].as<std::string>()))
    p.appointments.push_back(At(std::stoll(epoch)));
  record.active = row[15].as<bool>();
  return record;
}

PendingCase WaitingFromRow(const pqxx::row& row) {
  PendingCase c;
  c.tracking_number = row[0].as<std::string>();
  c.region_code = row[1].as<std::string>();
  std::string lead = row[2].as<std::string>();
  c.is_bundle = row[3].as<bool>();
  c.mode = row[4].as<std::string>();
  if (!row[5].is_null()) c.appointment_at = At(row[5].as<long long>());
  c.hall = GeoPoint{row[6].as<double>(), row[7].as<double>()};
  c.applicant = GeoPoint{row[8].as<double>(), row[9].as<double>()};
  c.deadline = At(row[10].as<long long>());
  c.priority = row[11].as<int>();
  c.departments.push_back(lead);  // the lead first
  for (const auto& d : Split(row[12].as<std::string>())) {
    if (d != lead) c.departments.push_back(d);
  }
  for (const auto& id : Split(row[13].as<std::string>()))
    c.excluded_agents.push_back(std::stoll(id));
  c.case_id = row[14].as<std::int64_t>();
  return c;
}

OfferRecord OfferFromRow(const pqxx::row& row) {
  OfferRecord o;
  o.id = row[0].as<std::int64_t>();
  o.tracking_number = row[1].as<std::string>();
  o.region_code = row[2].as<std::string>();
  o.agent_id = row[3].as<std::int64_t>();
  o.state = ParseOfferState(row[4].as<std::string>());
  o.needs_handoff = row[5].as<bool>();
  o.offered_at = At(row[6].as<long long>());
  o.expires_at = At(row[7].as<long long>());
  o.decline_reason = row[8].as<std::string>();
  return o;
}

}  // namespace

PgDispatchStore::PgDispatchStore(db::PgPool& pool) : pool_(pool) {
  // The board, the waiting cases and the queue take optional filters as parameters (a region or
  // '', an agent or 0, the scope's three fields): they are sent unnamed, so PostgreSQL plans each
  // call for its values (db::PgPool). The rest keep the plan PostgreSQL caches for them.
  pool_.Prepare("dispatch_case_terms", kCaseTermsSql);
  pool_.Prepare("dispatch_create_offer", kCreateOfferSql);
}

void PgDispatchStore::SaveAgent(const AgentSettings& s) {
  nlohmann::json hours = nlohmann::json::array();
  for (const auto& shift : s.hours) {
    hours.push_back(shift.empty() ? nlohmann::json(nullptr) : nlohmann::json(shift));
  }
  try {
    pool_.Transact([&](pqxx::dbtransaction& tx) {
      auto role = tx.exec_params("SELECT role FROM users WHERE id = $1", s.user_id);
      if (role.empty() || role[0][0].as<std::string>() != "agent") {
        throw kernel::Invalid("user_id", "no account with role agent has this id");
      }
      tx.exec_params(
          "INSERT INTO agents (user_id, capacity, on_duty, hours, updated_at) "
          "VALUES ($1, $2, $3, $4::jsonb, now()) ON CONFLICT (user_id) DO UPDATE SET "
          "capacity = EXCLUDED.capacity, on_duty = EXCLUDED.on_duty, hours = EXCLUDED.hours, "
          "updated_at = now()",
          s.user_id, s.capacity, s.on_duty, hours.dump());
      tx.exec_params("DELETE FROM agent_regions WHERE agent_id = $1", s.user_id);
      tx.exec_params("DELETE FROM agent_departments WHERE agent_id = $1", s.user_id);
      for (const auto& region : s.regions) {
        tx.exec_params("INSERT INTO agent_regions (agent_id, region_code) VALUES ($1, $2)",
                       s.user_id, region);
      }
      for (const auto& department : s.departments) {
        tx.exec_params("INSERT INTO agent_departments (agent_id, department_code) VALUES ($1, $2)",
                       s.user_id, department);
      }
    });
  } catch (const pqxx::foreign_key_violation& error) {
    bool region = std::string(error.what()).find("region") != std::string::npos;
    throw kernel::Invalid(region ? "regions" : "departments",
                          region ? "unknown region code" : "unknown department code");
  }
}

bool PgDispatchStore::SetDuty(std::int64_t agent_id, bool on_duty,
                              const kernel::StaffScope& scope) {
  bool found = false;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    found = tx.exec_params(
                  "UPDATE agents a SET on_duty = $2, updated_at = now() "
                  "WHERE a.user_id = $1 AND " +
                      db::ScopeSql(3).Agent("a.user_id"),
                  agent_id, on_duty, scope.everything, scope.region_code, scope.department_code)
                .affected_rows() == 1;
  });
  return found;
}

std::vector<AgentRecord> PgDispatchStore::Agents(const std::string& covering_region,
                                                 const kernel::StaffScope& scope, AgentPage page) {
  return AgentsBy(kAgentsSql, covering_region, scope, page);
}

std::vector<AgentRecord> PgDispatchStore::Board(const std::string& covering_region,
                                                const kernel::StaffScope& scope, AgentPage page) {
  return AgentsBy(kBoardSql, covering_region, scope, page);
}

std::vector<AgentRecord> PgDispatchStore::AgentsBy(const std::string& sql,
                                                   const std::string& covering_region,
                                                   const kernel::StaffScope& scope,
                                                   AgentPage page) {
  std::vector<AgentRecord> agents;
  // LIMIT NULL is no limit.
  const auto limit = page.limit > 0 ? std::optional<int>(page.limit) : std::nullopt;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_params(sql, covering_region, std::int64_t{0}, scope.everything, scope.region_code,
                        scope.department_code, page.after_id, limit)) {
      agents.push_back(AgentFromRow(row));
    }
  });
  return agents;
}

std::optional<AgentRecord> PgDispatchStore::Agent(std::int64_t agent_id,
                                                  const kernel::StaffScope& scope) {
  std::optional<AgentRecord> agent;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows =
        tx.exec_params(kAgentsSql, std::string(), agent_id, scope.everything, scope.region_code,
                       scope.department_code, std::int64_t{0}, std::optional<int>());
    if (!rows.empty()) agent = AgentFromRow(rows[0]);
  });
  return agent;
}

std::vector<PendingCase> PgDispatchStore::WaitingCases(const std::string& region, int limit,
                                                       const PendingCase* after,
                                                       std::span<const std::int64_t> open_to) {
  std::vector<PendingCase> cases;
  const std::int64_t after_id = after ? after->case_id : 0;
  const long long after_deadline = after ? after->deadline.time_since_epoch().count() : 0;
  const int after_priority = after ? after->priority : 0;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(kWaitingSql, region, limit, std::string(), after_id,
                                          after_deadline, after_priority, db::ArrayOf(open_to))) {
      cases.push_back(WaitingFromRow(row));
    }
  });
  return cases;
}

std::optional<PendingCase> PgDispatchStore::WaitingCase(const std::string& tracking) {
  std::optional<PendingCase> found;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(kWaitingSql, std::string(), 1, tracking, std::int64_t{0}, 0LL, 0,
                               db::ArrayOf(std::span<const std::int64_t>{}));
    if (!rows.empty()) found = WaitingFromRow(rows[0]);
  });
  return found;
}

std::optional<PendingCase> PgDispatchStore::CaseTerms(const std::string& tracking) {
  std::optional<PendingCase> found;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared("dispatch_case_terms", tracking);
    if (!rows.empty()) found = WaitingFromRow(rows[0]);
  });
  return found;
}

std::vector<QueueEntry> PgDispatchStore::Queue(const std::string& region,
                                               const kernel::StaffScope& scope, int limit) {
  std::vector<QueueEntry> queue;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(kQueueSql, region, limit, scope.everything,
                                          scope.region_code, scope.department_code)) {
      queue.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                       At(row[3].as<long long>()), At(row[4].as<long long>()), row[5].as<int>(),
                       row[6].as<int>()});
    }
  });
  return queue;
}

std::optional<OfferRecord> PgDispatchStore::CreateOffer(const std::string& tracking,
                                                        std::int64_t agent_id, bool needs_handoff,
                                                        Moment now, Moment expires_at) {
  std::optional<OfferRecord> offer;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    offer.reset();  // a retry on a fresh connection starts over
    auto rows = tx.exec_prepared("dispatch_create_offer", tracking, agent_id, needs_handoff,
                                 db::EpochSeconds(now), db::EpochSeconds(expires_at));
    if (!rows.empty()) offer = OfferFromRow(rows[0]);
  });
  return offer;
}

std::optional<OfferRecord> PgDispatchStore::Offer(std::int64_t offer_id) {
  std::optional<OfferRecord> offer;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(std::string(kOfferColumns) + "WHERE o.id = $1", offer_id);
    if (!rows.empty()) offer = OfferFromRow(rows[0]);
  });
  return offer;
}

std::vector<OfferRecord> PgDispatchStore::PendingOffers(std::int64_t agent_id) {
  std::vector<OfferRecord> offers;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows =
        tx.exec_params(std::string(kOfferColumns) +
                           "WHERE o.state = 'pending' AND ($1::bigint = 0 OR o.agent_id = $1) "
                           "ORDER BY o.id",
                       agent_id);
    for (const auto& row : rows) offers.push_back(OfferFromRow(row));
  });
  return offers;
}

std::vector<OfferRecord> PgDispatchStore::DueOffers(Moment now, int limit) {
  std::vector<OfferRecord> offers;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(std::string(kOfferColumns) +
                                   "WHERE o.state = 'pending' AND o.expires_at <= to_timestamp($1) "
                                   "ORDER BY o.expires_at LIMIT $2",
                               db::EpochSeconds(now), limit);
    for (const auto& row : rows) offers.push_back(OfferFromRow(row));
  });
  return offers;
}

int PgDispatchStore::OffersMade(const std::string& tracking) {
  int made = 0;
  pool_.Read([&](pqxx::transaction_base& tx) {
    made = tx.exec_params(
                 "SELECT count(*) FROM offers o JOIN cases c ON c.id = o.case_id "
                 "WHERE c.tracking_number = $1",
                 tracking)[0][0]
               .as<int>();
  });
  return made;
}

void PgDispatchStore::AnswerOffer(db::Tx& tx, std::int64_t offer_id, std::int64_t agent_id,
                                  OfferState state, const std::string& reason, Moment now) {
  auto updated = tx.Pq().exec_params(
      "UPDATE offers SET state = $3, answered_at = to_timestamp($5), decline_reason = $4 "
      "WHERE id = $1 AND agent_id = $2 AND state = 'pending' AND expires_at > to_timestamp($5)",
      offer_id, agent_id, ToWord(state), reason, db::EpochSeconds(now));
  if (updated.affected_rows() != 1) {
    throw kernel::Conflict("offer_not_pending",
                           "the offer is no longer open (taken, declined, "
                           "expired or withdrawn)");
  }
}

bool PgDispatchStore::CloseOffer(std::int64_t offer_id, OfferState state, Moment now) {
  bool closed = false;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    closed = tx.exec_params(
                   "UPDATE offers SET state = $2, answered_at = to_timestamp($3) "
                   "WHERE id = $1 AND state = 'pending'",
                   offer_id, ToWord(state), db::EpochSeconds(now))
                 .affected_rows() == 1;
  });
  return closed;
}

void PgDispatchStore::WithdrawOffersOf(db::Tx& tx, const std::string& tracking, Moment now) {
  tx.Pq().exec_params(
      "UPDATE offers SET state = 'withdrawn', answered_at = to_timestamp($2) "
      "WHERE state = 'pending' AND case_id = (SELECT id FROM cases WHERE tracking_number = $1)",
      tracking, db::EpochSeconds(now));
}

std::vector<OfferRecord> PgDispatchStore::WithdrawStaleOffers(const std::string& tracking,
                                                              Moment now) {
  std::vector<std::int64_t> ids;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    for (const auto& row :
         tx.exec_params("UPDATE offers SET state = 'withdrawn', answered_at = to_timestamp($2) "
                        "WHERE state = 'pending' AND case_id = (SELECT id FROM cases "
                        "WHERE tracking_number = $1 AND state <> 'accepted') RETURNING id",
                        tracking, db::EpochSeconds(now))) {
      ids.push_back(row[0].as<std::int64_t>());
    }
  });
  std::vector<OfferRecord> withdrawn;
  for (auto id : ids) {
    if (auto offer = Offer(id)) withdrawn.push_back(*offer);
  }
  return withdrawn;
}

void PgDispatchStore::ClaimCapacity(db::Tx& tx, std::int64_t agent_id, bool over_capacity) {
  // NO KEY UPDATE, as in kCreateOfferSql: one claim at a time, key checks not blocked.
  auto agent = tx.Pq().exec_params(
      "SELECT capacity FROM agents WHERE user_id = $1 FOR NO KEY UPDATE", agent_id);
  if (agent.empty()) throw kernel::Invalid("agent_id", "no such agent");
  int capacity = agent[0][0].as<int>();
  int taken = tx.Pq()
                  .exec_params(
                      "SELECT coalesce((SELECT cases FROM agent_open_work "
                      "WHERE agent_id = $1), 0) + (SELECT count(*) FROM offers "
                      "WHERE agent_id = $1 AND state = 'pending')",
                      agent_id)[0][0]
                  .as<int>();
  if (taken > capacity && !over_capacity) {
    throw kernel::Conflict(
        "agent_full", "the agent has no capacity left (" + std::to_string(capacity) + " cases)",
        "agent_id");
  }
}

std::vector<SlaCase> PgDispatchStore::WatchedCases(int limit) {
  std::vector<SlaCase> cases;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(R"sql(
SELECT c.tracking_number, c.state, extract(epoch FROM c.deadline_at)::bigint,
       extract(epoch FROM c.at_risk_at)::bigint, m.yellow_at IS NOT NULL, m.red_at IS NOT NULL,
       coalesce(c.agent_id, 0), coalesce(a.on_duty, true),
       extract(epoch FROM c.assigned_at)::bigint, extract(epoch FROM c.last_progress_at)::bigint,
       m.candidate_at IS NOT NULL
  FROM cases c LEFT JOIN sla_marks m ON m.case_id = c.id
  LEFT JOIN agents a ON a.user_id = c.agent_id
 WHERE c.state IN ('accepted', 'assigned', 'in_progress') AND c.deadline_at IS NOT NULL
   AND (m.red_at IS NULL OR m.candidate_at IS NULL)
 ORDER BY c.deadline_at
 LIMIT $1)sql",
                               limit);
    for (const auto& row : rows) {
      SlaCase c;
      c.tracking_number = row[0].as<std::string>();
      c.state = row[1].as<std::string>();
      c.deadline = At(row[2].as<long long>());
      c.at_risk_at = At(row[3].as<long long>());
      c.yellow_raised = row[4].as<bool>();
      c.red_raised = row[5].as<bool>();
      c.agent_id = row[6].as<std::int64_t>();
      c.agent_on_duty = row[7].as<bool>();
      if (!row[8].is_null()) c.assigned_at = At(row[8].as<long long>());
      if (!row[9].is_null()) c.last_progress_at = At(row[9].as<long long>());
      c.candidate_raised = row[10].as<bool>();
      cases.push_back(std::move(c));
    }
  });
  return cases;
}

void PgDispatchStore::RecordSla(const std::string& tracking, const SlaFindings& f, Moment now) {
  if (!f.raise_yellow && !f.raise_red && !f.reassignment_candidate) return;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    auto row =
        tx.exec_params("SELECT id, region_code FROM cases WHERE tracking_number = $1", tracking);
    if (row.empty()) return;
    auto case_id = row[0][0].as<std::int64_t>();
    auto region = row[0][1].as<std::string>();
    tx.exec_params(
        "INSERT INTO sla_marks (case_id, yellow_at, red_at, candidate_at, candidate_reason) "
        "VALUES ($1, CASE WHEN $2 THEN to_timestamp($5) END, CASE WHEN $3 THEN to_timestamp($5) "
        "END, CASE WHEN $4 THEN to_timestamp($5) END, $6) ON CONFLICT (case_id) DO UPDATE SET "
        "yellow_at = coalesce(sla_marks.yellow_at, EXCLUDED.yellow_at), "
        "red_at = coalesce(sla_marks.red_at, EXCLUDED.red_at), "
        "candidate_at = coalesce(sla_marks.candidate_at, EXCLUDED.candidate_at), "
        "candidate_reason = CASE WHEN sla_marks.candidate_at IS NULL THEN "
        "EXCLUDED.candidate_reason "
        "ELSE sla_marks.candidate_reason END",
        case_id, f.raise_yellow, f.raise_red, f.reassignment_candidate, db::EpochSeconds(now),
        f.candidate_reason);
    auto alert = [&](const std::string& kind, const std::string& message) {
      tx.exec_params(
          "INSERT INTO alerts (case_id, region_code, kind, message, created_at) "
          "VALUES ($1, $2, $3, $4, to_timestamp($5))",
          case_id, region, kind, message, db::EpochSeconds(now));
      nlohmann::json payload = {{"tracking_number", tracking},
                                {"region_code", region},
                                {"kind", kind},
                                {"message", message}};
      tx.exec_params(
          "INSERT INTO outbox (stream, aggregate_id, event_type, payload) "
          "VALUES ('events:alerts', $1, $2, $3::jsonb)",
          tracking, kind, payload.dump());
    };
    if (f.raise_yellow) alert("yellow", "at risk: less working time left than the threshold");
    if (f.raise_red) alert("red", "overdue: past the committed deadline");
    if (f.reassignment_candidate) {
      alert("reassignment_candidate", "reassignment candidate: " + f.candidate_reason);
    }
  });
}

void PgDispatchStore::RaiseAlert(const std::string& tracking, const std::string& kind,
                                 const std::string& message, Moment now) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO alerts (case_id, region_code, kind, message, created_at) "
        "SELECT id, region_code, $2, $3, to_timestamp($4) FROM cases "
        "WHERE tracking_number = $1",
        tracking, kind, message, db::EpochSeconds(now));
  });
}

std::vector<Alert> PgDispatchStore::Alerts(const kernel::StaffScope& scope, int limit) {
  std::vector<Alert> alerts;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(
        "SELECT a.id, c.tracking_number, a.region_code, a.kind, a.message, "
        "extract(epoch FROM a.created_at)::bigint FROM alerts a JOIN cases c ON c.id = a.case_id "
        "WHERE " +
            db::ScopeSql(2).Case("c.region_code", "c.department_code") +
            " ORDER BY a.id DESC LIMIT $1",
        limit, scope.everything, scope.region_code, scope.department_code);
    for (const auto& row : rows) {
      alerts.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(),
                        row[2].as<std::string>(), row[3].as<std::string>(),
                        row[4].as<std::string>(), At(row[5].as<long long>())});
    }
  });
  return alerts;
}

bool PgDispatchStore::DeclineOffer(std::int64_t offer_id, std::int64_t agent_id,
                                   const std::string& reason, Moment now) {
  bool declined = false;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    declined = tx.exec_params(
                     "UPDATE offers SET state = 'declined', decline_reason = $3, "
                     "answered_at = to_timestamp($4) "
                     "WHERE id = $1 AND agent_id = $2 AND state = 'pending'",
                     offer_id, agent_id, reason, db::EpochSeconds(now))
                   .affected_rows() == 1;
  });
  return declined;
}

std::string PgDispatchStore::QueueRegion(const std::string& region) {
  std::string queue = region;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(
        "SELECT CASE WHEN level = 'street' THEN parent_code ELSE code END FROM regions "
        "WHERE code = $1",
        region);
    if (!rows.empty()) queue = rows[0][0].as<std::string>();
  });
  return queue;
}

}  // namespace daiban::dispatch
