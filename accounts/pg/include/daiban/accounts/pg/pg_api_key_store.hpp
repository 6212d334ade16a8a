#pragma once

#include "daiban/accounts/api_keys.hpp"
#include "daiban/db/pg_pool.hpp"

namespace daiban::accounts {

// api_keys in PostgreSQL (db/migrations/0004_cases.sql).
class PgApiKeyStore final : public ApiKeyStore {
 public:
  // Declares its prepared statements on the pool.
  explicit PgApiKeyStore(db::PgPool& pool);

  std::optional<ApiKey> FindActiveKey(const std::string& key_hash) override;
  std::optional<std::int64_t> AddKey(const std::string& name, const std::string& key_hash) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::accounts
