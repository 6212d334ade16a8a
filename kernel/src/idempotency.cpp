#include "daiban/kernel/idempotency.hpp"

#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::kernel {

std::string UserKeyScope(std::int64_t user_id) { return "user:" + std::to_string(user_id); }

IdempotentAnswer KeyOf(std::string scope, std::string key, const std::string& what_was_asked) {
  return {std::move(scope), std::move(key), Sha256Hex(what_was_asked), 0, ""};
}

std::optional<KeyedAnswer> KeptAnswer(const IdempotentAnswer& key, const KeptAnswerFinder& find) {
  auto kept = SameRequest(find(key), key.request_hash);
  if (!kept) return std::nullopt;
  return KeyedAnswer{kept->status, kept->body, true};
}

std::optional<IdempotentAnswer> StaffKeyOf(std::int64_t user_id,
                                           const std::optional<std::string>& header,
                                           const std::string& request) {
  if (!header) return std::nullopt;
  return KeyOf(UserKeyScope(user_id), ParseIdempotencyKey(header), "staff\n" + request);
}

std::optional<IdempotentAnswer> StaffKeyOf(std::int64_t user_id, const HttpRequest& request) {
  return StaffKeyOf(user_id, request.Header("idempotency-key"),
                    request.method + " " + request.path + "\n" + request.body);
}

KeyedAnswer AnswerOnce(const IdempotentAnswer& key, const KeptAnswerFinder& find,
                       const std::function<KeyedAnswer()>& write) {
  if (auto first = KeptAnswer(key, find)) return *first;
  try {
    return write();
  } catch (const IdempotencyKeyTaken&) {
    // The same key committed first in a request that raced this one: its answer is the answer.
    if (auto first = KeptAnswer(key, find)) return *first;
    throw;
  } catch (const ApiError&) {
    // A twin that raced this request (the gateway resending it to the other instance while the
    // first still held it) can commit between the look-up above and this write's lock, which
    // then refuses what the twin just did: "cannot accept a case that is accepted". The key's
    // answer is the twin's. The refused write rolled back, so nothing of this try stays.
    std::optional<KeyedAnswer> first;
    try {
      first = KeptAnswer(key, find);
    } catch (const DependencyUnavailable&) {
      // The look-up failing says nothing about the key: the refusal stands.
    }
    if (first) return *first;
    throw;  // the refusal: the look-up's own exception, if any, was handled above
  }
}

}  // namespace daiban::kernel
