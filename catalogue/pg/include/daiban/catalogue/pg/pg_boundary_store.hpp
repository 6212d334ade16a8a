#pragma once

#include "daiban/catalogue/boundaries.hpp"
#include "daiban/db/pg_pool.hpp"

namespace daiban::catalogue {

class PgBoundaryStore final : public BoundaryStore {
 public:
  // Declares its prepared statements on the pool.
  explicit PgBoundaryStore(db::PgPool& pool);

  void Replace(const std::vector<RegionBoundary>& boundaries) override;
  std::vector<RegionBoundary> Boundaries() override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::catalogue
