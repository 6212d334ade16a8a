#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/supervision/followups.hpp"

namespace daiban::supervision {

class PgFollowupStore final : public FollowupStore {
 public:
  // Declares its prepared statements on the pool.
  explicit PgFollowupStore(db::PgPool& pool);
  std::vector<Followup> List(const SupervisionScope& scope, const FollowupQuery& query) override;
  Followup Apply(std::int64_t id, const SupervisionScope& scope,
                 const FollowupWrite& write) override;
  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::supervision
