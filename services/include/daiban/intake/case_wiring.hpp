#pragma once

#include "daiban/cases/case_service.hpp"
#include "daiban/host/auth.hpp"
#include "daiban/host/service_host.hpp"
#include "daiban/intake/calendar_service.hpp"
#include "daiban/intake/catalogue_service.hpp"
#include "daiban/intake/pg_catalogue_repository.hpp"

namespace daiban::intake {

// The parts every process that changes cases is built from: sign-in, the catalogue, the
// working-day calendar and the case use cases over PostgreSQL. Intake, dispatch and the
// mobile gateway all wire them here, so a case changes state through one piece of code
// whichever process calls it.
struct CaseParts {
  host::AuthService& auth;
  PgCatalogueRepository& catalogue_store;
  CatalogueService& catalogue;
  CalendarService& calendar;
  cases::CaseService& cases;
};

CaseParts WireCaseParts(host::ServiceHost& host, const kernel::Env& env);

}  // namespace daiban::intake
