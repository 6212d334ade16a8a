#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {

struct HttpRequest;

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

// The scope of a signed-in user's keys, "user:<id>": a user's keys are its own, so two users
// (two agents, an agent and a supervisor) never share one.
std::string UserKeyScope(std::int64_t user_id);

// A write's key as the idempotency store keeps it: the scope, the Idempotency-Key (read with
// ParseIdempotencyKey) and the SHA-256 of `what_was_asked`, everything that makes the request
// this request (its target and its body), so another request under the key is told from a retry.
IdempotentAnswer KeyOf(std::string scope, std::string key, const std::string& what_was_asked);

// A staff write's optional key (staff may send one as phones do): std::nullopt without the
// header, 400 naming Idempotency-Key when it is malformed; the user's own scope, and `request`
// (its method, path and body) hashed after "staff\n" so it never matches a phone's request.
std::optional<IdempotentAnswer> StaffKeyOf(std::int64_t user_id,
                                           const std::optional<std::string>& header,
                                           const std::string& request);
// The same from an HTTP request: its Idempotency-Key header, and its method, path and body.
std::optional<IdempotentAnswer> StaffKeyOf(std::int64_t user_id, const HttpRequest& request);

// What a keyed write answers: the status and the JSON body, and whether it is the first answer
// to its key given again (then nothing was written).
struct KeyedAnswer {
  int status = 200;
  std::string body;
  bool replayed = false;
};

// What is kept under a key (scope and key of an IdempotentAnswer), if anything.
using KeptAnswerFinder = std::function<std::optional<IdempotentAnswer>(const IdempotentAnswer&)>;

// The answer kept under `key`, given again (replayed); std::nullopt when none was kept; 409
// idempotency_key_reused when it was kept for another request (SameRequest).
std::optional<KeyedAnswer> KeptAnswer(const IdempotentAnswer& key, const KeptAnswerFinder& find);

// The one flow of a write that takes an Idempotency-Key. The answer kept under `key` when there
// is one (409 idempotency_key_reused when it was kept for another request); else `write`, which
// keeps its answer in the transaction of the change it answers and returns it; and when another
// request with the same key committed first meanwhile (`write` threw IdempotencyKeyTaken, its
// transaction rolled back, or its state machine refused what that request had just done),
// that request's answer. So a key has one answer, written with its change or not at all.
KeyedAnswer AnswerOnce(const IdempotentAnswer& key, const KeptAnswerFinder& find,
                       const std::function<KeyedAnswer()>& write);

}  // namespace daiban::kernel
