#include "daiban/intake/intake_service.hpp"

#include "daiban/host/auth.hpp"
#include "daiban/intake/calendar_api.hpp"
#include "daiban/intake/catalogue_api.hpp"
#include "daiban/intake/pg_calendar_repository.hpp"
#include "daiban/intake/pg_catalogue_repository.hpp"

namespace daiban::intake {

void WireIntake(host::ServiceHost& host) {
  kernel::Env env;
  auto& routes = host.Server().Routes();

  auto& accounts = host.Make<host::PgAccountRepository>(host.Pg());
  auto& auth = host.Make<host::AuthService>(accounts, host.Redis(), host.Clock(), host.Ids(),
                                            host::LoadAuthOptions(env));
  host::AddAuthRoutes(routes, auth);

  auto& catalogue_store = host.Make<PgCatalogueRepository>(host.Pg());
  auto& catalogue = host.Make<CatalogueService>(catalogue_store, host.Clock());
  AddCatalogueRoutes(routes, catalogue);

  auto& calendar_store = host.Make<PgCalendarRepository>(host.Pg());
  auto& calendar = host.Make<CalendarService>(
      calendar_store, host.Clock(),
      ParseOfficeHours(env.String("DAIBAN_OFFICE_HOURS", "09:00-17:00")));
  AddCalendarRoutes(routes, calendar);
}

}  // namespace daiban::intake
