#include "daiban/supervision/followups.hpp"

#include <limits>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/idempotency.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::supervision {

namespace {

std::size_t CountCharacters(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;  // every byte but continuation bytes
  return n;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

void AppendTwoDigits(std::string& out, unsigned value) {
  out += static_cast<char>('0' + value / 10 % 10);
  out += static_cast<char>('0' + value % 10);
}

}  // namespace

std::optional<FollowupFilter> ParseFollowupFilter(std::string_view word) {
  if (word == "open") return FollowupFilter::kOpen;
  if (word == "closed") return FollowupFilter::kClosed;
  if (word == "all") return FollowupFilter::kAll;
  return std::nullopt;
}

std::string FollowupText(std::string_view text, const std::string& field) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    if (text[i] == '\r' && i + 1 < end && text[i + 1] == '\n') continue;  // CRLF: one space
    out += text[i] == '\r' || text[i] == '\n' ? ' ' : text[i];
  }
  const std::size_t chars = CountCharacters(out);
  if (chars == 0) throw kernel::Invalid(field, field + " must not be empty");
  if (chars > kMaxFollowupTextChars) {
    throw kernel::Invalid(
        field, field + " has more than " + std::to_string(kMaxFollowupTextChars) + " characters");
  }
  return out;
}

std::string CallLine(Moment at, const std::string& note) {
  const auto local = cases::ToChinaLocal(at);
  std::string line = cases::FormatIsoDate(local.date) + " ";
  const auto minute = static_cast<unsigned>(local.MinuteOfDay().count());
  AppendTwoDigits(line, minute / 60);
  line += ':';
  AppendTwoDigits(line, minute % 60);
  return line + " " + note;
}

std::string FollowupCursorText(const FollowupCursor& cursor) {
  return kernel::EncodeCursor(
      "f1", {std::to_string(cursor.due_at.time_since_epoch().count()), std::to_string(cursor.id)});
}

FollowupCursor ParseFollowupCursor(const std::string& text) {
  const auto parts = kernel::DecodeCursor(text, "f1", 2);
  return {kernel::CursorTime(parts[0]),
          kernel::CursorNumber(parts[1], 1, std::numeric_limits<std::int64_t>::max())};
}

FollowupService::FollowupService(FollowupStore& store, const kernel::Clock& clock)
    : store_(store), clock_(clock) {}

Moment FollowupService::Now() const { return kernel::ToMoment(clock_.Now()); }

FollowupPage FollowupService::List(const SupervisionScope& scope, const FollowupQuery& query) {
  if (query.limit < 1 || query.limit > kMaxFollowupPage) {
    throw kernel::BadRequest("limit must be 1.." + std::to_string(kMaxFollowupPage), "limit");
  }
  FollowupPage page;
  page.followups = store_.List(scope, query);
  if (page.followups.size() > static_cast<std::size_t>(query.limit)) {
    page.followups.resize(static_cast<std::size_t>(query.limit));
    const auto& last = page.followups.back();
    page.next = FollowupCursor{last.due_at, last.id};
  }
  return page;
}

Followup FollowupService::RecordCall(std::int64_t id, const SupervisionScope& scope,
                                     std::int64_t user_id, std::string_view note) {
  FollowupWrite write;
  write.at = Now();
  write.user_id = user_id;
  write.call_line = CallLine(write.at, FollowupText(note, "note"));
  return store_.Apply(id, scope, write);
}

FollowupService::Answer FollowupService::Once(std::int64_t id, const SupervisionScope& scope,
                                              FollowupWrite write,
                                              const std::optional<kernel::IdempotentAnswer>& key,
                                              const Render& render) {
  if (!key) return {200, render(store_.Apply(id, scope, write)), false};
  auto find = [this](const kernel::IdempotentAnswer& k) {
    return store_.FindAnswer(k.scope, k.key);
  };
  return kernel::AnswerOnce(*key, find, [&]() -> Answer {
    std::string body;
    write.answer = *key;
    write.answer->status = 200;
    write.render_answer = [&](const Followup& f) {
      body = render(f);
      return body;
    };
    store_.Apply(id, scope, write);
    return {200, body, false};
  });
}

FollowupService::Answer FollowupService::RecordCall(
    std::int64_t id, const SupervisionScope& scope, std::int64_t user_id, std::string_view note,
    const std::optional<kernel::IdempotentAnswer>& key, const Render& render) {
  FollowupWrite write;
  write.at = Now();
  write.user_id = user_id;
  write.call_line = CallLine(write.at, FollowupText(note, "note"));
  return Once(id, scope, std::move(write), key, render);
}

FollowupService::Answer FollowupService::Close(std::int64_t id, const SupervisionScope& scope,
                                               std::int64_t user_id, std::string_view outcome,
                                               const std::optional<std::string>& note,
                                               const std::optional<kernel::IdempotentAnswer>& key,
                                               const Render& render) {
  FollowupWrite write;
  write.at = Now();
  write.user_id = user_id;
  write.outcome = FollowupText(outcome, "outcome");
  if (note) write.call_line = CallLine(write.at, FollowupText(*note, "note"));
  return Once(id, scope, std::move(write), key, render);
}

Followup FollowupService::Close(std::int64_t id, const SupervisionScope& scope,
                                std::int64_t user_id, std::string_view outcome,
                                const std::optional<std::string>& note) {
  FollowupWrite write;
  write.at = Now();
  write.user_id = user_id;
  write.outcome = FollowupText(outcome, "outcome");
  if (note) write.call_line = CallLine(write.at, FollowupText(*note, "note"));
  return store_.Apply(id, scope, write);
}

}  // namespace daiban::supervision
