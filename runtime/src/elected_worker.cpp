#include "daiban/runtime/elected_worker.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "daiban/kernel/errors.hpp"

namespace daiban::runtime {

namespace {

using std::chrono::milliseconds;

constexpr const char* kTryLock = "elected_worker_try_lock";
constexpr const char* kTryLockSql = "SELECT pg_try_advisory_lock($1::bigint)";
// Whether this session still holds the lock. pg_locks shows a bigint advisory key as its two
// 32-bit halves, with objsubid 1 marking the one-bigint form.
constexpr const char* kHoldsLock = "elected_worker_holds_lock";
constexpr const char* kHoldsLockSql =
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND objsubid = 1 "
    "AND classid = (($1::bigint >> 32) & 4294967295)::oid "
    "AND objid = ($1::bigint & 4294967295)::oid)";

// Waits between reconnection attempts: short at first so a restarted server is rejoined
// quickly, capped so a long outage does not flood the log or the server, and low enough that
// after a failover (Patroni promotes the standby within ~15 s) the workers are re-elected on
// the new primary within seconds of it accepting connections.
constexpr milliseconds kFirstBackoff{500};
constexpr milliseconds kMaxBackoff{4000};

// Bounds what libpq would otherwise wait forever for (it has no client-side timeout), so
// Stop() never hangs on a frozen server; the name shows the worker in pg_stat_activity.
std::string WorkerConninfo(const std::string& url, const std::string& name) {
  std::string application = "daiban-worker-";
  for (char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
    application.push_back(plain ? c : '_');
  }
  bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (uri) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") +
           "connect_timeout=3&application_name=" + application +
           "&options=-c%20statement_timeout%3D5000";
  }
  return url + " connect_timeout=3 application_name=" + application +
         " options='-c statement_timeout=5000'";
}

}  // namespace

struct ElectedWorker::Impl {
  Impl(std::string name_in, std::int64_t key_in, std::string conninfo_in, milliseconds interval_in,
       Task task_in, const kernel::Logger& logger_in)
      : name(std::move(name_in)),
        key(key_in),
        conninfo(WorkerConninfo(conninfo_in, name)),
        interval(interval_in),
        task(std::move(task_in)),
        logger(logger_in) {}

  void Loop();
  bool Elect();
  void RunTask();
  void Wait(milliseconds wait);
  nlohmann::json Fields() const { return {{"worker", name}}; }

  const std::string name;
  const std::int64_t key;
  const std::string conninfo;
  const milliseconds interval;
  const Task task;
  const kernel::Logger& logger;

  // Touched only by the worker's thread.
  std::unique_ptr<pqxx::connection> connection;

  std::atomic<bool> leader{false};
  std::atomic<std::uint64_t> runs{0};
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool woken = false;
  std::thread thread;
};

// Connects when needed, then keeps or takes the lock. Throws when the database cannot be
// reached or the connection broke.
bool ElectedWorker::Impl::Elect() {
  if (!connection) {
    connection = std::make_unique<pqxx::connection>(conninfo);
    connection->prepare(kTryLock, kTryLockSql);
    connection->prepare(kHoldsLock, kHoldsLockSql);
  }
  pqxx::nontransaction tx(*connection);
  // libpqxx 6 may reopen a broken connection by itself, silently dropping the session and its
  // lock: a leader asks the server rather than trusting what it remembers.
  if (leader && tx.exec_prepared(kHoldsLock, key)[0][0].as<bool>()) return true;
  return tx.exec_prepared(kTryLock, key)[0][0].as<bool>();
}

void ElectedWorker::Impl::RunTask() {
  try {
    task();
  } catch (const kernel::DependencyUnavailable& error) {
    // The environment, not a bug: the next tick retries.
    auto fields = Fields();
    fields["dependency"] = error.Dependency();
    fields["detail"] = error.Detail();
    logger.Warn("worker task postponed: dependency unavailable", fields);
  } catch (const std::exception& error) {
    auto fields = Fields();
    fields["error"] = error.what();
    logger.Error("worker task failed", fields);
  } catch (...) {
    logger.Error("worker task failed with an unknown exception", Fields());
  }
  ++runs;
}

void ElectedWorker::Impl::Wait(milliseconds wait) {
  std::unique_lock lock(mutex);
  this->wake.wait_for(lock, wait, [this] { return stopping || woken; });
  woken = false;
}

void ElectedWorker::Impl::Loop() {
  milliseconds backoff = kFirstBackoff;
  bool reachable = true;  // logs an outage once, not at every retry
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (stopping) break;
    }
    milliseconds wait = interval;
    bool was_leader = leader;
    try {
      bool is_leader = Elect();
      leader = is_leader;
      if (is_leader && !was_leader) logger.Info("worker elected", Fields());
      if (!is_leader && was_leader) logger.Warn("worker lost its lock", Fields());
      if (!reachable) logger.Info("worker reconnected to the database", Fields());
      reachable = true;
      backoff = kFirstBackoff;
    } catch (const std::exception& error) {
      // Closing the connection also ends the session, so no lock can outlive this point.
      connection.reset();
      leader = false;
      auto fields = Fields();
      fields["error"] = error.what();
      if (was_leader) {
        logger.Warn("worker lost leadership: database connection failed", fields);
      } else if (reachable) {
        logger.Warn("worker cannot reach the database", fields);
      }
      reachable = false;
      wait = backoff;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
    if (leader) RunTask();
    Wait(wait);
  }
  connection.reset();
  if (leader.exchange(false)) logger.Info("worker stopped and released its lock", Fields());
}

ElectedWorker::ElectedWorker(std::string name, std::int64_t lock_key, std::string conninfo,
                             std::chrono::milliseconds interval, Task task,
                             const kernel::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(name), lock_key, std::move(conninfo), interval,
                                   std::move(task), logger)) {}

ElectedWorker::~ElectedWorker() { Stop(); }

void ElectedWorker::Start() {
  if (impl_->thread.joinable()) throw std::logic_error("worker " + impl_->name + " started twice");
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = false;
    impl_->woken = false;
  }
  impl_->thread = std::thread([impl = impl_.get()] { impl->Loop(); });
}

void ElectedWorker::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool ElectedWorker::IsLeader() const { return impl_->leader; }

void ElectedWorker::Wake() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->woken = true;
  }
  impl_->wake.notify_all();
}

std::uint64_t ElectedWorker::Runs() const { return impl_->runs; }

const std::string& ElectedWorker::Name() const { return impl_->name; }

}  // namespace daiban::runtime
