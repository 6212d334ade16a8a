#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "daiban/cases/case_store.hpp"
#include "daiban/db/redis_pool.hpp"
#include "daiban/intake/catalogue_repository.hpp"

namespace daiban::intake {

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

// Failed case look-ups per client address, counted in Redis over a window.
class RedisGuessLimiter final : public cases::GuessLimiter {
 public:
  RedisGuessLimiter(db::RedisPool& redis, int max_failures, std::chrono::seconds window)
      : redis_(redis), max_failures_(max_failures), window_(window) {}
  bool Blocked(const std::string& address) override;
  void RecordFailure(const std::string& address) override;

 private:
  db::RedisPool& redis_;
  int max_failures_;
  std::chrono::seconds window_;
};

}  // namespace daiban::intake
