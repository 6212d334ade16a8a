#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/catalogue/boundaries.hpp"
#include "daiban/catalogue/catalogue_store.hpp"

namespace daiban::catalogue {

// The catalogue as the cases library asks for it.
class CatalogueForCases final : public cases::CaseCatalogue {
 public:
  // Without `boundaries` (or before any is imported) InCity is the coarse box of InsideJinan.
  explicit CatalogueForCases(CatalogueStore& catalogue, BoundaryStore* boundaries = nullptr)
      : catalogue_(catalogue), boundaries_(boundaries) {}
  // The region tree changes only with a catalogue import: RegionWithin keeps it for a minute.
  std::optional<cases::CaseTerms> Item(const std::string& code) override;
  std::optional<cases::CaseTerms> Bundle(const std::string& code) override;
  bool RegionExists(const std::string& code) override;
  bool RegionWithin(const std::string& region, const std::string& ancestor) override;
  // By the district boundaries, kept for a minute like the region tree.
  bool InCity(cases::GeoPoint point) override;
  // More than kFarOutsideKm from every district's boundary.
  bool FarOutsideCity(cases::GeoPoint point) override;
  static constexpr double kFarOutsideKm = 20;

 private:
  // The stored boundaries, kept for a minute; empty when none is imported (or no store).
  std::shared_ptr<const std::vector<RegionBoundary>> Districts();

  CatalogueStore& catalogue_;
  std::mutex mutex_;
  std::map<std::string, std::string> parents_;
  std::chrono::steady_clock::time_point parents_loaded_{};
  BoundaryStore* boundaries_;
  std::shared_ptr<const std::vector<RegionBoundary>> districts_;
  std::chrono::steady_clock::time_point districts_loaded_{};
};

}  // namespace daiban::catalogue
