#pragma once

#include "daiban/db/pg_pool.hpp"
#include "daiban/supervision/simulation_reports.hpp"

namespace daiban::supervision {

// Published simulation reports in PostgreSQL (table simulation_reports, migration 0021).
class PgSimulationReportStore final : public SimulationReportStore {
 public:
  // Declares its prepared statements on the pool.
  explicit PgSimulationReportStore(db::PgPool& pool);
  SimulationReport Insert(
      const NewSimulationReport& report, const std::optional<kernel::IdempotentAnswer>& answer,
      const std::function<std::string(const SimulationReport&)>& render) override;
  std::vector<SimulationReport> List(int limit, std::optional<std::int64_t> before) override;
  std::optional<SimulationReport> Find(std::int64_t id, bool with_html) override;
  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::supervision
