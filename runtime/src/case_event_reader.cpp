#include "daiban/runtime/case_event_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "daiban/db/stream_consumer.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::runtime {

using std::chrono::milliseconds;

std::string InstanceName(const kernel::Env& env, const ServiceSettings& settings) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, 256, "host");
  return env.String("DAIBAN_INSTANCE",
                    std::string(host) + ":" + std::to_string(settings.http.port));
}

struct CaseEventReader::Loop {
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::vector<std::thread> threads;
  milliseconds pause{200};

  // Waits `wait` unless stopped; true when stopping.
  bool Pause(milliseconds wait) {
    std::unique_lock lock(mutex);
    return wake.wait_for(lock, wait, [this] { return stopping; });
  }
  bool Stopping() {
    std::lock_guard lock(mutex);
    return stopping;
  }
};

CaseEventReader::CaseEventReader(ServiceHost& host, const kernel::Env& env,
                                 const std::string& group,
                                 std::function<void(const CaseStateEvent&)> handle)
    : host_(host), loop_(std::make_unique<Loop>()) {
  db::StreamConsumer::Options options;
  options.block = env.Millis("DAIBAN_EVENTS_BLOCK_MS", 500, 10, 5000);
  options.dead_consumer_idle = env.Millis("DAIBAN_EVENTS_DEAD_CONSUMER_MS", 3000, 100, 600000);
  // A live consumer reads at least every `block`: only a far longer silence means death.
  options.dead_consumer_idle = std::max(options.dead_consumer_idle, options.block * 3);
  options.claim_every = std::min(milliseconds(1000), options.dead_consumer_idle / 3);
  // Each reader takes a few events at a time, so a slow one (its database round trips) holds
  // up only those while the others go on.
  options.count = 10;
  loop_->pause = env.Millis("DAIBAN_EVENTS_POLL_MS", 200, 10, 60000);
  // Several readers in one process, each a consumer of the group with a stable name of its
  // own: the group shares the events out among them, so events are handled side by side
  // instead of queueing behind one another's database round trips.
  const auto readers = static_cast<int>(env.Int("DAIBAN_EVENTS_READERS", 4, 1, 32));
  const std::string instance = InstanceName(env, host.Settings());
  // One connection for each reading thread, with a read timeout beyond the blocking read (the
  // shared pool's timeout is short, and a waiting read would hold one of its few slots).
  db::RedisOptions redis = host.Settings().redis;
  redis.pool_size = 1;
  redis.timeout = std::max(redis.timeout, options.block + milliseconds(1000));
  auto on_message = [handle = std::move(handle)](const db::StreamMessage& message) {
    const auto& p = message.payload;
    if (!p.is_object() || !p.contains("to") || !p["to"].is_string()) return;
    CaseStateEvent event{p.value("tracking_number", message.aggregate), p["to"].get<std::string>(),
                         p.value("region_code", ""), std::nullopt};
    if (auto from = p.find("from"); from != p.end()) {
      if (from->is_string()) event.from_state = from->get<std::string>();
      if (from->is_null()) event.from_state = "";
    }
    handle(event);
  };
  for (int k = 0; k < readers; ++k) {
    redis_.push_back(std::make_unique<db::RedisPool>(redis));
    consumers_.push_back(std::make_unique<db::StreamConsumer>(
        *redis_.back(), "events:cases", group,
        readers == 1 ? instance : instance + "/" + std::to_string(k), on_message, host.Logger(),
        options));
    host.Metrics().AddCollector(
        [consumer = consumers_.back().get()](kernel::Metrics::Writer& writer) {
          consumer->ReportTo(writer);
        });
  }
}

CaseEventReader::~CaseEventReader() { Stop(); }

void CaseEventReader::Start() {
  if (!loop_->threads.empty()) return;
  try {
    consumers_.front()->EnsureGroup();
  } catch (const std::exception& error) {
    host_.Logger().Warn("case events: stream not ready yet", {{"what", error.what()}});
  }
  for (auto& consumer : consumers_) {
    loop_->threads.emplace_back([this, consumer = consumer.get()] { Read(*consumer); });
  }
}

void CaseEventReader::Read(db::StreamConsumer& consumer) {
  bool reported = false;  // an outage is logged once, not at every retry
  while (!loop_->Stopping()) {
    try {
      consumer.RunOnce();  // waits in its blocking read when there is nothing to do
      reported = false;
      // A failed handler's message is retried at the next run: not at once, or a passing
      // fault would use up its tries within milliseconds.
      if (consumer.LastRunFailed() && loop_->Pause(loop_->pause)) break;
    } catch (const kernel::DependencyUnavailable& error) {
      if (!reported) {
        host_.Logger().Warn("case events: dependency unavailable",
                            {{"dependency", error.Dependency()}, {"detail", error.Detail()}});
      }
      reported = true;
      if (loop_->Pause(loop_->pause)) break;
    } catch (const std::exception& error) {
      host_.Logger().Error("case events: read failed", {{"what", error.what()}});
      if (loop_->Pause(loop_->pause)) break;
    }
  }
}

void CaseEventReader::Stop() {
  if (!loop_) return;
  {
    std::lock_guard lock(loop_->mutex);
    loop_->stopping = true;
  }
  loop_->wake.notify_all();
  for (auto& thread : loop_->threads) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace daiban::runtime
