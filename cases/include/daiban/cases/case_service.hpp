#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/case_store.hpp"
#include "daiban/kernel/clock.hpp"

namespace daiban::cases {

// A material as the applicant declares it when asking for proxy handling.
struct DeclaredMaterial {
  std::string item_code;  // may be empty for a single-item case
  int item_seq = 0;
  bool provided = false;
};

struct CaseRequest {
  std::string item_code;  // exactly one of item_code and bundle_code
  std::string bundle_code;
  std::string mode;
  std::string region_code;
  Applicant applicant;
  std::vector<DeclaredMaterial> materials;
  Delivery delivery;
  std::optional<Moment> appointment_at;  // required for 领办 (led)
  std::int64_t open311_key_id = 0;       // set when submitted through the Open311 facade
  std::string open311_description;       // what the Open311 client wrote, kept with the case
  // A channel whose clients cannot know the applicant's ID number or declare the materials (a
  // generic Open311 client): both may be missing, and the window records them at acceptance.
  bool collect_at_window = false;
};

struct Submission {
  Case created;
  std::string access_code;  // shown once; only its hash is stored
};

// What the window records at acceptance for a case submitted without it (collect_at_window):
// the applicant's ID number, shown at the window, and the materials received there.
struct AcceptanceRecord {
  std::string id_number;                // empty: none given (needed when none is recorded)
  std::vector<int> received_materials;  // case material seqs now provided
};

// A deferred (容缺) material at acceptance: the applicant promises to supply it by `date`.
struct Deferral {
  int seq = 0;
  std::string date;  // ISO
};

// A staff write's Idempotency-Key (DESIGN.md, APIs): staff may send one as phones do, and a
// retried write then gets its first answer and changes nothing twice (kernel::StaffKeyOf reads
// it: the user's scope, a hash of the route, its path and its body).
using StaffKey = kernel::IdempotentAnswer;

// How a staff write's answer body is made from the case as the write leaves it and its
// timeline. For a keyed write it runs inside the write's transaction (CaseChange::render_answer).
using AnswerRender = std::function<std::string(const Case&, const std::vector<CaseEvent>&)>;

// One keyed staff write on its way: the key, the render, and the body kept (set by the store in
// the transaction that keeps the answer).
struct KeyedWrite {
  StaffKey key;
  AnswerRender render;
  std::string body;
  bool kept = false;
};

struct CaseServiceOptions {
  double at_risk_share_left = 0.25;  // at risk when less than this share of working time is left
  int followup_working_days = 15;    // a bad-rating follow-up is due after this many
  int bad_rating_at_most = 2;        // ratings at or below this open a follow-up
};

// The case use cases (DESIGN.md §1): submission, the applicant's views and actions, window
// acceptance, suspension, and the generic transition every process uses, all through the
// one state machine (Decide). Each change is one store transaction with its timeline event,
// outbox message and notices.
class CaseService {
 public:
  CaseService(CaseStore& store, CaseCatalogue& catalogue, CalendarSource& calendar,
              GuessLimiter& guesses, const kernel::Clock& clock, kernel::IdGenerator& ids,
              CaseServiceOptions options = {});

  // What a write answers; `replayed` when it is the first answer to its key, given again.
  using Answer = kernel::KeyedAnswer;
  // A write that takes a client's Idempotency-Key (`key`, made with kernel::KeyOf), once: the
  // first answer again when the key was answered before, else `write`, which keeps its answer
  // in its change's transaction (kernel::AnswerOnce over the one idempotency store).
  Answer Once(const kernel::IdempotentAnswer& key, const std::function<Answer()>& write);
  // Validates the request against the catalogue (ApiError 422 naming the field or rule) and
  // creates the case. With an idempotency key, a retry returns the first answer (rendered by
  // `render`) and a different body under the same key is 409. The answer kept for the key is
  // rendered from a Submission without the access code: the code is never stored in clear. A
  // replayed answer (replayed = true) has none; the caller gets one with ReissueAccessCode.
  Answer Submit(const CaseRequest& request, const std::optional<kernel::IdempotentAnswer>& key,
                const std::function<std::string(const Submission&)>& render);
  // A fresh access code for the case, for a retried submission whose first answer was lost:
  // only its hash is stored, so the first code cannot be shown again, and it stops working.
  // Recorded on the timeline (access_code_reissued).
  std::string ReissueAccessCode(const std::string& tracking);
  // The idempotency scope of an anonymous applicant: a hash of the identity the request gives
  // (phone and ID number, and a firm's credit code), so two applicants never share a key.
  static std::string ApplicantScope(const Applicant& applicant);

  // The applicant's view by tracking number and access code. A wrong code answers exactly
  // like an unknown tracking number (404); failures count against `client_address` (429).
  Case ReadAsApplicant(const std::string& tracking, const std::string& code,
                       const std::string& client_address);
  Case ReadAsStaff(const std::string& tracking, const Actor& actor);
  // Several cases as ReadAsStaff reads one, in the order asked, read together; those not
  // found or out of the actor's scope are left out.
  std::vector<Case> ReadManyAsStaff(const std::vector<std::string>& trackings, const Actor& actor);
  std::vector<CaseEvent> Timeline(const Case& c) { return store_.Timeline(c.id); }
  // What changed for a field user since a sync cursor (an event id): each touched case once, in
  // the order first touched, with whether it is still the user's; `cursor` is the newest event
  // read (at most `limit` events a call, 1..kMaxChangesPerCall, else 400; the next call goes on
  // from there) and `more` says whether events after it were left for the next call.
  static constexpr int kMaxChangesPerCall = 1000;
  struct Changes {
    std::vector<std::pair<std::string, bool>> touched;  // tracking number, still the user's
    std::int64_t cursor = 0;
    bool more = false;
  };
  Changes ChangesSince(const Actor& user, std::int64_t since, int limit = kMaxChangesPerCall);
  // The newest case event's id (0 before any): a cursor at which the changes after a read of
  // the cases as they stand begin (events written meanwhile are read again, never missed).
  std::int64_t NewestEventId() { return store_.NewestEventId(); }
  // One page in the actor's scope (limit 1..100, else 400); `more` when another page follows.
  struct Page {
    std::vector<Case> cases;
    bool more = false;
  };
  Page List(CaseFilter filter, const Actor& actor);

  // Applicant actions, authorised by the access code.
  // Supplying the last material a supplement request asked for (see NeedSupplement) resumes
  // the suspended case by itself: the clock runs again and the deadline moves by the working
  // time spent suspended.
  Case SupplyMaterial(const std::string& tracking, const std::string& code,
                      const std::string& client_address, int seq);
  Case Cancel(const std::string& tracking, const std::string& code,
              const std::string& client_address, const std::string& reason);
  Case Rate(const std::string& tracking, const std::string& code, const std::string& client_address,
            int score, const std::string& comment);

  // Staff actions (scope-checked: out of scope answers 404). With `expected_version`, a case
  // that changed since the caller read it answers 409 stale_version.
  // Acceptance refuses (422 id_number) a case whose applicant's ID number is not recorded yet
  // and not given in `record`, and (422 materials) one whose essential material is still
  // missing after the materials `record` received: no case goes on without both, so every
  // hand-over's identity check holds.
  Case Accept(const std::string& tracking, const Actor& actor,
              const std::vector<Deferral>& deferrals,
              std::optional<int> expected_version = std::nullopt,
              const AcceptanceRecord& record = {}, KeyedWrite* keyed = nullptr);
  Case Reject(const std::string& tracking, const Actor& actor, const std::string& reason,
              std::optional<int> expected_version = std::nullopt, KeyedWrite* keyed = nullptr);
  Case Suspend(const std::string& tracking, const Actor& actor, const std::string& reason,
               std::optional<int> expected_version = std::nullopt, KeyedWrite* keyed = nullptr);
  Case Resume(const std::string& tracking, const Actor& actor, const std::string& reason,
              std::optional<int> expected_version = std::nullopt, KeyedWrite* keyed = nullptr);

  // The result handed over at the window (or in person): the recipient shows an identity
  // document whose last four characters must match the applicant's ID number (an authorised
  // person's proof is the same check on the applicant's number, as the 委托书 names it). A
  // mismatch is refused (422) and recorded on the timeline; a match delivers and closes the
  // case, and the applicant is invited to rate it.
  Case HandOver(const std::string& tracking, const Actor& actor, const std::string& recipient,
                const std::string& id_last4, std::optional<Moment> device_time = std::nullopt,
                KeyedWrite* keyed = nullptr);

  // The identity rule of every hand-over to the applicant (the window's, the agent's from the
  // phone, the courier's at the door), for a case `c` read before: the last four characters of
  // the recipient's ID document must match the applicant's ID number. 422 id_last4 when they
  // are not 4 characters. On a mismatch records `refusal_type` (with `data`, and `also` in the
  // same transaction) and counts a wrong guess for `subject`; the kHandoverMaxWrongGuesses-th
  // blocks the subject and alerts the region's supervisors (423 identity_check_blocked), the
  // others answer 422 id_last4. A blocked subject answers 423 whatever the guess. On a match
  // returns the event data to record; the hand-over's own change must call RequireHandoverOpen.
  nlohmann::json CheckHandoverIdentity(const Case& c, const Actor& actor,
                                       const std::string& subject, const std::string& id_last4,
                                       const std::string& refusal_type, nlohmann::json data,
                                       std::optional<Moment> device_time,
                                       const std::function<void(Case&, CaseChange&)>& also = {});
  // Inside a hand-over's change: 423 identity_check_blocked when the subject is blocked.
  static void RequireHandoverOpen(CaseChange& change, const std::string& subject);
  static constexpr int kHandoverMaxWrongGuesses = 5;
  static std::string CaseHandoverSubject() { return "case"; }
  static std::string LegHandoverSubject(std::int64_t delivery_id) {
    return "delivery:" + std::to_string(delivery_id);
  }
  // A supervisor (of the case's region; 404 outside it) or an administrator lifts every
  // identity block of the case (its own and its legs'), recorded on the timeline.
  Case UnblockHandovers(const std::string& tracking, const Actor& actor,
                        KeyedWrite* keyed = nullptr);

  // Any transition, for the other use cases (dispatch, mobile, tracking): checks the state
  // machine for the action as ActionTaken resolves it on the locked case (the first progress
  // report starts the work), applies `effect` to the case, records the event. `device_time`
  // comes from phones.
  Case Transition(const std::string& tracking, const CaseScope& scope, const Actor& actor,
                  CaseAction action, const std::string& reason, nlohmann::json data,
                  std::optional<Moment> device_time,
                  const std::function<void(Case&, CaseChange&)>& effect = {},
                  std::optional<int> expected_version = std::nullopt, KeyedWrite* keyed = nullptr);

  // An event that changes no state (a note, a hand-over to the courier for the chain of
  // custody), on an open case the actor may act on; 409 case_closed otherwise.
  Case Note(const std::string& tracking, const CaseScope& scope, const Actor& actor,
            const std::string& type, const std::string& reason, nlohmann::json data,
            std::optional<Moment> device_time,
            const std::function<void(Case&, CaseChange&)>& effect = {});

  // For a supplement request's effect: material `seq` must be supplied again (补正), so the
  // applicant can supply it and the case resume. ApiError 422 (field material_seq) when the case
  // has no such material.
  static void NeedSupplement(Case& c, int seq);

  static CaseScope ScopeOf(const Actor& actor);

  // Runs a staff write once per key: with a key answered before, its first answer (replayed,
  // nothing written); else `write` with a KeyedWrite that its last transaction keeps (see
  // KeepAnswer), and the answer rendered there. Without a key, `write` and `render` after it.
  Answer Once(const std::optional<StaffKey>& key, const AnswerRender& render,
              const std::function<Case(KeyedWrite*)>& write);
  // Inside a change's effect: keep `keyed`'s answer in this change's transaction (no-op when
  // null). The write that calls it last decides the answer.
  static void KeepAnswer(CaseChange& change, KeyedWrite* keyed);
  static std::string HashAccessCode(const std::string& code);

 private:
  // Submit's validation and creation, after the key's first answer was looked for.
  Answer Create(const CaseRequest& request, const std::optional<kernel::IdempotentAnswer>& key,
                const std::function<std::string(const Submission&)>& render);
  Case ApplicantChange(const std::string& tracking, const std::string& code,
                       const std::string& client_address,
                       const std::function<void(Case&, CaseChange&)>& apply);
  void Record(Case& c, CaseChange& change, const Actor& actor, const std::string& type,
              std::optional<CaseState> from, const std::string& reason, nlohmann::json data,
              std::optional<Moment> device_time);
  Moment Now() const;
  // Transition, with `prepare` applied to the loaded case before the state machine decides
  // (what the window received at acceptance counts for the acceptance's own precondition).
  Case TransitionAfter(const std::string& tracking, const CaseScope& scope, const Actor& actor,
                       CaseAction action, const std::string& reason, nlohmann::json data,
                       std::optional<Moment> device_time, const std::function<void(Case&)>& prepare,
                       const std::function<void(Case&, CaseChange&)>& effect,
                       std::optional<int> expected_version, KeyedWrite* keyed = nullptr);

  CaseStore& store_;
  CaseCatalogue& catalogue_;
  CalendarSource& calendar_;
  GuessLimiter& guesses_;
  const kernel::Clock& clock_;
  kernel::IdGenerator& ids_;
  CaseServiceOptions options_;
};

}  // namespace daiban::cases
