#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/intake/open311.hpp"

namespace daiban::intake {

// api_keys and the cases an Open311 client submitted (db/migrations/0004_cases.sql).
class PgOpen311Repository final : public open311::Open311Repository {
 public:
  // Declares its prepared statements on the pool.
  explicit PgOpen311Repository(db::PgPool& pool);

  std::optional<open311::ApiKey> FindActiveKey(const std::string& key_hash) override;
  std::optional<std::int64_t> AddKey(const std::string& name, const std::string& key_hash) override;
  std::vector<open311::RequestRow> Requests(std::int64_t key_id,
                                            const open311::RequestQuery& query) override;
  std::vector<open311::RequestRow> PublicRequests(
      const std::vector<std::string>& tracking) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::intake
