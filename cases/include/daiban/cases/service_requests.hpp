#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/case_model.hpp"
#include "daiban/cases/case_state.hpp"

// Cases submitted through Open311, read back as service requests: the cases context owns the
// query over its tables; intake's GeoReport facade only renders what it returns.
namespace daiban::cases {

// One submitted request as GET requests.json shows it.
struct ServiceRequest {
  std::string tracking_number;
  CaseState state = CaseState::kSubmitted;
  // Why the case came to its state (the reason of that event: a rejection, a suspension, a
  // cancellation), empty when none was given.
  std::string reason;
  std::string service_code;
  std::string service_name;
  std::string agency;  // the department's name
  Moment requested_at{};
  Moment updated_at{};
  std::optional<Moment> expected_at;  // the deadline, once accepted
  std::string address;
  double lat = 0;
  double lng = 0;
  std::string description;  // the client's own words, as submitted
};

// What GET requests.json narrows a client's requests to.
struct ServiceRequestQuery {
  // When not empty, these requests and nothing else (the spec: it overrides the other
  // arguments).
  std::vector<std::string> tracking_numbers;
  std::string service_code;
  std::optional<Moment> from;  // requested at or after
  std::optional<Moment> to;    // requested at or before
  std::optional<bool> open;    // nullopt: open and closed
  int limit = 1000;            // the spec's suggested maximum per answer
};

// What an Open311 client submitted. Implementation: PgServiceRequestReader.
class ServiceRequestReader {
 public:
  virtual ~ServiceRequestReader() = default;
  // The requests the client `key_id` submitted, newest first, at most query.limit.
  virtual std::vector<ServiceRequest> Requests(std::int64_t key_id,
                                               const ServiceRequestQuery& query) = 0;
  // Requests submitted through Open311 (by any client) with these tracking numbers, newest
  // first; nothing for an empty list, so a caller without a key cannot enumerate.
  virtual std::vector<ServiceRequest> PublicRequests(const std::vector<std::string>& tracking) = 0;
};

}  // namespace daiban::cases
