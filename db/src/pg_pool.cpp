#include "daiban/db/pg_pool.hpp"

#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "daiban/kernel/errors.hpp"

namespace daiban::db {

namespace {

using kernel::DependencyUnavailable;

// SQLSTATE classes that mean "the environment failed", not "our SQL is wrong".
bool IsEnvironmentFailure(const pqxx::sql_error& error) {
  const std::string& state = error.sqlstate();
  return state == "57014"              // query_canceled: statement_timeout
         || state.rfind("08", 0) == 0  // connection exceptions
         || state.rfind("53", 0) == 0  // insufficient resources
         || state == "57P01" || state == "57P02" || state == "57P03"  // shutting down
         || state == "40001" || state == "40P01"  // serialization failure, deadlock
         || state == "25006";  // read-only transaction: a standby since a failover
}

// Adds the connect and statement timeouts to the configured connection string, in whichever
// of libpq's two syntaxes it is written, and turns PostgreSQL's JIT off. The JIT starts by a
// plan's estimated cost, and a set-returning function (region_subtree, estimated at 1,000 rows)
// lifts short statements over the threshold: dispatch's agent list spent ~36 ms compiling for a
// 2 ms plan, 14.6 ms a call on average, most of the database's CPU per case offered.
// Plans are PostgreSQL's to cache (plan_cache_mode stays auto): a named prepared statement is
// planned for its values five times, then kept as one generic plan when that plan is not worse.
// Sessions used to plan every prepared statement for each call (force_custom_plan), which also
// re-planned PostgreSQL's own foreign-key checks and the triggers' statements on every row: 40 %
// of the database's CPU at the simulated Jinan day's morning peak was planning. A statement
// that takes optional filters as parameters (`$1 = '' OR ...`, an agent id or 0, the staff
// scope's fields) is sent unnamed instead (exec_params): PostgreSQL plans an unnamed statement
// for the values bound to it, so the filters not asked for fold away and the index that fits is
// found; a generic plan cannot prune them (the agents' board's scanned the users table once per
// agent, 2-3x the plan for its values).
std::string WithTimeouts(const std::string& url, const PgOptions& options) {
  std::string connect = std::to_string(options.connect_timeout.count());
  std::string statement = std::to_string(options.statement_timeout.count());
  bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (uri) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + connect +
           "&options=-c%20statement_timeout%3D" + statement + "%20-c%20jit%3Doff";
  }
  return url + " connect_timeout=" + connect + " options='-c statement_timeout=" + statement +
         " -c jit=off'";
}

// 5-25 ms after the first rollback, 10-50 after the second, 15-75 after the third: a few
// milliseconds more than a short transaction of ours holds its locks.
std::chrono::milliseconds RetryPause(int retry) {
  thread_local std::minstd_rand random(std::random_device{}());
  std::uniform_int_distribution<int> spread(5, 25);
  return std::chrono::milliseconds(spread(random) * retry);
}

}  // namespace

// libpq has no client-side read timeout: the server-side statement timeout bounds every
// statement, and the HTTP deadline bounds the request.
PgPool::PgPool(PgOptions options)
    : options_(std::move(options)), conninfo_(WithTimeouts(options_.url, options_)) {}

struct PgPool::Connection {
  explicit Connection(const std::string& conninfo) : pq(conninfo) {}
  pqxx::connection pq;
};

PgPool::~PgPool() = default;

std::unique_ptr<PgPool::Connection> PgPool::Connect() const {
  try {
    auto connection = std::make_unique<Connection>(conninfo_);
    std::vector<std::pair<std::string, std::string>> statements;
    {
      std::lock_guard lock(mutex_);
      statements = statements_;
    }
    for (const auto& [name, sql] : statements) connection->pq.prepare(name, sql);
    return connection;
  } catch (const pqxx::broken_connection& error) {
    throw DependencyUnavailable("postgres", error.what());
  }
}

template <typename Body>
void PgPool::WithConnection(const Body& body, bool retry_broken, int rollback_retries) {
  int rolled_back = 0;
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock lock(mutex_);
      if (idle_.empty() && leased_ >= options_.pool_size) {
        ++waits_;
        if (!released_.wait_for(lock, options_.acquire_timeout, [this] {
              return !idle_.empty() || leased_ < options_.pool_size;
            })) {
          ++acquire_timeouts_;
          throw DependencyUnavailable("postgres", "no free connection in time");
        }
      }
      ++leased_;
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    // Gives the slot back (with or without a connection) whatever happens below.
    auto give_back = [this](std::unique_ptr<Connection> conn) {
      {
        std::lock_guard lock(mutex_);
        --leased_;
        if (conn) idle_.push_back(std::move(conn));
      }
      released_.notify_one();
    };
    try {
      if (!connection || !connection->pq.is_open()) {
        connection = Connect();
        std::lock_guard lock(mutex_);
        ++opened_;
      }
      body(connection->pq);
      give_back(std::move(connection));
      return;
    } catch (const pqxx::in_doubt_error& error) {
      give_back(nullptr);
      throw DependencyUnavailable("postgres", std::string("commit in doubt: ") + error.what());
    } catch (const pqxx::broken_connection& error) {
      // libpqxx 6 throws this once per pooled connection after a server restart.
      give_back(nullptr);
      {
        // A server restart breaks every idle connection alike: drop them all, so the retry
        // and the requests after it connect afresh.
        std::lock_guard lock(mutex_);
        ++reconnects_;
        idle_.clear();
      }
      if (retry_broken && attempt == 0) continue;
      throw DependencyUnavailable("postgres", error.what());
    } catch (const pqxx::transaction_rollback& error) {
      // A deadlock victim or a serialization failure: PostgreSQL rolled the whole transaction
      // back and the connection stays good. Transact runs it again; when it keeps failing the
      // caller hears 503 with Retry-After, to try again itself. libpqxx 6 derives these from
      // pqxx::failure, not pqxx::sql_error, and builds them without their SQLSTATE, so the
      // sql_error branch below never saw them: a deadlock between a courier's action and the
      // courier assigner answered 500.
      bool usable = connection && connection->pq.is_open();
      give_back(usable ? std::move(connection) : nullptr);
      if (rolled_back < rollback_retries) {
        ++rolled_back;
        {
          std::lock_guard lock(mutex_);
          ++rollback_retries_;
        }
        // The other writer holds its locks until it commits: a random pause, longer each time,
        // lets it finish instead of meeting it again at once.
        std::this_thread::sleep_for(RetryPause(rolled_back));
        continue;
      }
      throw DependencyUnavailable("postgres", error.what());
    } catch (const pqxx::sql_error& error) {
      // read_only_sql_transaction: the server we reached was demoted to a standby (a
      // switchover) and refused the write. target_session_attrs=read-write picks the new
      // primary at the next connection, so this one and its idle siblings go.
      bool demoted = error.sqlstate() == "25006";
      bool usable = !demoted && connection && connection->pq.is_open();
      give_back(usable ? std::move(connection) : nullptr);
      if (demoted) {
        std::lock_guard lock(mutex_);
        ++reconnects_;
        idle_.clear();
      }
      // Refused, so nothing happened: as safe to run again as after a broken connection.
      if (demoted && retry_broken && attempt == 0) continue;
      if (IsEnvironmentFailure(error)) throw DependencyUnavailable("postgres", error.what());
      throw;
    } catch (...) {
      bool usable = connection && connection->pq.is_open();
      give_back(usable ? std::move(connection) : nullptr);
      throw;
    }
  }
}

void PgPool::Transact(const std::function<void(pqxx::dbtransaction&)>& work) {
  WithConnection(
      [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        work(tx);
        tx.commit();
      },
      true, kRollbackRetries);
}

void PgPool::Read(const std::function<void(pqxx::transaction_base&)>& work) {
  WithConnection(
      [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        work(tx);
      },
      true);
}

void PgPool::Ping() {
  Read([](pqxx::transaction_base& tx) { tx.exec("SELECT 1"); });
}

void PgPool::Prepare(const std::string& name, const std::string& sql) {
  std::lock_guard lock(mutex_);
  for (const auto& [known, known_sql] : statements_) {
    if (known == name) {
      if (known_sql != sql) throw std::logic_error("statement " + name + " declared twice");
      return;
    }
  }
  statements_.emplace_back(name, sql);
  // Open idle connections lack it: drop them, the next lease reconnects and prepares all.
  idle_.clear();
}

double EpochSeconds(kernel::Instant moment) {
  return std::chrono::duration<double>(moment.time_since_epoch()).count();
}

double EpochSeconds(std::chrono::sys_seconds moment) {
  return static_cast<double>(moment.time_since_epoch().count());
}

std::optional<double> EpochSeconds(const std::optional<std::chrono::sys_seconds>& moment) {
  if (!moment) return std::nullopt;
  return EpochSeconds(*moment);
}

std::optional<std::chrono::sys_seconds> SecondsAt(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(field.as<long long>()));
}

void PgPool::ReportTo(kernel::Metrics::Writer& writer) const {
  std::lock_guard lock(mutex_);
  writer.Gauge("daiban_pg_pool_size", "Configured PostgreSQL connections",
               static_cast<double>(options_.pool_size));
  writer.Gauge("daiban_pg_pool_in_use", "PostgreSQL connections leased",
               static_cast<double>(leased_));
  writer.Gauge("daiban_pg_pool_idle", "Open PostgreSQL connections not leased",
               static_cast<double>(idle_.size()));
  writer.Counter("daiban_pg_pool_waits_total", "Acquisitions that had to wait",
                 static_cast<double>(waits_));
  writer.Counter("daiban_pg_pool_acquire_timeouts_total", "Acquisitions that gave up",
                 static_cast<double>(acquire_timeouts_));
  writer.Counter("daiban_pg_rollback_retries_total",
                 "Transactions run again after a deadlock or a serialization failure",
                 static_cast<double>(rollback_retries_));
  writer.Counter("daiban_pg_connections_opened_total", "Connections opened",
                 static_cast<double>(opened_));
  writer.Counter("daiban_pg_connections_broken_total", "Connections found broken and dropped",
                 static_cast<double>(reconnects_));
}

}  // namespace daiban::db
