#include "daiban/runtime/periodic_worker.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::runtime {

PeriodicWorker::PeriodicWorker(std::string name, std::chrono::milliseconds interval,
                               std::function<void()> task, const kernel::Logger& logger)
    : name_(std::move(name)), interval_(interval), task_(std::move(task)), logger_(logger) {}

PeriodicWorker::~PeriodicWorker() { Stop(); }

void PeriodicWorker::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicWorker::Loop() {
  for (;;) {
    try {
      task_();
    } catch (const kernel::DependencyUnavailable& error) {
      logger_.Warn("worker: dependency unavailable",
                   {{"worker", name_}, {"dependency", error.Dependency()}});
    } catch (const std::exception& error) {
      logger_.Error("worker failed", {{"worker", name_}, {"what", error.what()}});
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
  }
}

}  // namespace daiban::runtime
