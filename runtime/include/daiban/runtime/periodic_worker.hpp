#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "daiban/kernel/log.hpp"

namespace daiban::runtime {

// Runs a task every `interval` on its own thread in every instance of a service (a stream
// consumer, say: the consumer group shares the work out). Exceptions are logged, never fatal.
// For work that must run in one instance at a time, use ElectedWorker.
class PeriodicWorker {
 public:
  PeriodicWorker(std::string name, std::chrono::milliseconds interval, std::function<void()> task,
                 const kernel::Logger& logger);
  ~PeriodicWorker();
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  void Start();
  void Stop();  // idempotent; waits for a running task to finish

 private:
  void Loop();

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> task_;
  const kernel::Logger& logger_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace daiban::runtime
