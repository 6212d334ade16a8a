#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "daiban/cases/case_store.hpp"
#include "daiban/catalogue/catalogue_repository.hpp"

namespace daiban::catalogue {

// The catalogue as the cases library asks for it.
class CatalogueForCases final : public cases::CaseCatalogue {
 public:
  explicit CatalogueForCases(CatalogueRepository& catalogue) : catalogue_(catalogue) {}
  // The region tree changes only with a catalogue import: RegionWithin keeps it for a minute.
  std::optional<cases::CaseTerms> Item(const std::string& code) override;
  std::optional<cases::CaseTerms> Bundle(const std::string& code) override;
  bool RegionExists(const std::string& code) override;
  bool RegionWithin(const std::string& region, const std::string& ancestor) override;

 private:
  CatalogueRepository& catalogue_;
  std::mutex mutex_;
  std::map<std::string, std::string> parents_;
  std::chrono::steady_clock::time_point parents_loaded_{};
};

}  // namespace daiban::catalogue
