#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/device_auth.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/dispatch/app/dispatch_service.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/mobile/courier_api.hpp"

namespace daiban::mobile {

// What the phone endpoints run on: the cases, dispatch and catalogue use cases in-process.
struct PhoneDeps {
  accounts::AuthService& auth;
  accounts::DeviceAuth& devices;
  cases::CaseService& cases;
  dispatch::DispatchService& dispatch;
  catalogue::CatalogueService& catalogue;
  db::PgPool& pool;
  const kernel::Clock& clock;
  CourierDeps couriers;
};

// The agents' and couriers' phone API under /mobile/v1/: sign-in with device-bound tokens,
// me and duty, offers, tasks, progress (idempotent, with device time), and offline sync.
void AddPhoneRoutes(kernel::Router& router, PhoneDeps deps);

// A progress kind as the phone names it, and what it does to the case.
struct ProgressKind {
  std::string name;
  bool transition = true;  // false: a timeline note only
};
std::optional<ProgressKind> ParseProgressKind(const std::string& name);

// The order in which an offline batch is applied: by device time (any offset), the order
// sent among equal times; items without a readable time first (each is then refused).
std::vector<std::size_t> SyncApplyOrder(const nlohmann::json& items);

}  // namespace daiban::mobile
