#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daiban/kernel/log.hpp"

namespace daiban::runtime {

// A periodic background task that runs in exactly one process among the instances of a
// service (DESIGN.md §2, "Background workers"). The processes compete for a PostgreSQL
// session-level advisory lock on `lock_key`; the one holding it is the leader and runs the task
// every `interval`. The lock lives as long as the worker's own connection (not one from the pool:
// a pooled connection would carry the lock to whoever leases it next), so when the leader dies
// or loses its connection, PostgreSQL releases the lock and another instance takes over at its
// next try (within about one interval).
//
// Leadership is checked against pg_locks before every run, so a leader whose connection broke
// (server restart) stops running the task before it runs it again. A task may still be running
// when its leader loses the lock, so tasks must stay safe when two overlap (claim rows with
// SKIP LOCKED, write with conditional updates).
class ElectedWorker {
 public:
  using Task = std::function<void()>;

  // `conninfo`: a libpq URI or key=value string (the service's PostgreSQL URL). Nothing
  // connects before Start().
  ElectedWorker(std::string name, std::int64_t lock_key, std::string conninfo,
                std::chrono::milliseconds interval, Task task, const kernel::Logger& logger);
  // Stops the worker if it still runs.
  ~ElectedWorker();
  ElectedWorker(const ElectedWorker&) = delete;
  ElectedWorker& operator=(const ElectedWorker&) = delete;

  // Starts the worker's thread; it tries to become leader at once. Calling it twice is a bug.
  void Start();
  // Wakes the thread, waits for a running task to finish, and closes the connection, which
  // releases the lock so another instance can take over without waiting. Safe to call twice.
  void Stop();
  // Whether this process holds the lock (as of its last check).
  bool IsLeader() const;
  // Cuts the current wait short: the next tick (election try, or a run when leading) happens
  // now. For tests and for work that should not wait out the interval (a "kick").
  void Wake();
  // How many times the task has run in this process (finished, with or without an error).
  std::uint64_t Runs() const;
  const std::string& Name() const;

 private:
  struct Impl;  // the connection and the thread, kept out of this header (no pqxx here)
  std::unique_ptr<Impl> impl_;
};

}  // namespace daiban::runtime
