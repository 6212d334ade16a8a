#pragma once

#include <optional>
#include <pqxx/types.hxx>  // forward declarations only
#include <string>

#include "daiban/db/pg_pool.hpp"
#include "daiban/db/tx.hpp"
#include "daiban/kernel/idempotency.hpp"

namespace daiban::db {

// The one store of idempotency keys (table idempotency_keys), for every write that takes a
// key: case submission, phone progress, photos, courier actions. The answer is kept in the
// transaction of the change it answers, so a retry finds both or neither.
class IdempotencyStore {
 public:
  explicit IdempotencyStore(PgPool& pool) : pool_(pool) {}

  std::optional<kernel::IdempotentAnswer> Find(const std::string& scope, const std::string& key);
  // Throws kernel::IdempotencyKeyTaken when the key already has an answer (the caller's transaction
  // then rolls back, and the caller replays the first answer).
  static void Keep(Tx& tx, const kernel::IdempotentAnswer& answer);
  static void Keep(pqxx::dbtransaction& tx, const kernel::IdempotentAnswer& answer);

 private:
  PgPool& pool_;
};

}  // namespace daiban::db
