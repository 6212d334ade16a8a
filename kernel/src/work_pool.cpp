#include "daiban/kernel/work_pool.hpp"

namespace daiban::kernel {

WorkPool::WorkPool(std::size_t threads, std::size_t queue_capacity) : capacity_(queue_capacity) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

WorkPool::~WorkPool() { Stop(); }

bool WorkPool::TrySubmit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
      ++rejected_;
      return false;
    }
    queue_.push_back(Task{std::move(task), std::chrono::steady_clock::now()});
  }
  ready_.notify_one();
  return true;
}

void WorkPool::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void WorkPool::WorkerLoop() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      ++active_;
      wait_seconds_total_ +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - task.queued_at).count();
    }
    // Tasks own their error handling; one escaping must not kill the worker.
    try {
      task.run();
    } catch (...) {
    }
    std::lock_guard lock(mutex_);
    --active_;
    ++completed_;
  }
}

void WorkPool::ReportTo(Metrics::Writer& writer, const std::string& pool_name) const {
  std::lock_guard lock(mutex_);
  std::string labels = "pool=\"" + PromLabel(pool_name) + "\"";
  writer.Gauge("daiban_work_pool_threads", "Threads of the blocking-work pool",
               static_cast<double>(threads_.size()), labels);
  writer.Gauge("daiban_work_pool_capacity", "Queue capacity of the blocking-work pool",
               static_cast<double>(capacity_), labels);
  writer.Gauge("daiban_work_pool_queued", "Tasks waiting for a thread",
               static_cast<double>(queue_.size()), labels);
  writer.Gauge("daiban_work_pool_active", "Tasks running", static_cast<double>(active_), labels);
  writer.Counter("daiban_work_pool_rejected_total", "Tasks refused because the queue was full",
                 static_cast<double>(rejected_), labels);
  writer.Counter("daiban_work_pool_completed_total", "Tasks run", static_cast<double>(completed_),
                 labels);
  writer.Counter("daiban_work_pool_wait_seconds_total", "Time tasks spent queued",
                 wait_seconds_total_, labels);
}

}  // namespace daiban::kernel
