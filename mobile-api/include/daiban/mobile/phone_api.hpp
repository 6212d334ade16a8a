#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/device_auth.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/progress_service.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/dispatch/app/dispatch_service.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/mobile/app/field_worker_service.hpp"
#include "daiban/mobile/courier_api.hpp"
#include "daiban/mobile/phone_wakeups.hpp"
#include "daiban/mobile/sync/sync_service.hpp"

namespace daiban::mobile {

// What the phone endpoints run on: the accounts, cases, dispatch and catalogue use cases
// in-process, the field workers' own records, and the offline sync.
struct PhoneDeps {
  accounts::AuthService& auth;
  accounts::DeviceAuth& devices;
  cases::CaseService& cases;
  cases::ProgressService& progress;
  SyncService& sync;
  dispatch::DispatchService& dispatch;
  FieldWorkerService& workers;  // the caller's own record and duty, by role
  catalogue::CatalogueService& catalogue;
  const kernel::Clock& clock;
  CourierDeps couriers;
  PhoneWakeups& wakeups;
};

// The task view: what an agent needs on the road (the guide and hall are added by the routes).
// The applicant's phone and address only once the case is the agent's (never on an offer).
// `at_risk` follows cases::Case::RunningUrgency, as the supervisors' board does.
kernel::Json TaskView(const cases::Case& c, cases::Moment now);

// The agents' and couriers' phone API under /mobile/v1/: sign-in with device-bound tokens,
// me and duty, offers, tasks, progress (idempotent, with device time), offline sync, and the
// wait that answers as soon as the phone's offers, tasks or stops change.
void AddPhoneRoutes(kernel::Router& router, PhoneDeps deps);

}  // namespace daiban::mobile
