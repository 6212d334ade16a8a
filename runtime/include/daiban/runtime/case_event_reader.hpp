#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daiban/runtime/service_host.hpp"

namespace daiban::db {
class StreamConsumer;
}

namespace daiban::runtime {

// A case's state change as the case events stream carries it.
struct CaseStateEvent {
  std::string tracking_number;
  std::string to_state;  // the state the case moved to
  std::string region_code;
  // The state it left: "" for a new case, nullopt when the event does not say.
  std::optional<std::string> from_state;
};

// The name this process goes by in consumer groups: DAIBAN_INSTANCE, by default the host name
// and the service's port ("app-3:8102"). Stable across restarts on purpose: a restarted process
// finds the messages it had read but not finished under its own name and handles them first.
std::string InstanceName(const kernel::Env& env, const ServiceSettings& settings);

// Reads the case events stream ("events:cases") in every instance of a service through the
// service's own consumer group (the group shares the messages out) and hands each event with a
// new state to `handle`, which must be idempotent (see db::StreamConsumer).
//
// Event-driven: DAIBAN_EVENTS_READERS threads (4) each wait in a blocking read
// (DAIBAN_EVENTS_BLOCK_MS) on a Redis connection of its own, so an event is handled as soon as
// the relay publishes it, and events are handled side by side (handlers must not rely on the
// order of one case's events: they read the case's state). Crash takeover: each reader is a
// consumer named after the instance (InstanceName, "/k" for the k-th reader), and a peer whose
// reads stopped for DAIBAN_EVENTS_DEAD_CONSUMER_MS is presumed dead and its pending events taken
// over. DAIBAN_EVENTS_POLL_MS is the pause before retrying after Redis failed. Start() once the
// host is starting.
class CaseEventReader {
 public:
  CaseEventReader(ServiceHost& host, const kernel::Env& env, const std::string& group,
                  std::function<void(const CaseStateEvent&)> handle);
  ~CaseEventReader();
  // Creates the group if needed (a Redis not ready yet is logged, and retried by the reads) and
  // starts reading.
  void Start();
  void Stop();  // waits for the current read (at most DAIBAN_EVENTS_BLOCK_MS); idempotent

 private:
  struct Loop;
  void Read(db::StreamConsumer& consumer);  // one reader's loop, until stopped

  ServiceHost& host_;
  std::vector<std::unique_ptr<db::RedisPool>> redis_;  // each blocking read's own connection
  std::vector<std::unique_ptr<db::StreamConsumer>> consumers_;
  std::unique_ptr<Loop> loop_;
};

}  // namespace daiban::runtime
