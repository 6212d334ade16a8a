#pragma once

// Reading Redis Stream replies, shared by the outbox relay and the stream consumer. Private to
// daiban_db: callers see decoded messages, never reply trees.

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daiban/db/redis_pool.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::db::streams {

// One stream entry as Redis returns it: [id, [field, value, ...]], or [id, nil] when a pending
// entry was trimmed (MAXLEN) or deleted after it was delivered.
struct Entry {
  std::string id;
  bool deleted = false;
  std::vector<std::pair<std::string, std::string>> fields;

  const std::string* Field(std::string_view name) const {
    for (const auto& [key, value] : fields) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

inline bool IsErrorWithCode(const RedisValue& reply, std::string_view code) {
  return reply.kind == RedisValue::Kind::kError && reply.text.rfind(code, 0) == 0 &&
         (reply.text.size() == code.size() || reply.text[code.size()] == ' ');
}

// Error replies that mean Redis is not able to serve right now (loading a dump, a replica that
// is read-only after a failover, out of memory, a busy script) are the environment and retried
// later like a refused connection; any other error reply (WRONGTYPE, a syntax error) means our
// command or our keys are wrong, which retrying cannot fix.
[[noreturn]] inline void ThrowErrorReply(const RedisValue& reply, std::string_view command) {
  static constexpr std::array<std::string_view, 9> kTransient = {
      "LOADING", "BUSY",    "MASTERDOWN",  "READONLY",  "TRYAGAIN",
      "OOM",     "MISCONF", "CLUSTERDOWN", "NOREPLICAS"};
  for (auto code : kTransient) {
    if (IsErrorWithCode(reply, code)) {
      throw kernel::DependencyUnavailable("redis", std::string(command) + ": " + reply.text);
    }
  }
  throw std::runtime_error(std::string(command) + " failed: " + reply.text);
}

[[noreturn]] inline void ThrowUnexpected(std::string_view command) {
  throw std::runtime_error(std::string("unexpected reply shape to ") + std::string(command));
}

// Bulk strings, and the simple strings some servers use for ids, both read as text.
inline bool IsText(const RedisValue& value) {
  return value.kind == RedisValue::Kind::kString || value.kind == RedisValue::Kind::kStatus;
}

// An array of entries, as in XRANGE, in each stream of XREADGROUP and in XAUTOCLAIM's second
// element. Throws std::runtime_error on a shape that is not one.
inline std::vector<Entry> ParseEntries(const RedisValue& array, std::string_view command) {
  std::vector<Entry> entries;
  if (array.IsNil()) return entries;
  if (array.kind != RedisValue::Kind::kArray) ThrowUnexpected(command);
  entries.reserve(array.elements.size());
  for (const auto& item : array.elements) {
    if (item.kind != RedisValue::Kind::kArray || item.elements.empty() ||
        !IsText(item.elements[0])) {
      ThrowUnexpected(command);
    }
    Entry entry;
    entry.id = item.elements[0].text;
    if (item.elements.size() < 2 || item.elements[1].IsNil()) {
      entry.deleted = true;
    } else {
      const auto& pairs = item.elements[1];
      if (pairs.kind != RedisValue::Kind::kArray || pairs.elements.size() % 2 != 0) {
        ThrowUnexpected(command);
      }
      for (std::size_t i = 0; i + 1 < pairs.elements.size(); i += 2) {
        if (!IsText(pairs.elements[i]) || !IsText(pairs.elements[i + 1])) {
          ThrowUnexpected(command);
        }
        entry.fields.emplace_back(pairs.elements[i].text, pairs.elements[i + 1].text);
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// XREADGROUP's reply: nil when nothing is there, else [[stream, entries], ...]; we read one
// stream, so the entries of the first.
inline std::vector<Entry> ParseReadGroup(const RedisValue& reply) {
  if (reply.IsNil()) return {};
  if (reply.kind != RedisValue::Kind::kArray) ThrowUnexpected("XREADGROUP");
  std::vector<Entry> entries;
  for (const auto& stream : reply.elements) {
    if (stream.kind != RedisValue::Kind::kArray || stream.elements.size() != 2) {
      ThrowUnexpected("XREADGROUP");
    }
    auto more = ParseEntries(stream.elements[1], "XREADGROUP");
    entries.insert(entries.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
  }
  return entries;
}

}  // namespace daiban::db::streams
