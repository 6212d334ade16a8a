#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/supervision/stats_service.hpp"

namespace daiban::supervision {

class PgStatsStore final : public StatsStore {
 public:
  // Declares its prepared statements on the pool.
  explicit PgStatsStore(db::PgPool& pool);
  std::vector<CohortCase> Cohort(const SupervisionScope& scope, Moment start, Moment end) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::supervision
