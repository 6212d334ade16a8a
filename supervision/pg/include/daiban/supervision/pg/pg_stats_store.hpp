#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/supervision/stats_service.hpp"

namespace daiban::supervision {

class PgStatsStore final : public StatsStore {
 public:
  // Declares its prepared statements on the pool.
  explicit PgStatsStore(db::PgPool& pool);
  std::vector<CohortCase> Cohort(const SupervisionScope& scope, Moment start, Moment end) override;
  // Roll-ups of the clean days (migration 0024) summed per group in SQL, and the rest raw, in
  // one REPEATABLE READ snapshot.
  StatsInput Read(StatsGroup group, const SupervisionScope& scope, const StatsPeriod& period,
                  const std::string& calendar_key) override;
  std::size_t RollUp(std::size_t max_days, const std::string& calendar_key,
                     const StatsRollupFunction& roll_up) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::supervision
