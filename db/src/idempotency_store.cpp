#include "daiban/db/idempotency_store.hpp"

#include <pqxx/pqxx>

namespace daiban::db {

namespace {

constexpr const char* kFind = "idempotency_find";
constexpr const char* kFindSql =
    "SELECT request_hash, status, response FROM idempotency_keys "
    "WHERE scope = $1 AND key = $2";
constexpr const char* kKeep = "idempotency_keep";
constexpr const char* kKeepSql =
    "INSERT INTO idempotency_keys (scope, key, request_hash, status, response) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

}  // namespace

std::optional<kernel::IdempotentAnswer> IdempotencyStore::Find(const std::string& scope,
                                                               const std::string& key) {
  std::optional<kernel::IdempotentAnswer> answer;
  pool_.Read([&](pqxx::transaction_base& tx) {
    // Declared on first use per connection (libpqxx 6 accepts the same definition again).
    tx.conn().prepare(kFind, kFindSql);
    auto rows = tx.exec_prepared(kFind, scope, key);
    if (rows.empty()) return;
    answer = kernel::IdempotentAnswer{scope, key, rows[0][0].as<std::string>(),
                                      rows[0][1].as<int>(), rows[0][2].as<std::string>()};
  });
  return answer;
}

void IdempotencyStore::Keep(pqxx::dbtransaction& tx, const kernel::IdempotentAnswer& answer) {
  tx.conn().prepare(kKeep, kKeepSql);
  auto kept = tx.exec_prepared(kKeep, answer.scope, answer.key, answer.request_hash, answer.status,
                               answer.body);
  if (kept.affected_rows() != 1) throw kernel::IdempotencyKeyTaken();
}

void IdempotencyStore::Keep(Tx& tx, const kernel::IdempotentAnswer& answer) {
  Keep(tx.Pq(), answer);
}

}  // namespace daiban::db
