#include "daiban/db/pg_listener.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "daiban/kernel/log.hpp"

namespace daiban::db {

namespace {

using std::chrono::milliseconds;

// How long one wait for a notification lasts: also how long Stop() may take.
constexpr long kWaitMicros = 250000;
constexpr milliseconds kFirstBackoff{250};
constexpr milliseconds kMaxBackoff{5000};

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, const std::string& channel,
           const PgListener::Callback& callback)
      : pqxx::notification_receiver(connection, channel), callback_(callback) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override { callback_(payload); }

 private:
  const PgListener::Callback& callback_;
};

std::string ListenerConninfo(const std::string& url) {
  bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (uri) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") +
           "connect_timeout=3&application_name=daiban-listener";
  }
  return url + " connect_timeout=3 application_name=daiban-listener";
}

}  // namespace

struct PgListener::Impl {
  Impl(std::string conninfo_in, std::string channel_in, Callback callback_in,
       const kernel::Logger& logger_in)
      : conninfo(ListenerConninfo(conninfo_in)),
        channel(std::move(channel_in)),
        callback(std::move(callback_in)),
        logger(logger_in) {}

  void Loop();
  bool Pause(milliseconds wait) {
    std::unique_lock lock(mutex);
    return wake.wait_for(lock, wait, [this] { return stopping.load(); });
  }

  const std::string conninfo;
  const std::string channel;
  const Callback callback;
  const kernel::Logger& logger;
  std::atomic<bool> stopping{false};
  std::atomic<bool> listening{false};
  std::mutex mutex;
  std::condition_variable wake;
  std::thread thread;
};

void PgListener::Impl::Loop() {
  milliseconds backoff = kFirstBackoff;
  bool reported = false;  // an outage is logged once, not at every retry
  while (!stopping) {
    try {
      pqxx::connection connection(conninfo);
      Receiver receiver(connection, channel, callback);
      listening = true;
      backoff = kFirstBackoff;
      if (reported) logger.Info("notification listener reconnected", {{"channel", channel}});
      reported = false;
      callback("");  // whatever was sent while nobody listened
      while (!stopping) connection.await_notification(0, kWaitMicros);
    } catch (const std::exception& error) {
      listening = false;
      if (!reported) {
        logger.Warn("notification listener lost its connection; polling carries on",
                    {{"channel", channel}, {"error", error.what()}});
        reported = true;
      }
      if (Pause(backoff)) break;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }
  listening = false;
}

PgListener::PgListener(std::string conninfo, std::string channel, Callback on_notify,
                       const kernel::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(conninfo), std::move(channel), std::move(on_notify),
                                   logger)) {}

PgListener::~PgListener() { Stop(); }

void PgListener::Start() {
  if (impl_->thread.joinable()) return;
  impl_->stopping = false;
  impl_->thread = std::thread([impl = impl_.get()] { impl->Loop(); });
}

void PgListener::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool PgListener::Listening() const { return impl_->listening; }

}  // namespace daiban::db
