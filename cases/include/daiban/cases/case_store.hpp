#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/applicant_rules.hpp"
#include "daiban/cases/case_model.hpp"
#include "daiban/cases/working_calendar.hpp"
#include "daiban/kernel/idempotency.hpp"

namespace daiban::db {
class Tx;
}

namespace daiban::cases {

// What a staff member may see: cases of a region subtree, of a department, assigned to an
// agent, or everything. A case outside the scope is answered exactly like an unknown one.
struct CaseScope {
  bool everything = false;
  std::string region_code{};  // with its subtree
  std::string department_code{};
  std::int64_t agent_id = 0;  // only cases assigned to this agent
  static CaseScope Everything() { return {.everything = true}; }
};

// An event for other services, written to the outbox in the same transaction.
struct OutboxMessage {
  std::string stream;
  std::string event_type;
  nlohmann::json payload;
};

// Something the applicant should hear about (accepted, rejected, assigned, supplement
// needed, result ready, out for delivery, delivered).
struct ApplicantNotice {
  std::string template_name;
  nlohmann::json data;
};

struct Followup {
  std::string region_code;
  Moment opened_at{};
  Moment due_at{};
};

// Wrong identity guesses at hand-overs of one subject of a case ("case" for the window's and
// the agent's hand-overs, "delivery:<id>" for a courier's leg).
struct HandoverGuesses {
  int failures = 0;
  bool blocked = false;
};

// An alert for the supervisors of the case's region (table alerts, stream events:alerts).
struct SupervisorAlert {
  std::string kind;
  std::string message;
};

// Everything one change writes besides the case row and its materials and steps.
struct CaseChange {
  // Set by an effect: members merged into the data of the event the transition (or note)
  // records, for what only the loaded case can tell (the applicant's name in a custody link).
  nlohmann::json event_data = nlohmann::json::object();
  std::vector<CaseEvent> events;
  std::vector<OutboxMessage> outbox;
  std::vector<ApplicantNotice> notices;
  std::optional<Rating> new_rating;
  std::optional<Followup> new_followup;
  // Writes of other libraries that belong to the same change (an offer taken, an agent's
  // capacity claimed): run in the case's transaction after the case is written; a throw
  // aborts the whole change.
  std::vector<std::function<void(db::Tx&)>> also_in_transaction;
  // Set by the store: the case's events that carry a custody link, read in this change's
  // transaction once the case row is locked, so no concurrent hand-over is missed when the
  // next link is built (GiveLink / TakeLink in custody.hpp).
  std::function<std::vector<CaseEvent>()> custody_events;
  // Set by the store: the wrong identity guesses so far of a hand-over subject, read in this
  // change's transaction once the case row is locked (so two guesses are never both first).
  std::function<HandoverGuesses(const std::string& subject)> handover_guesses;
  // Set by an effect: a wrong guess to count for this subject, blocking it when `block_subject`.
  std::optional<std::string> wrong_guess_subject;
  bool block_subject = false;
  bool clear_handover_guesses = false;  // a supervisor unblocked the case's hand-overs
  std::optional<SupervisorAlert> new_alert;
  // Set by an effect: the first answer to an idempotency key, kept in this change's
  // transaction so a retry finds both or neither. The store throws kernel::IdempotencyKeyTaken (and
  // writes nothing) when the key was taken meanwhile.
  std::optional<kernel::IdempotentAnswer> answer;
  // Set with `answer` by a keyed staff write whose answer shows the case as it ends up (a staff
  // view with its timeline): the store calls it inside the transaction, after the change is
  // written, with the changed case and its whole timeline, and keeps what it returns as the
  // answer's body. So the answer is kept with the write, never after it.
  std::function<std::string(const Case&, const std::vector<CaseEvent>&)> render_answer;
  std::vector<CustodyLink> CustodySoFar() const {
    return custody_events ? CustodyChain(custody_events()) : std::vector<CustodyLink>{};
  }
};

// The order of a case list: by deadline (cases without one last), then id; or by creation time,
// then id (the day's cases, read from the creation index instead of the whole deadline order).
enum class ListOrder { kDeadline, kCreated };

struct CaseFilter {
  std::vector<CaseState> states;
  std::string region_code;  // with its subtree
  std::string department_code;
  std::string item_code;
  std::int64_t agent_id = 0;
  bool at_risk = false;  // open, past the at-risk moment, not yet overdue
  bool overdue = false;  // open, past the deadline
  std::optional<Moment> created_from;
  std::optional<Moment> created_to;
  Moment now{};
  ListOrder order = ListOrder::kDeadline;
  // Keyset pagination in list order (deadline, then id; cases without a deadline last).
  std::optional<Moment> after_deadline;
  bool after_no_deadline = false;
  // Keyset pagination in creation order (created_at, then id).
  std::optional<Moment> after_created;
  std::int64_t after_id = 0;
  int limit = 20;
  // Whole cases, with their materials and steps as Find reads them (a phone's task list), in
  // the list's transaction; otherwise a list need not read them.
  bool whole = false;
};

// An agent's task list (the cases in kTaskStates its scope holds), whole, in deadline order,
// kTaskListPage tasks a page unless asked otherwise (a page of 20 whole tasks with their guides
// is ~28 kB).
inline constexpr int kTaskListPage = 20;
inline CaseFilter TaskListFilter() {
  CaseFilter filter;
  filter.states.assign(kTaskStates.begin(), kTaskStates.end());
  filter.whole = true;
  filter.limit = kTaskListPage;
  return filter;
}

// One timeline event of a phone's sync feed.
struct AgentCaseEvent {
  std::int64_t event_id = 0;
  std::string tracking_number;
  bool still_assigned = false;  // the case is the agent's now (false: reassigned away)
};

// Storage of cases. Implementations: PgCaseStore. Every write is one transaction.
class CaseStore {
 public:
  virtual ~CaseStore() = default;
  virtual std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                             const std::string& key) = 0;
  // Inserts the case (setting its id), its materials and steps, the change's rows and, when
  // given, the answer to keep. Throws kernel::IdempotencyKeyTaken when the answer's key was taken.
  virtual void Create(Case& new_case, const CaseChange& change,
                      const std::optional<kernel::IdempotentAnswer>& answer) = 0;
  virtual std::optional<Case> Find(const std::string& tracking_number, const CaseScope& scope) = 0;
  // The cases of `tracking_numbers` in scope, details included, in the order asked; unknown
  // and out-of-scope ones are left out. A store may read them together (a phone's task list
  // reads 100 at once); by default, one Find each.
  virtual std::vector<Case> FindMany(const std::vector<std::string>& tracking_numbers,
                                     const CaseScope& scope) {
    std::vector<Case> found;
    for (const auto& tracking : tracking_numbers) {
      if (auto c = Find(tracking, scope)) found.push_back(std::move(*c));
    }
    return found;
  }
  // Loads the case for update, lets `apply` change it and describe the change, and writes
  // both if the version is still the one loaded. Throws ApiError 404 when the case is unknown
  // or out of scope; what `apply` throws aborts the transaction.
  virtual Case Change(const std::string& tracking_number, const CaseScope& scope,
                      const std::function<void(Case&, CaseChange&)>& apply) = 0;
  virtual std::vector<CaseEvent> Timeline(std::int64_t case_id) = 0;
  virtual std::vector<Case> List(const CaseFilter& filter, const CaseScope& scope) = 0;
  // A phone's offline sync: the timeline events after `after_event_id` (in id order, at most
  // `limit`) of the cases the agent holds now or was taken off.
  virtual std::vector<AgentCaseEvent> AgentEventsAfter(std::int64_t agent_id,
                                                       std::int64_t after_event_id, int limit) = 0;
  // The id of the newest event written (0 before any): where a sync goes on after reading the
  // cases as they stand.
  virtual std::int64_t NewestEventId() = 0;
};

// What a case needs to know of the catalogue (an item, or a bundle and its steps).
struct CaseTerms {
  std::string code;
  std::string name;
  bool is_bundle = false;
  bool retired = false;
  std::string department_code;
  std::string department_region_code;
  int committed_days = 0;
  std::vector<std::string> modes;             // proxy / assisted / led
  std::vector<std::string> delivery_options;  // express / window / on_the_spot
  struct Material {
    std::string item_code;
    int item_seq = 0;
    std::string name;
    bool essential = true;
  };
  std::vector<Material> materials;
  struct Step {
    int order = 1;
    std::string item_code;
    std::string item_name;
    std::string department_code;
    int committed_days = 0;
  };
  std::vector<Step> steps;  // bundles only
};

// The catalogue as the cases use it; intake adapts its catalogue to this.
class CaseCatalogue {
 public:
  virtual ~CaseCatalogue() = default;
  virtual std::optional<CaseTerms> Item(const std::string& code) = 0;
  virtual std::optional<CaseTerms> Bundle(const std::string& code) = 0;
  virtual bool RegionExists(const std::string& code) = 0;
  // True when `region` is `ancestor` or lies below it.
  virtual bool RegionWithin(const std::string& region, const std::string& ancestor) = 0;
  // Whether the point lies in the city. This default is the coarse box of InsideJinan, for a
  // catalogue that knows no district boundaries; CatalogueForCases answers by the boundaries.
  virtual bool InCity(GeoPoint point) { return InsideJinan(point.lat, point.lng); }
  // Whether the point lies so far outside the city that no agent or courier can be at work
  // there (a phone's fix there is flagged like an implausible jump). This default is the coarse
  // box of FarOutsideJinan; CatalogueForCases measures the distance from the boundaries.
  virtual bool FarOutsideCity(GeoPoint point) { return FarOutsideJinan(point.lat, point.lng); }
};

// The working-day calendar in force.
class CalendarSource {
 public:
  virtual ~CalendarSource() = default;
  virtual std::shared_ptr<const WorkingCalendar> Current() = 0;
};

// Counts failed look-ups per client address, so tracking numbers and codes cannot be guessed.
class GuessLimiter {
 public:
  virtual ~GuessLimiter() = default;
  virtual bool Blocked(const std::string& address) = 0;
  virtual void RecordFailure(const std::string& address) = 0;
};

}  // namespace daiban::cases
