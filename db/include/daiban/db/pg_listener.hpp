#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace daiban::kernel {
class Logger;
}

namespace daiban::db {

// Listens on a PostgreSQL notification channel (LISTEN) on a connection of its own and calls
// `on_notify` with each notification's payload, on its own thread. Writers send the
// notification from their transaction (pg_notify, or a trigger), and PostgreSQL delivers it only
// when that transaction commits: a stage woken this way starts within a millisecond of the
// commit instead of at its next poll.
//
// Notifications are a wake-up, never the data: one can be lost (the connection broke, the
// listener was not yet started), so every listener keeps polling as a safety net. After it
// (re)connects, the listener calls `on_notify` with an empty payload, because anything sent
// while it was away was missed.
class PgListener {
 public:
  using Callback = std::function<void(const std::string& payload)>;

  // `conninfo`: a libpq URI or key=value string. Nothing connects before Start().
  PgListener(std::string conninfo, std::string channel, Callback on_notify,
             const kernel::Logger& logger);
  ~PgListener();  // stops
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  void Start();
  // Waits for the thread (at most about a quarter of a second); safe to call twice.
  void Stop();
  // Whether the listener is connected and listening (as of its last check).
  bool Listening() const;

 private:
  struct Impl;  // the connection and the thread, kept out of this header (no pqxx here)
  std::unique_ptr<Impl> impl_;
};

// The channel the outbox trigger (migration 0014) notifies after every statement that inserted
// events; the relay listens on it.
inline constexpr const char* kOutboxChannel = "daiban_outbox";
// The channel the phone triggers (migration 0022) notify when an offer, a task or a delivery of
// a phone's user changes; the mobile gateway listens on it to answer phones' waits.
inline constexpr const char* kPhoneChannel = "daiban_phone";

}  // namespace daiban::db
