#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/types.hxx>  // forward declarations only
#include <string>
#include <vector>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/metrics.hpp"

namespace daiban::db {

struct PgOptions {
  std::string url;  // libpq connection URI or key=value string
  std::size_t pool_size = 4;
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::seconds connect_timeout{3};
  // How long a caller waits for a free connection before it is told the database is busy.
  std::chrono::milliseconds acquire_timeout{2000};
};

// A fixed-size pool of PostgreSQL connections. Connections are opened lazily and re-opened
// after a failure, so the pool recovers by itself when the server comes back after a restart.
// Every failure of the environment (server down, statement timeout, pool exhausted) surfaces
// as kernel::DependencyUnavailable ("postgres"), answered 503 at the edge; SQL errors that
// mean a bug in our code propagate as they are.
class PgPool {
 public:
  explicit PgPool(PgOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Runs `work` in one transaction and commits it. Whenever PostgreSQL rolled the whole
  // transaction back for a reason of its own, `work` runs again from the start: once on a fresh
  // connection after a broken one, and up to kRollbackRetries more times, after a short random
  // pause, when the transaction was a deadlock victim or failed to serialize (two writers
  // meeting on the same rows; PostgreSQL's documentation asks the client to retry). So `work`
  // may run more than once and must touch nothing but the transaction and what it rebuilds
  // each time. An outcome in doubt (the commit was sent, the answer lost) is never retried.
  void Transact(const std::function<void(pqxx::dbtransaction&)>& work);
  static constexpr int kRollbackRetries = 3;
  // The same without BEGIN/COMMIT, for single read-only statements (one round trip less).
  void Read(const std::function<void(pqxx::transaction_base&)>& work);
  // SELECT 1 with the pool's timeouts; throws DependencyUnavailable when it fails.
  void Ping();

  // Declares a named prepared statement on every connection of the pool, present and future
  // (stores call it once, when they are built, then run tx.exec_prepared(name, ...)).
  // Re-declaring a name with the same SQL is harmless; with other SQL it is a bug and throws.
  void Prepare(const std::string& name, const std::string& sql);

  void ReportTo(kernel::Metrics::Writer& writer) const;
  const PgOptions& Options() const { return options_; }

 private:
  struct Connection;  // a pqxx::connection, kept out of this header
  template <typename Body>
  void WithConnection(const Body& body, bool retry_broken, int rollback_retries = 0);
  std::unique_ptr<Connection> Connect() const;

  PgOptions options_;
  std::string conninfo_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::vector<std::pair<std::string, std::string>> statements_;
  std::size_t leased_ = 0;
  std::size_t opened_ = 0;
  std::uint64_t waits_ = 0;
  std::uint64_t acquire_timeouts_ = 0;
  std::uint64_t reconnects_ = 0;
  std::uint64_t rollback_retries_ = 0;
};

// A moment as seconds since the epoch, for SQL's to_timestamp($n): libpqxx 6 has no
// conversion for time points.
double EpochSeconds(kernel::Instant moment);
double EpochSeconds(std::chrono::sys_seconds moment);
// The same for a moment that may be absent: NULL then.
std::optional<double> EpochSeconds(const std::optional<std::chrono::sys_seconds>& moment);
// A column selected as extract(epoch FROM …)::bigint, back as a moment; NULL as std::nullopt.
std::optional<std::chrono::sys_seconds> SecondsAt(const pqxx::field& field);

}  // namespace daiban::db
