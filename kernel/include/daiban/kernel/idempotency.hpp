#pragma once

#include <optional>
#include <string>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {

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
