#include "daiban/cases/case_service.hpp"

#include <sodium.h>

#include <algorithm>
#include <map>

#include "daiban/cases/applicant_rules.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/cases/custody.hpp"
#include "daiban/cases/tracking_number.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/idempotency.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::cases {

namespace {

using kernel::ApiError;
using kernel::Invalid;

constexpr const char* kCaseStream = "events:cases";

// Which target states the applicant hears about, and under which template.
std::optional<std::string> NoticeFor(CaseAction action, CaseState to) {
  if (action == CaseAction::kRequestSupplement) return "supplement_needed";
  switch (to) {
    case CaseState::kAccepted:
      return action == CaseAction::kAccept ? std::optional<std::string>("case_accepted")
                                           : std::nullopt;
    case CaseState::kRejected:
      return "case_rejected";
    case CaseState::kAssigned:
      return action == CaseAction::kAssign ? std::optional<std::string>("case_assigned")
                                           : std::nullopt;
    case CaseState::kResultReady:
      return "result_ready";
    case CaseState::kOutForDelivery:
      return "out_for_delivery";
    case CaseState::kDelivered:
      return "delivered";
    default:
      return std::nullopt;
  }
}

std::uint64_t RandomBits(kernel::IdGenerator& ids) {
  return std::stoull(ids.HexId(8), nullptr, 16);
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void ValidateApplicant(const Applicant& applicant, CivilDate today) {
  if (applicant.name.empty() || applicant.name.size() > 100) {
    throw Invalid("applicant.name", "the applicant's name is required (at most 100 bytes)");
  }
  if (!IsMobilePhone(applicant.phone)) {
    throw Invalid("applicant.phone", "phone must be an 11-digit mobile number");
  }
  // Empty only on a channel that collects it at the window (checked by the caller).
  if (!applicant.id_number.empty() && !IsValidIdNumber(applicant.id_number, today)) {
    throw Invalid("applicant.id_number",
                  "id_number is not a valid 18-character resident identity number (check digit "
                  "or birth date wrong)");
  }
  if (applicant.address.empty() || applicant.address.size() > 500) {
    throw Invalid("applicant.address", "the applicant's address is required");
  }
  if (applicant.kind == ApplicantKind::kFirm) {
    if (applicant.firm_name.empty()) throw Invalid("firm.name", "a firm's name is required");
    if (!IsValidSocialCreditCode(applicant.firm_credit_code)) {
      throw Invalid("firm.credit_code",
                    "credit_code is not a valid unified social credit code (check character)");
    }
  }
}

}  // namespace

CaseService::CaseService(CaseStore& store, CaseCatalogue& catalogue, CalendarSource& calendar,
                         GuessLimiter& guesses, const kernel::Clock& clock,
                         kernel::IdGenerator& ids, CaseServiceOptions options)
    : store_(store),
      catalogue_(catalogue),
      calendar_(calendar),
      guesses_(guesses),
      clock_(clock),
      ids_(ids),
      options_(options) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

Moment CaseService::Now() const { return kernel::ToMoment(clock_.Now()); }

std::string CaseService::HashAccessCode(const std::string& code) { return kernel::Sha256Hex(code); }

CaseScope CaseService::ScopeOf(const Actor& actor) {
  switch (actor.role) {
    case Role::kAdmin:
    case Role::kSystem:
      return CaseScope::Everything();
    case Role::kSupervisor:
    case Role::kWindow:
      return {.region_code = actor.region_code, .department_code = actor.department_code};
    case Role::kAgent:
      return {.agent_id = actor.user_id};
    default:
      return {};  // nothing
  }
}

void CaseService::Record(Case& c, CaseChange& change, const Actor& actor, const std::string& type,
                         std::optional<CaseState> from, const std::string& reason,
                         nlohmann::json data, std::optional<Moment> device_time) {
  CaseEvent event;
  event.type = type;
  event.from = from;
  event.to = c.state;
  event.actor_role = actor.role;
  event.actor_user_id = actor.user_id;
  event.actor_name = actor.name;
  event.at = Now();
  event.device_time = device_time;
  event.reason = reason;
  event.data = data.is_object() ? std::move(data) : nlohmann::json::object();
  change.events.push_back(event);
  change.outbox.push_back(
      {kCaseStream,
       type,
       {{"tracking_number", c.tracking_number},
        {"from", from ? nlohmann::json(ToWord(*from)) : nlohmann::json(nullptr)},
        {"to", ToWord(c.state)},
        {"region_code", c.region_code},
        {"department_code", c.department_code},
        {"agent_id", c.agent_id},
        {"at", FormatRfc3339China(event.at)}}});
}

namespace {

kernel::KeptAnswerFinder FinderOf(CaseStore& store) {
  return [&store](const kernel::IdempotentAnswer& key) {
    return store.FindAnswer(key.scope, key.key);
  };
}

}  // namespace

CaseService::Answer CaseService::Once(const kernel::IdempotentAnswer& key,
                                      const std::function<Answer()>& write) {
  return kernel::AnswerOnce(key, FinderOf(store_), write);
}

std::string CaseService::ApplicantScope(const Applicant& applicant) {
  return "applicant:" + kernel::Sha256Hex("applicant\n" + applicant.phone + "\n" +
                                          applicant.id_number + "\n" + applicant.firm_credit_code);
}

std::string CaseService::ReissueAccessCode(const std::string& tracking) {
  std::string access_code = AccessCodeFromRandom(RandomBits(ids_));
  const std::string hash = HashAccessCode(access_code);
  store_.Change(NormalizeTrackingNumber(tracking), CaseScope::Everything(),
                [&](Case& c, CaseChange& change) {
                  c.access_code_hash = hash;
                  const Actor applicant{Role::kApplicant, 0, c.applicant.name, "", ""};
                  Record(c, change, applicant, "access_code_reissued", c.state,
                         "the submission was retried", nlohmann::json::object(), std::nullopt);
                });
  return access_code;
}

CaseService::Answer CaseService::Submit(
    const CaseRequest& request, const std::optional<kernel::IdempotentAnswer>& key,
    const std::function<std::string(const Submission&)>& render) {
  if (!key) return Create(request, std::nullopt, render);
  return Once(*key, [&] { return Create(request, key, render); });
}

CaseService::Answer CaseService::Create(
    const CaseRequest& request, const std::optional<kernel::IdempotentAnswer>& key,
    const std::function<std::string(const Submission&)>& render) {
  const Moment now = Now();
  // What is asked for, and what the catalogue allows.
  if (request.item_code.empty() == request.bundle_code.empty()) {
    throw Invalid("item_code", "give exactly one of item_code and bundle_code");
  }
  const bool is_bundle = !request.bundle_code.empty();
  auto terms =
      is_bundle ? catalogue_.Bundle(request.bundle_code) : catalogue_.Item(request.item_code);
  const std::string subject_field = is_bundle ? "bundle_code" : "item_code";
  if (!terms || terms->retired) {
    throw Invalid(subject_field, "no offered " + std::string(is_bundle ? "bundle" : "item") + " '" +
                                     (is_bundle ? request.bundle_code : request.item_code) + "'");
  }
  if (!Contains({"proxy", "assisted", "led"}, request.mode)) {
    throw Invalid("mode", "mode must be proxy (代办), assisted (帮办) or led (领办)");
  }
  if (!Contains(terms->modes, request.mode)) {
    throw Invalid("mode", "'" + terms->name + "' is not offered in mode " + request.mode);
  }
  if (!catalogue_.RegionExists(request.region_code)) {
    throw Invalid("region_code", "unknown region '" + request.region_code + "'");
  }
  if (!catalogue_.RegionWithin(request.region_code, terms->department_region_code)) {
    throw Invalid("region_code", "'" + terms->name + "' is not handled for region " +
                                     request.region_code + " (its department serves " +
                                     terms->department_region_code + ")");
  }
  if (request.applicant.id_number.empty() && !request.collect_at_window) {
    throw Invalid("applicant.id_number", "the applicant's id_number is required");
  }
  ValidateApplicant(request.applicant, ToChinaLocal(now).date);
  // Checked against the city's district boundaries. The case is handled in its region, which
  // need not be where the applicant is, but an applicant outside the city is not served.
  if (!catalogue_.InCity(request.applicant.location)) {
    throw Invalid("applicant.location",
                  "the location is outside the districts of 济南市 (WGS-84 lat, lng)");
  }
  if (request.mode == "led") {
    if (!request.appointment_at || *request.appointment_at <= now) {
      throw Invalid("appointment_at", "领办 (led) needs a future appointment time");
    }
  }
  // Delivery of the result.
  const auto& delivery = request.delivery;
  const std::string method = ToWord(delivery.method);
  if (!Contains(terms->delivery_options, method)) {
    throw Invalid("delivery.method", "'" + terms->name + "' offers no " + method + " delivery");
  }
  if (delivery.method == DeliveryMethod::kExpress) {
    if (delivery.address.empty()) {
      throw Invalid("delivery.address", "express delivery needs an address");
    }
    if (!delivery.location || !catalogue_.InCity(*delivery.location)) {
      throw Invalid("delivery.location", "express delivery needs a location inside 济南市");
    }
  }
  // Materials: each declared one must exist; every essential one must be provided.
  std::map<std::pair<std::string, int>, bool> declared;
  for (const auto& m : request.materials) {
    std::string item = m.item_code.empty() && !is_bundle ? terms->code : m.item_code;
    bool known = std::any_of(terms->materials.begin(), terms->materials.end(), [&](const auto& t) {
      return t.item_code == item && t.item_seq == m.item_seq;
    });
    if (!known) {
      throw Invalid("materials",
                    "no material " + std::to_string(m.item_seq) + " of item '" + item + "'");
    }
    if (!declared.emplace(std::make_pair(item, m.item_seq), m.provided).second) {
      throw Invalid("materials", "material " + std::to_string(m.item_seq) + " of item '" + item +
                                     "' is declared twice");
    }
  }
  Case c;
  int seq = 0;
  for (const auto& t : terms->materials) {
    auto found = declared.find({t.item_code, t.item_seq});
    bool provided = found != declared.end() && found->second;
    // A channel that cannot declare materials leaves them to the window (to collect).
    if (t.essential && !provided && !request.collect_at_window) {
      throw Invalid("materials", "the essential material '" + t.name + "' must be provided");
    }
    CaseMaterial material;
    material.seq = ++seq;
    material.item_code = t.item_code;
    material.item_seq = t.item_seq;
    material.name = t.name;
    material.essential = t.essential;
    material.status = provided ? MaterialStatus::kProvided : MaterialStatus::kMissing;
    c.materials.push_back(material);
  }
  for (const auto& s : terms->steps) {
    c.steps.push_back({s.order, s.item_code, s.item_name, s.department_code, std::nullopt});
  }

  c.tracking_number = TrackingNumberFromRandom(RandomBits(ids_));
  std::string access_code = AccessCodeFromRandom(RandomBits(ids_));
  c.access_code_hash = HashAccessCode(access_code);
  c.item_code = request.item_code;
  c.bundle_code = request.bundle_code;
  c.subject_name = terms->name;
  c.mode = request.mode;
  c.region_code = request.region_code;
  c.department_code = terms->department_code;
  c.committed_days = terms->committed_days;
  c.state = CaseState::kSubmitted;
  c.applicant = request.applicant;
  c.delivery = delivery;
  c.appointment_at = request.appointment_at;
  c.open311_key_id = request.open311_key_id;
  c.open311_description = request.open311_description;
  c.created_at = now;

  CaseChange change;
  Actor applicant{Role::kApplicant, 0, request.applicant.name, "", ""};
  Record(c, change, applicant, "created", std::nullopt, "",
         {{"subject", terms->code}, {"mode", request.mode}}, std::nullopt);

  Submission submission{c, access_code};
  std::optional<kernel::IdempotentAnswer> answer = key;
  if (answer) {
    // Kept without the code: the table is readable by operators and backups.
    answer->status = 201;
    answer->body = render(Submission{c, ""});
  }
  // A key taken meanwhile (IdempotencyKeyTaken) is Once's to answer.
  store_.Create(c, change, answer);
  submission.created = c;
  return {201, render(submission)};
}

Case CaseService::ReadAsApplicant(const std::string& tracking, const std::string& code,
                                  const std::string& client_address) {
  if (guesses_.Blocked(client_address)) {
    throw kernel::TooManyRequests("too many failed look-ups, try again later");
  }
  // Hash first, whatever the outcome, so an unknown number and a wrong code cost the same.
  const std::string hash = HashAccessCode(code);
  auto found = store_.Find(NormalizeTrackingNumber(tracking), CaseScope::Everything());
  if (!found || !SameSecret(found->access_code_hash, hash)) {
    guesses_.RecordFailure(client_address);
    throw kernel::NotFound("no case with this tracking number and access code");
  }
  return *found;
}

Case CaseService::ReadAsStaff(const std::string& tracking, const Actor& actor) {
  auto found = store_.Find(NormalizeTrackingNumber(tracking), ScopeOf(actor));
  if (!found) throw kernel::NotFound("no case with this tracking number");
  return *found;
}

std::vector<Case> CaseService::ReadManyAsStaff(const std::vector<std::string>& trackings,
                                               const Actor& actor) {
  std::vector<std::string> normalized;
  normalized.reserve(trackings.size());
  for (const auto& tracking : trackings) normalized.push_back(NormalizeTrackingNumber(tracking));
  return store_.FindMany(normalized, ScopeOf(actor));
}

CaseService::Page CaseService::List(CaseFilter filter, const Actor& actor) {
  filter.now = Now();
  if (filter.limit < 1 || filter.limit > 100) {
    throw kernel::BadRequest("limit must be 1..100", "limit");
  }
  if (!filter.region_code.empty() && !catalogue_.RegionExists(filter.region_code)) {
    throw kernel::BadRequest("unknown region '" + filter.region_code + "'", "region");
  }
  const int asked = filter.limit;
  filter.limit = asked + 1;  // one more tells whether another page follows
  Page page;
  page.cases = store_.List(filter, ScopeOf(actor));
  if (static_cast<int>(page.cases.size()) > asked) {
    page.cases.resize(static_cast<std::size_t>(asked));
    page.more = true;
  }
  return page;
}

namespace {

void MergeEventData(nlohmann::json& data, CaseChange& change) {
  if (!data.is_object()) data = nlohmann::json::object();
  for (auto& [key, value] : change.event_data.items()) data[key] = value;
  change.event_data = nlohmann::json::object();
}

}  // namespace

Case CaseService::Transition(const std::string& tracking, const CaseScope& scope,
                             const Actor& actor, CaseAction requested, const std::string& reason,
                             nlohmann::json data, std::optional<Moment> device_time,
                             const std::function<void(Case&, CaseChange&)>& effect,
                             std::optional<int> expected_version, KeyedWrite* keyed) {
  return TransitionAfter(tracking, scope, actor, requested, reason, std::move(data), device_time,
                         {}, effect, expected_version, keyed);
}

CaseService::Answer CaseService::Once(const std::optional<StaffKey>& key,
                                      const AnswerRender& render,
                                      const std::function<Case(KeyedWrite*)>& write) {
  if (!key) {
    Case c = write(nullptr);
    return {200, render(c, Timeline(c)), false};
  }
  return Once(*key, [&]() -> Answer {
    KeyedWrite keyed{*key, render, "", false};
    Case c = write(&keyed);
    if (!keyed.kept) return {200, render(c, Timeline(c)), false};
    return {200, keyed.body, false};
  });
}

void CaseService::KeepAnswer(CaseChange& change, KeyedWrite* keyed) {
  if (!keyed) return;
  change.answer = keyed->key;
  change.answer->status = 200;
  change.answer->body.clear();
  change.render_answer = [keyed](const Case& c, const std::vector<CaseEvent>& timeline) {
    keyed->body = keyed->render(c, timeline);
    keyed->kept = true;
    return keyed->body;
  };
}

Case CaseService::TransitionAfter(const std::string& tracking, const CaseScope& scope,
                                  const Actor& actor, CaseAction requested,
                                  const std::string& reason, nlohmann::json data,
                                  std::optional<Moment> device_time,
                                  const std::function<void(Case&)>& prepare,
                                  const std::function<void(Case&, CaseChange&)>& effect,
                                  std::optional<int> expected_version, KeyedWrite* keyed) {
  return store_.Change(NormalizeTrackingNumber(tracking), scope, [&](Case& c, CaseChange& change) {
    if (prepare) prepare(c);
    // Resolved on the locked case: the first progress report starts the work.
    const CaseAction action = ActionTaken(c.Facts(), requested);
    if (expected_version && *expected_version != c.version) {
      throw kernel::Conflict("stale_version",
                             "the case changed since version " + std::to_string(*expected_version) +
                                 " (now " + std::to_string(c.version) + "): read it again",
                             "version");
    }
    const CaseState from = c.state;
    auto decided = Decide(c.Facts(), action, actor.role);
    if (auto* refused = std::get_if<TransitionRefused>(&decided)) {
      int status = refused->rule == "role_not_allowed" ? 403 : 409;
      throw ApiError(status, refused->rule,
                     refused->message + " (current state: " + ToWord(from) + ")", "state");
    }
    const Moment now = Now();
    c.state = std::get<CaseState>(decided);
    if (c.state == CaseState::kSuspended && from != CaseState::kSuspended) {
      c.state_before_suspension = from;
      c.suspended_at = now;
    }
    if (action == CaseAction::kResume) {
      if (c.clock && c.suspended_at) {
        c.clock = ClockAfterSuspension(*calendar_.Current(), *c.clock, *c.suspended_at, now);
      }
      c.suspended_at.reset();
      c.state_before_suspension.reset();
    }
    if (action == CaseAction::kAssign) c.assigned_at = now;
    if (action == CaseAction::kUnassign) {
      c.agent_id = 0;
      c.assigned_at.reset();
    }
    if (action == CaseAction::kStartProgress || action == CaseAction::kRecordProgress) {
      c.last_progress_at = now;
    }
    if (effect) effect(c, change);
    KeepAnswer(change, keyed);
    MergeEventData(data, change);
    if (c.state == CaseState::kResultReady) c.result_ready_at = now;
    if (!IsOpen(c.state) && c.state != CaseState::kDelivered) c.closed_at = now;
    Record(c, change, actor, ToWord(action), from, reason, data, device_time);
    if (auto notice = NoticeFor(action, c.state)) {
      nlohmann::json notice_data = {{"tracking_number", c.tracking_number},
                                    {"subject", c.subject_name},
                                    {"state", ToWord(c.state)}};
      if (!reason.empty()) notice_data["reason"] = reason;
      if (c.clock) notice_data["deadline"] = FormatRfc3339China(c.clock->deadline);
      change.notices.push_back({*notice, notice_data});
    }
  });
}

Case CaseService::Note(const std::string& tracking, const CaseScope& scope, const Actor& actor,
                       const std::string& type, const std::string& reason, nlohmann::json data,
                       std::optional<Moment> device_time,
                       const std::function<void(Case&, CaseChange&)>& effect) {
  return store_.Change(NormalizeTrackingNumber(tracking), scope, [&](Case& c, CaseChange& change) {
    if (!IsOpen(c.state)) {
      throw kernel::Conflict("case_closed", "the case is " + ToWord(c.state), "state");
    }
    if (effect) effect(c, change);
    MergeEventData(data, change);
    Record(c, change, actor, type, c.state, reason, std::move(data), device_time);
  });
}

Case CaseService::Accept(const std::string& tracking, const Actor& actor,
                         const std::vector<Deferral>& deferrals,
                         std::optional<int> expected_version, const AcceptanceRecord& record,
                         KeyedWrite* keyed) {
  // What the window received is recorded before the state machine looks at the materials; on a
  // case that cannot be accepted anyway the state machine's refusal is the answer.
  auto receive = [&](Case& c) {
    if (c.state != CaseState::kSubmitted) return;
    for (int seq : record.received_materials) {
      auto material = std::find_if(c.materials.begin(), c.materials.end(),
                                   [&](const auto& m) { return m.seq == seq; });
      if (material == c.materials.end() || material->status != MaterialStatus::kMissing) {
        throw Invalid("received_materials",
                      "material " + std::to_string(seq) + " is not a missing material of the case");
      }
      material->status = MaterialStatus::kProvided;
    }
  };
  return TransitionAfter(
      tracking, ScopeOf(actor), actor, CaseAction::kAccept, "", {}, std::nullopt, receive,
      [&](Case& c, CaseChange& change) {
        const Moment now = Now();
        const CivilDate today = ToChinaLocal(now).date;
        // Every hand-over checks the recipient against this number: none, no acceptance.
        if (!record.id_number.empty()) {
          if (!c.applicant.id_number.empty() && c.applicant.id_number != record.id_number) {
            throw Invalid("id_number",
                          "the applicant's ID number is already recorded and differs from this "
                          "one; reject the case if the applicant is not who submitted it");
          }
          if (!IsValidIdNumber(record.id_number, today)) {
            throw Invalid("id_number",
                          "id_number is not a valid 18-character resident identity number (check "
                          "digit or birth date wrong)");
          }
          if (c.applicant.id_number.empty()) change.event_data["id_number_recorded"] = true;
          c.applicant.id_number = record.id_number;
        }
        if (c.applicant.id_number.empty()) {
          throw Invalid("id_number",
                        "the applicant's ID number is not recorded yet: the window records it from "
                        "the applicant's identity document at acceptance (give id_number)");
        }
        if (!record.received_materials.empty()) {
          change.event_data["received_materials"] = record.received_materials;
        }
        for (const auto& d : deferrals) {
          auto material = std::find_if(c.materials.begin(), c.materials.end(),
                                       [&](const auto& m) { return m.seq == d.seq; });
          if (material == c.materials.end() || !material->IsMissing() || material->essential) {
            throw Invalid("deferrals", "material " + std::to_string(d.seq) +
                                           " is not a missing non-essential material");
          }
          auto date = ParseIsoDate(d.date);
          if (!date || *date < today) {
            throw Invalid("deferrals", "material " + std::to_string(d.seq) +
                                           " needs a promised date (YYYY-MM-DD, not in the past)");
          }
          material->status = MaterialStatus::kDeferred;
          material->promised_date = FormatIsoDate(*date);
        }
        for (const auto& m : c.materials) {
          if (!m.essential && m.status == MaterialStatus::kMissing) {
            throw Invalid("deferrals", "the missing material '" + m.name + "' (seq " +
                                           std::to_string(m.seq) +
                                           ") needs a promised date (容缺)");
          }
        }
        auto calendar = calendar_.Current();
        c.accepted_at = now;
        c.clock = ClockAtAcceptance(*calendar, now, c.committed_days, options_.at_risk_share_left);
        if (!c.steps.empty()) {
          std::vector<StepPlan> plan;
          for (const auto& s : c.steps) {
            plan.push_back({s.order, 0});
          }
          // Each step's own limit comes from its item; the bundle caps them all.
          auto item_days = [&](const std::string& code) {
            auto item = catalogue_.Item(code);
            return item ? item->committed_days : c.committed_days;
          };
          for (std::size_t i = 0; i < plan.size(); ++i) {
            plan[i].committed_days = item_days(c.steps[i].item_code);
          }
          auto deadlines = PlanStepDeadlines(*calendar, now, c.committed_days, plan);
          for (std::size_t i = 0; i < c.steps.size(); ++i) c.steps[i].deadline = deadlines[i];
        }
      },
      expected_version, keyed);
}

nlohmann::json CaseService::CheckHandoverIdentity(
    const Case& c, const Actor& actor, const std::string& subject, const std::string& id_last4,
    const std::string& refusal_type, nlohmann::json data, std::optional<Moment> device_time,
    const std::function<void(Case&, CaseChange&)>& also) {
  if (id_last4.size() != 4)
    throw Invalid("id_last4", "give the last 4 characters of the ID number");
  const bool matches = IdLast4Matches(c.applicant.id_number, id_last4);
  data["id_last4_matched"] = matches;
  if (matches) return data;
  bool blocked_now = false;
  // CaseScope::Everything: the caller found the case in its own scope already.
  Note(c.tracking_number, CaseScope::Everything(), actor, refusal_type, "identity check failed",
       data, device_time, [&](Case& changed, CaseChange& change) {
         RequireHandoverOpen(change, subject);
         const int failures = change.handover_guesses(subject).failures + 1;
         change.wrong_guess_subject = subject;
         if (failures >= kHandoverMaxWrongGuesses) {
           blocked_now = change.block_subject = true;
           const std::string message = "hand-over blocked after " + std::to_string(failures) +
                                       " wrong ID guesses (" + subject + ")";
           change.new_alert = SupervisorAlert{"identity_blocked", message};
           change.outbox.push_back({"events:alerts",
                                    "identity_blocked",
                                    {{"tracking_number", changed.tracking_number},
                                     {"region_code", changed.region_code},
                                     {"kind", "identity_blocked"},
                                     {"message", message}}});
         }
         if (also) also(changed, change);
       });
  if (blocked_now) {
    throw kernel::ApiError(423, "identity_check_blocked",
                           "too many wrong ID numbers: not handed over; a supervisor of the "
                           "region must unblock the hand-over",
                           "id_last4");
  }
  throw Invalid("id_last4", "the ID number does not match the applicant's: not handed over");
}

void CaseService::RequireHandoverOpen(CaseChange& change, const std::string& subject) {
  if (change.handover_guesses && change.handover_guesses(subject).blocked) {
    throw kernel::ApiError(423, "identity_check_blocked",
                           "the hand-over is blocked after too many wrong ID numbers; a "
                           "supervisor of the region must unblock it",
                           "id_last4");
  }
}

Case CaseService::UnblockHandovers(const std::string& tracking, const Actor& actor,
                                   KeyedWrite* keyed) {
  if (actor.role != Role::kSupervisor && actor.role != Role::kAdmin) {
    throw kernel::Forbidden("supervisors unblock hand-overs");
  }
  return store_.Change(
      NormalizeTrackingNumber(tracking), ScopeOf(actor), [&](Case& c, CaseChange& change) {
        change.clear_handover_guesses = true;
        KeepAnswer(change, keyed);
        Record(c, change, actor, "handover_unblocked", c.state, "", {}, std::nullopt);
      });
}

Case CaseService::HandOver(const std::string& tracking, const Actor& actor,
                           const std::string& recipient, const std::string& id_last4,
                           std::optional<Moment> device_time, KeyedWrite* keyed) {
  if (recipient.empty() || recipient.size() > 100) {
    throw Invalid("recipient_name", "the recipient's name is required");
  }
  if (id_last4.size() != 4)
    throw Invalid("id_last4", "give the last 4 characters of the ID number");
  const CaseScope scope =
      actor.role == Role::kAgent ? CaseScope{.agent_id = actor.user_id} : ScopeOf(actor);
  auto c = store_.Find(NormalizeTrackingNumber(tracking), scope);
  if (!c) throw kernel::NotFound("no case with this tracking number");
  const std::string subject = CaseHandoverSubject();
  auto data = CheckHandoverIdentity(*c, actor, subject, id_last4, "handover_refused",
                                    {{"recipient", recipient}}, device_time);
  // The link starts at the one handing over; one who did not hold the result (the agent kept
  // it instead of leaving it at the window) is recorded as a discrepancy, never refused: the
  // applicant has the result in hand by now.
  const Actor recipient_party{Role::kApplicant, 0, recipient, "", ""};
  Transition(c->tracking_number, scope, actor, CaseAction::kHandOver, "", data, device_time,
             [&](Case& handed, CaseChange& change) {
               RequireHandoverOpen(change, subject);
               change.event_data["custody"] =
                   GiveLink(change.CustodySoFar(), handed, actor, recipient_party);
             });
  // Delivered in person means done: the case closes and the applicant may rate it. The answer
  // is kept with this last step.
  return Transition(c->tracking_number, CaseScope::Everything(),
                    {Role::kSystem, 0, "daiban", "", ""}, CaseAction::kClose, "handed over", {},
                    std::nullopt, {}, std::nullopt, keyed);
}

Case CaseService::Reject(const std::string& tracking, const Actor& actor, const std::string& reason,
                         std::optional<int> expected_version, KeyedWrite* keyed) {
  if (reason.empty()) throw Invalid("reason", "a rejection needs a reason");
  return Transition(tracking, ScopeOf(actor), actor, CaseAction::kReject, reason, {}, std::nullopt,
                    {}, expected_version, keyed);
}

Case CaseService::Suspend(const std::string& tracking, const Actor& actor,
                          const std::string& reason, std::optional<int> expected_version,
                          KeyedWrite* keyed) {
  if (reason.empty()) throw Invalid("reason", "a suspension needs a reason");
  return Transition(tracking, ScopeOf(actor), actor, CaseAction::kSuspend, reason, {}, std::nullopt,
                    {}, expected_version, keyed);
}

Case CaseService::Resume(const std::string& tracking, const Actor& actor, const std::string& reason,
                         std::optional<int> expected_version, KeyedWrite* keyed) {
  return Transition(tracking, ScopeOf(actor), actor, CaseAction::kResume, reason, {}, std::nullopt,
                    {}, expected_version, keyed);
}

Case CaseService::ApplicantChange(const std::string& tracking, const std::string& code,
                                  const std::string& client_address,
                                  const std::function<void(Case&, CaseChange&)>& apply) {
  Case c = ReadAsApplicant(tracking, code, client_address);
  return store_.Change(c.tracking_number, CaseScope::Everything(), apply);
}

Case CaseService::Cancel(const std::string& tracking, const std::string& code,
                         const std::string& client_address, const std::string& reason) {
  Case c = ReadAsApplicant(tracking, code, client_address);
  Actor applicant{Role::kApplicant, 0, c.applicant.name, "", ""};
  return Transition(c.tracking_number, CaseScope::Everything(), applicant, CaseAction::kCancel,
                    reason, {}, std::nullopt);
}

void CaseService::NeedSupplement(Case& c, int seq) {
  auto material = std::find_if(c.materials.begin(), c.materials.end(),
                               [&](const auto& m) { return m.seq == seq; });
  if (material == c.materials.end()) {
    throw Invalid("material_seq", "the case has no material " + std::to_string(seq));
  }
  material->status = MaterialStatus::kMissing;
  material->supplied_at.reset();
}

Case CaseService::SupplyMaterial(const std::string& tracking, const std::string& code,
                                 const std::string& client_address, int seq) {
  bool supplement_done = false;
  auto supplied = ApplicantChange(tracking, code, client_address, [&](Case& c, CaseChange& change) {
    if (!IsOpen(c.state) || c.state == CaseState::kResultReady ||
        c.state == CaseState::kOutForDelivery) {
      throw kernel::Conflict("case_finished",
                             "materials can no longer be supplied (current "
                             "state: " +
                                 ToWord(c.state) + ")",
                             "state");
    }
    auto material = std::find_if(c.materials.begin(), c.materials.end(),
                                 [&](const auto& m) { return m.seq == seq; });
    if (material == c.materials.end()) {
      throw Invalid("seq", "the case has no material " + std::to_string(seq));
    }
    if (!material->IsMissing()) {
      throw kernel::Conflict("material_not_missing",
                             "material " + std::to_string(seq) + " is not missing", "seq");
    }
    // After acceptance only a supplement request leaves a material plainly missing (容缺 ones
    // are deferred): the last of them supplied ends the suspension it caused.
    const bool requested = material->status == MaterialStatus::kMissing;
    material->status = MaterialStatus::kSupplied;
    material->supplied_at = Now();
    Actor applicant{Role::kApplicant, 0, c.applicant.name, "", ""};
    Record(c, change, applicant, "material_supplied", c.state, "",
           {{"seq", seq}, {"name", material->name}}, std::nullopt);
    supplement_done = requested && c.state == CaseState::kSuspended &&
                      std::none_of(c.materials.begin(), c.materials.end(), [](const auto& m) {
                        return m.status == MaterialStatus::kMissing;
                      });
  });
  if (!supplement_done) return supplied;
  return Transition(supplied.tracking_number, CaseScope::Everything(),
                    {Role::kSystem, 0, "daiban", "", ""}, CaseAction::kResume, "补正材料已提交", {},
                    std::nullopt);
}

Case CaseService::Rate(const std::string& tracking, const std::string& code,
                       const std::string& client_address, int score, const std::string& comment) {
  if (score < 1 || score > 5) throw Invalid("score", "score must be 1..5");
  if (comment.size() > 2000) throw Invalid("comment", "comment is too long");
  return ApplicantChange(tracking, code, client_address, [&](Case& c, CaseChange& change) {
    if (c.state != CaseState::kDelivered && c.state != CaseState::kClosed) {
      throw kernel::Conflict("not_delivered",
                             "a case can be rated once delivered or closed "
                             "(current state: " +
                                 ToWord(c.state) + ")",
                             "state");
    }
    if (c.rating) throw kernel::Conflict("already_rated", "the case was rated already", "score");
    const Moment now = Now();
    c.rating = Rating{score, comment, now};
    change.new_rating = c.rating;
    Actor applicant{Role::kApplicant, 0, c.applicant.name, "", ""};
    Record(c, change, applicant, "rated", c.state, "", {{"score", score}}, std::nullopt);
    if (score <= options_.bad_rating_at_most) {
      auto due = calendar_.Current()->CommittedDeadline(now, options_.followup_working_days);
      change.new_followup = Followup{c.region_code, now, due.deadline};
    }
  });
}

CaseService::Changes CaseService::ChangesSince(const Actor& user, std::int64_t since, int limit) {
  if (limit < 1 || limit > kMaxChangesPerCall) {
    throw kernel::BadRequest("limit must be 1.." + std::to_string(kMaxChangesPerCall), "limit");
  }
  Changes changes{{}, since, false};
  // One event more than asked tells whether the next call has anything to read.
  auto events = store_.AgentEventsAfter(user.user_id, since, limit + 1);
  if (static_cast<int>(events.size()) > limit) {
    events.resize(static_cast<std::size_t>(limit));
    changes.more = true;
  }
  for (const auto& event : events) {
    changes.cursor = std::max(changes.cursor, event.event_id);
    auto seen = std::find_if(changes.touched.begin(), changes.touched.end(),
                             [&](const auto& t) { return t.first == event.tracking_number; });
    if (seen == changes.touched.end()) {
      changes.touched.emplace_back(event.tracking_number, event.still_assigned);
    } else {
      seen->second = event.still_assigned;
    }
  }
  return changes;
}

}  // namespace daiban::cases
