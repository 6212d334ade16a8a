#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daiban/runtime/service_host.hpp"

namespace daiban::db {
class StreamConsumer;
}

namespace daiban::runtime {

class PeriodicWorker;

// A case's state change as the case events stream carries it.
struct CaseStateEvent {
  std::string tracking_number;
  std::string to_state;  // the state the case moved to
  std::string region_code;
};

// Reads the case events stream ("events:cases") in every instance of a service through the
// service's own consumer group (the group shares the messages out), polling every
// DAIBAN_EVENTS_POLL_MS; each event with a new state goes to `handle`, which must be idempotent
// (see db::StreamConsumer). Start() once the host is starting.
class CaseEventReader {
 public:
  CaseEventReader(ServiceHost& host, const kernel::Env& env, const std::string& group,
                  std::function<void(const CaseStateEvent&)> handle);
  ~CaseEventReader();
  // Creates the group if needed (a Redis not ready yet is logged, and retried by the reads) and
  // starts polling.
  void Start();

 private:
  ServiceHost& host_;
  std::unique_ptr<db::StreamConsumer> consumer_;
  std::unique_ptr<PeriodicWorker> reader_;
};

}  // namespace daiban::runtime
