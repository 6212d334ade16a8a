#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "daiban/cases/case_service.hpp"
#include "daiban/cases/testing/in_memory_case_store.hpp"
#include "daiban/kernel/clock.hpp"

// Everything the case use cases run on, in memory: the store, a catalogue with one item, a
// calendar, a guess limiter, a clock that moves only when told and seeded ids.
namespace daiban::cases::testing {

// CaseCatalogue in memory: the items and regions added.
class InMemoryCaseCatalogue final : public CaseCatalogue {
 public:
  void AddItem(CaseTerms terms) { items_[terms.code] = std::move(terms); }
  void AddRegion(std::string code) { regions_.insert(std::move(code)); }
  std::optional<CaseTerms> Item(const std::string& code) override;
  std::optional<CaseTerms> Bundle(const std::string& code) override;
  bool RegionExists(const std::string& code) override { return regions_.contains(code); }
  bool RegionWithin(const std::string& region, const std::string& ancestor) override {
    return InMemoryCaseStore::RegionWithin(region, ancestor);
  }

 private:
  std::map<std::string, CaseTerms> items_;
  std::set<std::string> regions_;
};

// The calendar in force: the plain rule (Monday to Friday, 09:00-17:00) for the years given.
class FixedCalendar final : public CalendarSource {
 public:
  explicit FixedCalendar(std::set<std::chrono::year> years);
  std::shared_ptr<const WorkingCalendar> Current() override { return calendar_; }

 private:
  std::shared_ptr<const WorkingCalendar> calendar_;
};

// GuessLimiter in memory: an address is blocked after `limit` failures.
class CountingGuessLimiter final : public GuessLimiter {
 public:
  explicit CountingGuessLimiter(int limit = 20) : limit_(limit) {}
  bool Blocked(const std::string& address) override { return failures_[address] >= limit_; }
  void RecordFailure(const std::string& address) override { ++failures_[address]; }

 private:
  int limit_;
  std::map<std::string, int> failures_;
};

// 刘市民 (ID 11010519491231002X) asks for 户口迁移 (GA-002, proxy) in the street 370102001 of
// 历下区, declaring materials 1..`materials` provided; an express result goes to his address.
CaseRequest HukouRequest(DeliveryMethod delivery = DeliveryMethod::kWindow, int materials = 5);

// A case world: GA-002 (户口迁移, 3 working days; materials 1-3 essential, 4 optional) of
// department JN-GA, offered in proxy mode with window or express delivery, in 历下区 370102
// and its street 370102001. Starts on Tuesday 2026-12-01 10:00 China time.
struct CaseWorld {
  CaseWorld();

  // Submitted by 刘市民 (ID 11010519491231002X), every material provided; its access code is
  // left in `access_code`.
  Case Submit(DeliveryMethod delivery = DeliveryMethod::kWindow);
  // Submitted, accepted by the window and assigned to `agent` (taking an offer).
  Case Assigned(const Actor& agent);

  static Actor Window() { return {Role::kWindow, 3, "王窗口", "370102", ""}; }
  static Actor Supervisor() { return {Role::kSupervisor, 2, "张督办", "370102", ""}; }
  static Actor Agent(std::int64_t id = 4, std::string name = "赵代办") {
    return {Role::kAgent, id, std::move(name), "", ""};
  }

  InMemoryCaseStore store;
  InMemoryCaseCatalogue catalogue;
  FixedCalendar calendar{{std::chrono::year{2026}, std::chrono::year{2027}}};
  CountingGuessLimiter guesses;
  kernel::ManualClock clock;
  kernel::SeededIdGenerator ids{7};
  CaseService cases;
  std::string access_code;  // of the case submitted last
};

}  // namespace daiban::cases::testing
