#include "daiban/runtime/case_event_reader.hpp"

#include "daiban/db/stream_consumer.hpp"
#include "daiban/runtime/periodic_worker.hpp"

namespace daiban::runtime {

CaseEventReader::CaseEventReader(ServiceHost& host, const kernel::Env& env,
                                 const std::string& group,
                                 std::function<void(const CaseStateEvent&)> handle)
    : host_(host) {
  consumer_ = std::make_unique<db::StreamConsumer>(
      host.Redis(), "events:cases", group, group + "-" + host.Ids().HexId(4),
      [handle = std::move(handle)](const db::StreamMessage& message) {
        const auto& p = message.payload;
        if (!p.is_object() || !p.contains("to") || !p["to"].is_string()) return;
        handle({p.value("tracking_number", message.aggregate), p["to"].get<std::string>(),
                p.value("region_code", "")});
      },
      host.Logger());
  reader_ = std::make_unique<PeriodicWorker>(
      "case-events", env.Millis("DAIBAN_EVENTS_POLL_MS", 200, 10, 60000),
      [consumer = consumer_.get()] {
        while (consumer->RunOnce() > 0) {
        }
      },
      host.Logger());
}

CaseEventReader::~CaseEventReader() {
  if (reader_) reader_->Stop();
}

void CaseEventReader::Start() {
  try {
    consumer_->EnsureGroup();
  } catch (const std::exception& error) {
    host_.Logger().Warn("case events: stream not ready yet", {{"what", error.what()}});
  }
  reader_->Start();
}

}  // namespace daiban::runtime
