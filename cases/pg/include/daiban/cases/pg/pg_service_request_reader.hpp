#pragma once

#include "daiban/cases/service_requests.hpp"
#include "daiban/db/pg_pool.hpp"

namespace daiban::cases {

// The cases an Open311 client submitted (cases.open311_key_id, db/migrations/0004_cases.sql), with
// their item, bundle and department names and the reason of their state.
class PgServiceRequestReader final : public ServiceRequestReader {
 public:
  // Declares its prepared statement on the pool.
  explicit PgServiceRequestReader(db::PgPool& pool);

  std::vector<ServiceRequest> Requests(std::int64_t key_id,
                                       const ServiceRequestQuery& query) override;
  std::vector<ServiceRequest> PublicRequests(const std::vector<std::string>& tracking) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::cases
