#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/supervision/stats_service.hpp"

namespace daiban::supervision {

class PgStatsRepository final : public StatsRepository {
 public:
  // Declares its prepared statements on the pool.
  explicit PgStatsRepository(db::PgPool& pool);
  std::vector<CohortCase> Cohort(const SupervisionScope& scope, Moment start, Moment end) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::supervision
