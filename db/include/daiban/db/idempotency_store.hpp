#pragma once

#include <optional>
#include <pqxx/types.hxx>  // forward declarations only
#include <stdexcept>
#include <string>

#include "daiban/db/pg_pool.hpp"
#include "daiban/db/tx.hpp"

namespace daiban::db {

// The first answer to a client's Idempotency-Key (DESIGN.md, APIs): a retried write gets it
// again and changes nothing twice; the same key with another request is a conflict.
struct IdempotentAnswer {
  std::string scope;  // whose keys: "user:<id>" for staff, "applicant:<hash>" for applicants
  std::string key;
  std::string request_hash;  // of what the request asked, to tell a retry from a reuse
  int status = 0;
  // The answer's JSON exactly as first sent (kept as text, so a retry gets the same bytes);
  // never a secret in clear (the table is read by operators and kept in backups).
  std::string body;
};

// The key's answer was kept by another request meanwhile (the two raced).
class IdempotencyKeyTaken : public std::runtime_error {
 public:
  IdempotencyKeyTaken() : std::runtime_error("idempotency key already used") {}
};

// The one store of idempotency keys (table idempotency_keys), for every write that takes a
// key: case submission, phone progress, photos, courier actions. The answer is kept in the
// transaction of the change it answers, so a retry finds both or neither.
class IdempotencyStore {
 public:
  explicit IdempotencyStore(PgPool& pool) : pool_(pool) {}

  std::optional<IdempotentAnswer> Find(const std::string& scope, const std::string& key);
  // Throws IdempotencyKeyTaken when the key already has an answer (the caller's transaction
  // then rolls back, and the caller replays the first answer).
  static void Keep(Tx& tx, const IdempotentAnswer& answer);
  static void Keep(pqxx::dbtransaction& tx, const IdempotentAnswer& answer);

 private:
  PgPool& pool_;
};

}  // namespace daiban::db
