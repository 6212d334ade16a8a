#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/case_clock.hpp"
#include "daiban/cases/case_state.hpp"
#include "daiban/kernel/vocabulary.hpp"

// A case (代办件) as the use cases see it: plain data, no storage.
namespace daiban::cases {

using kernel::Moment;

using kernel::GeoPoint;

enum class ApplicantKind { kCitizen, kFirm };

struct Applicant {
  ApplicantKind kind = ApplicantKind::kCitizen;
  std::string name;
  std::string phone;
  std::string id_number;  // 18-character resident identity number
  std::string address;
  GeoPoint location;
  std::string firm_name;         // firms only
  std::string firm_credit_code;  // firms only: unified social credit code
};

enum class DeliveryMethod { kExpress, kWindow };

// When the applicant wants an express result at the door (China time): any time of the day,
// morning 09-12, afternoon 13-17, evening 18-20.
enum class DeliveryWindow { kAny, kMorning, kAfternoon, kEvening };

struct Delivery {
  DeliveryMethod method = DeliveryMethod::kWindow;
  std::string address;  // express only
  std::optional<GeoPoint> location;
  DeliveryWindow window = DeliveryWindow::kAny;  // express only
};

enum class MaterialStatus { kProvided, kMissing, kDeferred, kSupplied };

struct CaseMaterial {
  int seq = 0;  // the case's own numbering
  std::string item_code;
  int item_seq = 0;
  std::string name;
  bool essential = true;
  MaterialStatus status = MaterialStatus::kProvided;
  std::string promised_date;  // ISO date, for a deferred (容缺) material
  std::optional<Moment> supplied_at;
  bool IsMissing() const {
    return status == MaterialStatus::kMissing || status == MaterialStatus::kDeferred;
  }
};

struct CaseStep {
  int order = 1;
  std::string item_code;
  std::string item_name;
  std::string department_code;
  std::optional<Moment> deadline;
};

// Who did something: staff by account, the applicant, or the system itself.
struct Actor {
  Role role = Role::kSystem;
  std::int64_t user_id = 0;  // 0 when not a staff account
  std::string name;
  // Staff scope: what this actor may see and touch (empty: not limited that way).
  std::string region_code;
  std::string department_code;
};

struct CaseEvent {
  std::int64_t id = 0;
  std::string type;  // an action word, or created / material_supplied / rated / ...
  std::optional<CaseState> from;
  std::optional<CaseState> to;
  Role actor_role = Role::kSystem;
  std::int64_t actor_user_id = 0;
  std::string actor_name;
  Moment at{};
  std::optional<Moment> device_time;
  std::string reason;
  nlohmann::json data = nlohmann::json::object();
};

// Why a phone's device time is doubtful, or "" when it is not: "future" when it is more than
// 5 minutes ahead of `now`, "before_assignment" when it is more than 5 minutes before `since`
// (when the work was given to the phone's user). Doubtful times are kept, and flagged.
std::string DeviceTimeFlag(std::optional<Moment> device_time, Moment now,
                           std::optional<Moment> since);

// The chain of custody: every hand-over of the papers (applicant → agent → window → agent →
// courier → applicant) is a timeline event whose data carries
// "custody": {"from": {"role", "name"[, "user_id"]}, "to": {…}, "position": {"lat", "lng"} | null
// [, "discrepancy": "…"]}. Build links with GiveLink / TakeLink (custody.hpp), which start
// each one where the chain stands.
nlohmann::json CustodyData(const Actor& from, const Actor& to,
                           std::optional<GeoPoint> position = std::nullopt);

struct CustodyLink {
  std::int64_t event_id = 0;
  std::string type;  // the event's type
  std::string from_role;
  std::string from_name;
  std::string to_role;
  std::string to_name;
  Moment at{};
  std::optional<Moment> device_time;
  std::optional<GeoPoint> position;
  std::int64_t from_user_id = 0;  // agents and couriers, when known
  std::int64_t to_user_id = 0;
  std::string discrepancy;          // "" for a link that continues the chain as expected
  Role actor_role = Role::kSystem;  // who reported the hand-over (the event's actor)
  std::string actor_name;
};

// The hand-overs of a timeline, in its order; events without custody data are skipped.
std::vector<CustodyLink> CustodyChain(const std::vector<CaseEvent>& timeline);

struct Rating {
  int score = 0;
  std::string comment;
  Moment at{};
};

struct Case {
  std::int64_t id = 0;
  std::string tracking_number;
  std::string access_code_hash;
  std::string item_code;  // one of item_code and bundle_code
  std::string bundle_code;
  std::string subject_name;  // the item's or the bundle's name
  std::string mode;          // proxy / assisted / led
  std::string region_code;
  std::string department_code;
  int committed_days = 0;
  CaseState state = CaseState::kSubmitted;
  std::optional<CaseState> state_before_suspension;
  int version = 1;
  Applicant applicant;
  Delivery delivery;
  std::optional<Moment> appointment_at;  // 领办
  std::int64_t agent_id = 0;
  std::string agent_name;
  std::string agent_phone;  // the agent's work phone, shown to the applicant
  int priority = 0;
  std::int64_t open311_key_id = 0;  // the Open311 client that submitted it (0: none)
  std::string open311_description;  // that client's own words, answered back only to it
  std::string result_reference;
  Moment created_at{};
  std::optional<Moment> accepted_at;
  std::optional<CaseClock> clock;  // set at acceptance
  std::optional<Moment> suspended_at;
  std::optional<Moment> assigned_at;
  std::optional<Moment> last_progress_at;
  std::optional<Moment> result_ready_at;
  std::optional<Moment> closed_at;
  std::vector<CaseMaterial> materials;
  std::vector<CaseStep> steps;
  std::optional<Rating> rating;

  int MissingEssential() const;
  // How near its deadline the case is at `now`, while its clock runs (accepted, assigned, in
  // progress: someone works on it); nullopt before acceptance, while suspended and once the
  // result is ready, when no deadline is being worked against.
  std::optional<Urgency> RunningUrgency(Moment now) const;
  // What the window still has to collect before it may accept the case: the applicant's ID
  // number (when not recorded yet) and the seqs of the materials still missing (a case
  // submitted through a channel that cannot declare them). Empty once accepted.
  bool IdNumberToCollect() const { return applicant.id_number.empty(); }
  std::vector<int> MaterialsToCollect() const;
  int MissingDeferred() const;  // non-essential still missing
  CaseFacts Facts() const;
};

std::string ToWord(ApplicantKind kind);
std::string ToWord(DeliveryMethod method);
// "any", "morning", "afternoon", "evening".
std::string ToWord(DeliveryWindow window);
std::optional<DeliveryWindow> ParseDeliveryWindow(std::string_view word);
std::string ToWord(MaterialStatus status);
std::optional<MaterialStatus> ParseMaterialStatus(std::string_view word);

}  // namespace daiban::cases
