#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "daiban/kernel/metrics.hpp"

namespace daiban::mobile {

// Holds phones' waiting requests (GET /mobile/v1/me/wait) and answers each as soon as a change
// for its user is committed: offers, tasks and deliveries notify on the `daiban_phone` channel
// (migration 0022), and every gateway instance hears every notification.
//
// A phone passes the `since` token of its previous answer, so a change that arrived between
// that answer and this wait (while the phone was reading its offers) is answered at once
// instead of being missed. A token is a wall-clock millisecond at which this instance heard a
// change (or started listening), comparable across instances on one clock; a user's second
// change within one millisecond gets the next one. A notification is a
// wake-up, never the data: the phone reads what changed afterwards, and when the listener was
// away (it reconnected), every phone is told to read again.
class PhoneWakeups {
 public:
  struct Outcome {
    bool changed = false;
    std::int64_t since = 0;  // the token for the next wait
    // What changed, when `changed`: "offer", "case", "delivery", each once, so the phone reads
    // only those (an agent's own progress report wakes it with "case": nothing new to offer).
    // Every kind when the phone must read everything: its first wait, a token from before this
    // instance's listening, or the listener's reconnection.
    std::vector<std::string> changes;
  };
  using Reply = std::function<void(Outcome)>;
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  explicit PhoneWakeups(WallClock wall = [] { return std::chrono::system_clock::now(); });
  ~PhoneWakeups();  // stops
  PhoneWakeups(const PhoneWakeups&) = delete;
  PhoneWakeups& operator=(const PhoneWakeups&) = delete;

  // One notification's payload, `kind:user_id:ms`; an empty payload means the listener
  // (re)connected and may have missed some, so every waiting phone is told to read again.
  // Malformed payloads are ignored (they cannot name a phone).
  void Notify(const std::string& payload);

  // Answers `reply` at once when a change for `user` is newer than `since` (or `since` is
  // absent or older than this instance's listening), else when one arrives or `timeout` has
  // passed (changed = false). `reply` is called exactly once, on some thread, never under a lock.
  void Wait(std::int64_t user, std::optional<std::int64_t> since, std::chrono::milliseconds timeout,
            Reply reply);

  // Starts the timer that answers expired waits.
  void Start();
  // Answers every waiting phone (changed = true: it reads again, from another instance) and
  // answers later waits at once the same way; safe to call twice.
  void Stop();

  std::size_t Waiting() const;
  // Commit (the change's time in the payload) to the phone's request answered, per kind.
  void ReportTo(kernel::Metrics::Writer& writer) const;

 private:
  struct Waiter {
    std::int64_t user;
    std::chrono::steady_clock::time_point expires;
    Reply reply;
  };
  std::int64_t NowMs() const;
  // What was heard of one user: the newest token and, per kind, the token of its last change.
  struct Heard {
    std::int64_t latest = 0;
    std::map<std::string, std::int64_t> by_kind;
  };
  // The newest token of `user`: its last change heard, or the start of listening. Under mutex_.
  std::int64_t TokenOf(std::int64_t user) const;
  // The kinds changed for `user` after `since` (every kind when `since` cannot be trusted).
  // Under mutex_.
  std::vector<std::string> ChangesSince(std::int64_t user, std::optional<std::int64_t> since) const;
  void ExpireLoop();

  WallClock wall_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::int64_t, Heard> heard_;  // by user
  std::int64_t listening_since_;
  std::multimap<std::int64_t, Waiter> waiters_;  // by user
  bool stopped_ = false;
  bool running_ = false;
  std::thread timer_;
  std::map<std::string, kernel::StageHistogram> wake_;  // by kind: offer, case, delivery
};

}  // namespace daiban::mobile
