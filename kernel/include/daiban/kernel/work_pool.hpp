#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "daiban/kernel/metrics.hpp"

namespace daiban::kernel {

// A fixed set of threads with a bounded queue, for blocking work kept off Pistache's I/O
// threads (a blocking PostgreSQL call there would stall every route on that thread).
// TrySubmit refuses instead of queueing without limit, so overload turns into a fast 503.
class WorkPool {
 public:
  WorkPool(std::size_t threads, std::size_t queue_capacity);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // False when the queue is full or the pool is stopping; the task is then not run.
  bool TrySubmit(std::function<void()> task);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

  void ReportTo(Metrics::Writer& writer, const std::string& pool_name) const;

 private:
  struct Task {
    std::function<void()> run;
    std::chrono::steady_clock::time_point queued_at;
  };
  void WorkerLoop();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> queue_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
  std::size_t active_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t completed_ = 0;
  double wait_seconds_total_ = 0;
};

}  // namespace daiban::kernel
