#pragma once

#include <chrono>

#include "daiban/db/pg_pool.hpp"
#include "daiban/supervision/notifications.hpp"

namespace daiban::supervision {

// The notifications table (db/migrations/0004_cases.sql) as the sender's store.
class PgNotificationStore final : public NotificationStore {
 public:
  // Prepares the statements on the pool, EnqueueNotification's included. `claim_lease`: how
  // long a claimed row stays hidden from other claims; longer than a batch can take to deliver
  // (batch × the slowest sink's timeout), or a slow batch is delivered twice.
  explicit PgNotificationStore(db::PgPool& pool,
                               std::chrono::seconds claim_lease = std::chrono::seconds(900));

  std::vector<Notification> ClaimDue(kernel::Instant now, int limit) override;
  void MarkSent(std::int64_t id, kernel::Instant now) override;
  void MarkFailed(std::int64_t id, int attempts, const std::string& error,
                  kernel::Instant next_attempt_at) override;
  void MarkGivenUp(std::int64_t id, int attempts, const std::string& error) override;

 private:
  db::PgPool& pool_;
  std::chrono::seconds claim_lease_;
};

// Writes a notification, due at `now`, in the caller's transaction, so it is committed with the
// change it reports or not at all. Uses a statement PgNotificationStore prepares: build the
// store on the same pool first. Returns the new row's id.
std::int64_t EnqueueNotification(pqxx::dbtransaction& tx, const NotificationDraft& draft,
                                 kernel::Instant now);

}  // namespace daiban::supervision
