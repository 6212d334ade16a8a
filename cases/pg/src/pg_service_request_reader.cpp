#include "daiban/cases/pg/pg_service_request_reader.hpp"

#include <pqxx/pqxx>

namespace daiban::cases {

namespace {

// $1 key (0: any client, only with tracking numbers: the public view), $2 comma-separated tracking
// numbers, $3 item code ('' switches these off), $4 and $5 the requested-at range in epoch seconds
// (NULL: open-ended), $6 'open', 'closed' or '', $7 limit. Only the reason of a state that has one
// (rejection, suspension, cancellation) is read. Optional filters: sent unnamed, planned for the
// values of each call (db::PgPool).
constexpr const char* kRequestsSql = R"sql(
SELECT c.tracking_number, c.state, coalesce(c.item_code, c.bundle_code),
       coalesce(i.name, b.name, ''), coalesce(d.name, ''),
       extract(epoch FROM c.created_at)::bigint, extract(epoch FROM c.updated_at)::bigint,
       extract(epoch FROM c.deadline_at)::bigint, c.applicant_address, c.applicant_lat,
       c.applicant_lng, c.open311_description,
       CASE WHEN c.state IN ('rejected', 'suspended', 'cancelled') THEN
         (SELECT e.reason FROM case_events e WHERE e.case_id = c.id AND e.to_state = c.state
           ORDER BY e.id DESC LIMIT 1)
       END
  FROM cases c
  LEFT JOIN items i ON i.code = c.item_code
  LEFT JOIN bundles b ON b.code = c.bundle_code
  LEFT JOIN departments d ON d.code = c.department_code
 WHERE c.open311_key_id IS NOT NULL AND ($1 = 0 OR c.open311_key_id = $1)
   AND ($2 = '' OR c.tracking_number = ANY (string_to_array($2, ',')))
   AND ($3 = '' OR c.item_code = $3)
   AND ($4::float8 IS NULL OR c.created_at >= to_timestamp($4::float8))
   AND ($5::float8 IS NULL OR c.created_at <= to_timestamp($5::float8))
   AND ($6 = '' OR (c.state NOT IN ('delivered', 'closed', 'rejected', 'cancelled')) = ($6 = 'open'))
 ORDER BY c.created_at DESC, c.id DESC
 LIMIT $7)sql";

Moment MomentOf(const pqxx::field& field) {
  return Moment(std::chrono::seconds(field.as<std::int64_t>()));
}

}  // namespace

PgServiceRequestReader::PgServiceRequestReader(db::PgPool& pool) : pool_(pool) {}

std::vector<ServiceRequest> PgServiceRequestReader::PublicRequests(
    const std::vector<std::string>& tracking) {
  if (tracking.empty()) return {};
  ServiceRequestQuery query;
  query.tracking_numbers = tracking;
  return Requests(0, query);
}

std::vector<ServiceRequest> PgServiceRequestReader::Requests(std::int64_t key_id,
                                                             const ServiceRequestQuery& query) {
  // Key 0 without tracking numbers would list every client's requests.
  if (key_id == 0 && query.tracking_numbers.empty()) return {};
  std::string ids;
  for (const auto& id : query.tracking_numbers) ids += (ids.empty() ? "" : ",") + id;
  // libpqxx 6 has no std::optional parameters: a null C string is sent as NULL.
  auto epoch = [](const std::optional<Moment>& at) {
    return at ? std::to_string(at->time_since_epoch().count()) : std::string();
  };
  std::string from = epoch(query.from);
  std::string to = epoch(query.to);
  std::string open = !query.open ? "" : (*query.open ? "open" : "closed");
  std::vector<ServiceRequest> rows;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto result = tx.exec_params(kRequestsSql, key_id, ids, query.service_code,
                                 query.from ? from.c_str() : nullptr,
                                 query.to ? to.c_str() : nullptr, open, query.limit);
    for (const auto& r : result) {
      ServiceRequest row;
      row.tracking_number = r[0].as<std::string>();
      row.state = ParseCaseState(r[1].as<std::string>()).value_or(row.state);
      row.service_code = r[2].as<std::string>();
      row.service_name = r[3].as<std::string>();
      row.agency = r[4].as<std::string>();
      row.requested_at = MomentOf(r[5]);
      row.updated_at = MomentOf(r[6]);
      if (!r[7].is_null()) row.expected_at = MomentOf(r[7]);
      row.address = r[8].as<std::string>();
      row.lat = r[9].as<double>();
      row.lng = r[10].as<double>();
      row.description = r[11].as<std::string>();
      if (!r[12].is_null()) row.reason = r[12].as<std::string>();
      rows.push_back(std::move(row));
    }
  });
  return rows;
}

}  // namespace daiban::cases
