#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daiban/cases/case_service.hpp"
#include "daiban/kernel/clock.hpp"

// The agents' progress reports (README, "The phone API"): what each progress kind does to the
// case, the chain-of-custody link a hand-over adds, and the once-per-key rule of phone writes.
namespace daiban::cases {

// A progress kind as the phone names it, and whether it moves the case.
struct ProgressKind {
  std::string name;
  bool transition = true;  // false: a timeline event only (a note, a hand-over of custody only)
};

// materials_collected, submitted_to_window, supplement_requested, suspended, resumed,
// result_obtained, handed_to_courier, handed_to_applicant, left_at_window, note; nullopt else.
std::optional<ProgressKind> ParseProgressKind(const std::string& name);

// One report from an agent's phone: the kind and its fields (`body`: what, material_seq, why,
// result_reference, id_last4, courier_name, department_code, text, position), the device time
// and the Idempotency-Key it came with.
struct ProgressReport {
  std::string tracking_number;
  std::string kind;
  nlohmann::json body = nlohmann::json::object();
  std::optional<Moment> device_time;
  std::string idempotency_key;
};

// Applies an agent's progress reports to its cases through the case state machine.
//  - Kinds map to case actions: materials_collected and submitted_to_window record progress
//    (the first report on an assigned case starts the work: the state table decides, on the
//    locked case), supplement_requested and suspended suspend, resumed resumes, result_obtained
//    records the result, handed_to_applicant hands it over under the identity rule of every
//    hand-over; note, handed_to_courier and left_at_window change no state.
//  - A hand-over (collected, submitted, result obtained, handed on, left at the window) adds the
//    link of the chain of custody (custody.hpp) from the chain read in the same transaction.
//  - Each report applies once per (agent, Idempotency-Key): the answer is kept in the change's
//    transaction; a retry gets it back; the key with another report is 409.
// Only cases assigned to the agent are reachable (404 for any other).
class ProgressService {
 public:
  ProgressService(CaseService& cases, const kernel::Clock& clock) : cases_(cases), clock_(clock) {}

  // The answer (status 200, JSON: tracking_number, kind, state, device_time_flag), or the first
  // answer given to the key (replayed). ApiError 422 naming the field for a bad report.
  CaseService::Answer Report(const Actor& agent, const ProgressReport& report);

 private:
  // The report applied, its answer kept under `key` in the change's transaction.
  CaseService::Answer Apply(const Actor& agent, const ProgressReport& report,
                            const kernel::IdempotentAnswer& key);

  CaseService& cases_;
  const kernel::Clock& clock_;
};

}  // namespace daiban::cases
