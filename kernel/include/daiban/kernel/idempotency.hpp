#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {

// The first answer to a client's Idempotency-Key (DESIGN.md, APIs): a retried write gets it
// again and changes nothing twice; the same key with another request is a conflict. One type for
// every write that takes a key (case API, follow-ups, simulation reports, phone progress, photos,
// courier actions), kept by db::IdempotencyStore and by the contexts' in-memory fakes.
struct IdempotentAnswer {
  std::string scope;  // whose keys: "user:<id>" for staff, "applicant:<hash>" for applicants
  std::string key;
  std::string request_hash;  // of what the request asked, to tell a retry from a reuse
  int status = 0;
  // The answer's JSON exactly as first sent (kept as text, so a retry gets the same bytes);
  // never a secret in clear (the table is read by operators and kept in backups).
  std::string body;
};

// The key's answer was kept by another request meanwhile (the two raced): the write that tried
// to keep it rolls back, and the caller replays the first answer.
class IdempotencyKeyTaken : public std::runtime_error {
 public:
  IdempotencyKeyTaken() : std::runtime_error("idempotency key already used") {}
};

// What a store kept under an Idempotency-Key, when a request with that key comes again: the kept
// answer (`Kept` has a `request_hash`), std::nullopt when nothing was kept, and 409
// idempotency_key_reused when the key was used with another request. Every context that keeps
// answers (cases, follow-ups, simulation reports) tells a retry from a reused key here.
template <typename Kept>
std::optional<Kept> SameRequest(std::optional<Kept> kept, const std::string& request_hash) {
  if (kept && kept->request_hash != request_hash) {
    throw Conflict("idempotency_key_reused",
                   "this Idempotency-Key was used with a different request body",
                   "Idempotency-Key");
  }
  return kept;
}

}  // namespace daiban::kernel
