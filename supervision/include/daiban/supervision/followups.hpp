#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/idempotency.hpp"
#include "daiban/supervision/stats.hpp"

// Bad-rating follow-ups (回访): a rating of 2 or less opened one for the region's supervisors
// (the case service writes it, due 15 working days later); supervisors list them, record their
// calls and close them with an outcome.
namespace daiban::supervision {

enum class FollowupFilter { kOpen, kClosed, kAll };
std::optional<FollowupFilter> ParseFollowupFilter(std::string_view word);  // open/closed/all

struct Followup {
  std::int64_t id = 0;
  std::string tracking_number;
  std::string subject;  // the item's or the bundle's name
  std::string region_code;
  int score = 0;
  std::string comment;
  Moment rated_at{};
  Moment opened_at{};
  Moment due_at{};
  std::optional<Moment> closed_at;
  std::int64_t closed_by_id = 0;  // 0 while open
  std::string closed_by_name;
  std::string call_notes;  // one line per call: "2026-11-28 10:15 note"
  std::string outcome;

  bool IsOpen() const { return !closed_at; }
  // Open for longer than allowed: still open and now past due_at.
  bool IsOverdue(Moment now) const { return IsOpen() && now > due_at; }
};

// A page position: after the follow-up due at `due_at` with id `id` (the list's order).
struct FollowupCursor {
  Moment due_at{};
  std::int64_t id = 0;
};

struct FollowupQuery {
  FollowupFilter filter = FollowupFilter::kOpen;
  int limit = 100;
  std::optional<FollowupCursor> after;
};

struct FollowupPage {
  std::vector<Followup> followups;
  std::optional<FollowupCursor> next;  // set when there are more
};

// What a write does to an open follow-up, in one transaction.
struct FollowupWrite {
  std::optional<std::string> call_line;  // appended to call_notes as a new line
  std::optional<std::string> outcome;    // closes it, with closed_at and closed_by
  std::int64_t user_id = 0;
  Moment at{};
  // With a key: the answer to keep in the same transaction, its body rendered by
  // `render_answer` from the follow-up as written. kernel::IdempotencyKeyTaken when the key has
  // one.
  std::optional<kernel::IdempotentAnswer> answer;
  std::function<std::string(const Followup&)> render_answer;
};

// Storage of follow-ups. Implementations: PgFollowupStore.
class FollowupStore {
 public:
  virtual ~FollowupStore() = default;
  // Follow-ups in `scope` (region subtree by the follow-up's region, department by its case),
  // ordered by due_at then id; at most query.limit + 1 of them (the extra one tells more).
  virtual std::vector<Followup> List(const SupervisionScope& scope, const FollowupQuery& query) = 0;
  // Applies `write` to the follow-up `id` if it is in scope and still open, conditionally (two
  // writers cannot both close it), and returns it as it is then. Throws kernel::ApiError 404
  // when unknown or out of scope, 409 followup_closed when already closed.
  virtual Followup Apply(std::int64_t id, const SupervisionScope& scope,
                         const FollowupWrite& write) = 0;
  // The answer kept for a key, if any.
  virtual std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                             const std::string& key) = 0;
};

inline constexpr std::size_t kMaxFollowupTextChars = 1000;
inline constexpr int kMaxFollowupPage = 200;

// The text of a call note or an outcome: surrounding white space trimmed, line breaks made
// spaces (call_notes keeps one call per line), then 1..kMaxFollowupTextChars characters.
// Throws kernel::ApiError 422 naming `field`.
std::string FollowupText(std::string_view text, const std::string& field);
// "2026-11-28 10:15 " + note, at `at` in China time.
std::string CallLine(Moment at, const std::string& note);

// Cursor text "f1.<due_at epoch>.<id>"; ParseFollowupCursor throws kernel::ApiError 400.
std::string FollowupCursorText(const FollowupCursor& cursor);
FollowupCursor ParseFollowupCursor(const std::string& text);

// The follow-up use cases. Callers have checked the role; `scope` limits what they reach.
class FollowupService {
 public:
  FollowupService(FollowupStore& store, const kernel::Clock& clock);

  FollowupPage List(const SupervisionScope& scope, const FollowupQuery& query);
  Followup RecordCall(std::int64_t id, const SupervisionScope& scope, std::int64_t user_id,
                      std::string_view note);
  Followup Close(std::int64_t id, const SupervisionScope& scope, std::int64_t user_id,
                 std::string_view outcome, const std::optional<std::string>& note);
  Moment Now() const;

  // The same writes once per Idempotency-Key: `key` (scope, key and request hash in a
  // kernel::IdempotentAnswer; nullopt without a key) answered before gets its first answer again
  // and writes nothing, the key with another request is 409 idempotency_key_reused; otherwise the
  // write runs and its answer, `render` of the follow-up as written, is kept with it.
  using Answer = kernel::KeyedAnswer;
  using Render = std::function<std::string(const Followup&)>;
  Answer RecordCall(std::int64_t id, const SupervisionScope& scope, std::int64_t user_id,
                    std::string_view note, const std::optional<kernel::IdempotentAnswer>& key,
                    const Render& render);
  Answer Close(std::int64_t id, const SupervisionScope& scope, std::int64_t user_id,
               std::string_view outcome, const std::optional<std::string>& note,
               const std::optional<kernel::IdempotentAnswer>& key, const Render& render);

 private:
  Answer Once(std::int64_t id, const SupervisionScope& scope, FollowupWrite write,
              const std::optional<kernel::IdempotentAnswer>& key, const Render& render);

  FollowupStore& store_;
  const kernel::Clock& clock_;
};

}  // namespace daiban::supervision
