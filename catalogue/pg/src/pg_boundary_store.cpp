#include "daiban/catalogue/pg/pg_boundary_store.hpp"

#include <pqxx/pqxx>

namespace daiban::catalogue {

namespace {

constexpr const char* kBoundaries = "catalogue_boundaries";
constexpr const char* kBoundariesSql =
    "SELECT region_code, name, polygons::text FROM region_boundaries ORDER BY region_code";
constexpr const char* kDeleteBoundaries = "catalogue_delete_boundaries";
constexpr const char* kDeleteBoundariesSql = "DELETE FROM region_boundaries";
constexpr const char* kInsertBoundary = "catalogue_insert_boundary";
constexpr const char* kInsertBoundarySql =
    "INSERT INTO region_boundaries (region_code, name, polygons) VALUES ($1, $2, $3::jsonb)";

}  // namespace

PgBoundaryStore::PgBoundaryStore(db::PgPool& pool) : pool_(pool) {
  pool_.Prepare(kBoundaries, kBoundariesSql);
  pool_.Prepare(kDeleteBoundaries, kDeleteBoundariesSql);
  pool_.Prepare(kInsertBoundary, kInsertBoundarySql);
}

void PgBoundaryStore::Replace(const std::vector<RegionBoundary>& boundaries) {
  // A file is the whole truth: a district left out of it loses its old boundary too.
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_prepared(kDeleteBoundaries);
    for (const auto& boundary : boundaries) {
      tx.exec_prepared(kInsertBoundary, boundary.code, boundary.name,
                       PolygonsToJson(boundary.polygons));
    }
  });
}

std::vector<RegionBoundary> PgBoundaryStore::Boundaries() {
  std::vector<RegionBoundary> boundaries;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kBoundaries)) {
      RegionBoundary boundary;
      boundary.code = row[0].as<std::string>();
      boundary.name = row[1].as<std::string>();
      boundary.polygons = PolygonsFromJson(row[2].as<std::string>());
      boundaries.push_back(std::move(boundary));
    }
  });
  return boundaries;
}

}  // namespace daiban::catalogue
