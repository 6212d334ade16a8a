#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/runtime/service_host.hpp"

namespace daiban::cases {

// The parts every process that changes cases is built from: sign-in, the catalogue, the
// working-day calendar and the case use cases over PostgreSQL. Intake, dispatch and the
// mobile gateway all wire them here, so a case changes state through one piece of code
// whichever process calls it.
struct CaseParts {
  accounts::AuthService& auth;
  catalogue::PgCatalogueStore& catalogue_store;
  catalogue::CatalogueService& catalogue;
  catalogue::CalendarService& calendar;
  CaseService& cases;
  CaseCatalogue& case_catalogue;  // the catalogue as cases ask it, the city's boundaries included
};

CaseParts WireCaseParts(runtime::ServiceHost& host, const kernel::Env& env);

// The caller behind a principal, as the cases library names actors.
Actor ActorOf(const accounts::Principal& principal);

}  // namespace daiban::cases
