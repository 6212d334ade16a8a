#include "daiban/supervision/pg/pg_notification_store.hpp"

#include <algorithm>
#include <pqxx/pqxx>

namespace daiban::supervision {

namespace {

constexpr const char* kEnqueue = "notifications_enqueue";
constexpr const char* kEnqueueSql =
    "INSERT INTO notifications (case_id, channel, recipient, recipient_masked, template, data, "
    "next_attempt_at, created_at) "
    "VALUES ($1::bigint, $2, $3, $4, $5, $6::jsonb, to_timestamp($7), to_timestamp($7)) "
    "RETURNING id";
// Oldest due first; SKIP LOCKED lets a second sender (during a takeover) claim other rows
// instead of waiting, and pushing next_attempt_at is the lease that hides claimed rows.
constexpr const char* kClaimDue = "notifications_claim_due";
constexpr const char* kClaimDueSql =
    "WITH due AS ("
    " SELECT id FROM notifications"
    " WHERE state = 'pending' AND next_attempt_at <= to_timestamp($1)"
    " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE notifications n SET next_attempt_at = to_timestamp($3) FROM due WHERE n.id = due.id "
    "RETURNING n.id, n.case_id, n.channel, n.recipient, n.recipient_masked, n.template, "
    "n.data::text, n.attempts, extract(epoch FROM n.created_at)::float8";
// Only pending rows change: a row another sender already finished stays as it is.
constexpr const char* kMarkSent = "notifications_mark_sent";
constexpr const char* kMarkSentSql =
    "UPDATE notifications SET state = 'sent', attempts = attempts + 1, last_error = '', "
    "sent_at = to_timestamp($2) WHERE id = $1 AND state = 'pending'";
constexpr const char* kMarkFailed = "notifications_mark_failed";
constexpr const char* kMarkFailedSql =
    "UPDATE notifications SET attempts = $2, last_error = $3, next_attempt_at = to_timestamp($4) "
    "WHERE id = $1 AND state = 'pending'";
constexpr const char* kMarkGivenUp = "notifications_mark_given_up";
constexpr const char* kMarkGivenUpSql =
    "UPDATE notifications SET state = 'given_up', attempts = $2, last_error = $3 "
    "WHERE id = $1 AND state = 'pending'";

// Error texts come from libraries and remote servers: PostgreSQL refuses invalid UTF-8 in
// text, and a long one is of no more use than its start.
std::string StorableText(const std::string& text) {
  constexpr std::size_t kMaxBytes = 1000;
  std::string valid =
      nlohmann::json::parse(
          nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .get<std::string>();
  if (valid.size() <= kMaxBytes) return valid;
  std::size_t cut = kMaxBytes;
  while (cut > 0 && (static_cast<unsigned char>(valid[cut]) & 0xC0) == 0x80) --cut;
  return valid.substr(0, cut);
}

std::string JsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

kernel::Instant FromEpochSeconds(double seconds) {
  return kernel::Instant(std::chrono::duration_cast<kernel::Instant::duration>(
      std::chrono::duration<double>(seconds)));
}

}  // namespace

PgNotificationStore::PgNotificationStore(db::PgPool& pool, std::chrono::seconds claim_lease)
    : pool_(pool), claim_lease_(claim_lease) {
  pool_.Prepare(kEnqueue, kEnqueueSql);
  pool_.Prepare(kClaimDue, kClaimDueSql);
  pool_.Prepare(kMarkSent, kMarkSentSql);
  pool_.Prepare(kMarkFailed, kMarkFailedSql);
  pool_.Prepare(kMarkGivenUp, kMarkGivenUpSql);
}

std::int64_t EnqueueNotification(pqxx::dbtransaction& tx, const NotificationDraft& draft,
                                 kernel::Instant now) {
  // libpqxx 6 has no std::optional parameters: a null C string is sent as NULL.
  std::string case_id = draft.case_id ? std::to_string(*draft.case_id) : std::string();
  return tx
      .exec_prepared(kEnqueue, draft.case_id ? case_id.c_str() : nullptr, draft.channel,
                     draft.recipient, draft.recipient_masked, draft.template_name,
                     JsonText(draft.data), db::EpochSeconds(now))[0][0]
      .as<std::int64_t>();
}

std::vector<Notification> PgNotificationStore::ClaimDue(kernel::Instant now, int limit) {
  std::vector<Notification> claimed;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    claimed.clear();  // a retried transaction starts over
    auto rows = tx.exec_prepared(kClaimDue, db::EpochSeconds(now), limit,
                                 db::EpochSeconds(now + claim_lease_));
    for (const auto& row : rows) {
      Notification notification;
      notification.id = row[0].as<std::int64_t>();
      if (!row[1].is_null()) notification.case_id = row[1].as<std::int64_t>();
      notification.channel = row[2].as<std::string>();
      notification.recipient = row[3].as<std::string>();
      notification.recipient_masked = row[4].as<std::string>();
      notification.template_name = row[5].as<std::string>();
      notification.data = nlohmann::json::parse(row[6].as<std::string>());
      notification.attempts = row[7].as<int>();
      notification.created_at = FromEpochSeconds(row[8].as<double>());
      claimed.push_back(std::move(notification));
    }
  });
  // RETURNING keeps no order.
  std::sort(claimed.begin(), claimed.end(),
            [](const Notification& a, const Notification& b) { return a.id < b.id; });
  return claimed;
}

void PgNotificationStore::MarkSent(std::int64_t id, kernel::Instant now) {
  pool_.Transact(
      [&](pqxx::dbtransaction& tx) { tx.exec_prepared(kMarkSent, id, db::EpochSeconds(now)); });
}

void PgNotificationStore::MarkFailed(std::int64_t id, int attempts, const std::string& error,
                                     kernel::Instant next_attempt_at) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_prepared(kMarkFailed, id, attempts, StorableText(error),
                     db::EpochSeconds(next_attempt_at));
  });
}

void PgNotificationStore::MarkGivenUp(std::int64_t id, int attempts, const std::string& error) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_prepared(kMarkGivenUp, id, attempts, StorableText(error));
  });
}

}  // namespace daiban::supervision
