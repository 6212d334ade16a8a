#include "daiban/intake/case_wiring.hpp"

#include "daiban/cases/pg_case_store.hpp"
#include "daiban/intake/case_adapters.hpp"
#include "daiban/intake/notification_settings.hpp"
#include "daiban/intake/pg_calendar_repository.hpp"

namespace daiban::intake {

CaseParts WireCaseParts(host::ServiceHost& host, const kernel::Env& env) {
  auto& accounts = host.Make<host::PgAccountRepository>(host.Pg());
  auto& auth = host.Make<host::AuthService>(accounts, host.Redis(), host.Clock(), host.Ids(),
                                            host::LoadAuthOptions(env));
  auto& catalogue_store = host.Make<PgCatalogueRepository>(host.Pg());
  auto& catalogue = host.Make<CatalogueService>(catalogue_store, host.Clock());
  auto& calendar_store = host.Make<PgCalendarRepository>(host.Pg());
  auto& calendar = host.Make<CalendarService>(
      calendar_store, host.Clock(),
      ParseOfficeHours(env.String("DAIBAN_OFFICE_HOURS", "09:00-17:00")));
  auto& case_catalogue = host.Make<CatalogueForCases>(catalogue_store);
  auto& case_store = host.Make<cases::PgCaseStore>(
      host.Pg(), cases::PgCaseStoreOptions{
                     .notice_channel = LoadNotificationSettings(env).channel});
  auto& guesses = host.Make<RedisGuessLimiter>(
      host.Redis(), static_cast<int>(env.Int("DAIBAN_CASE_LOOKUP_MAX_FAILURES", 20, 1, 100000)),
      std::chrono::seconds(env.Int("DAIBAN_CASE_LOOKUP_WINDOW_S", 900, 1, 86400)));
  cases::CaseServiceOptions options;
  options.at_risk_share_left =
      static_cast<double>(env.Int("DAIBAN_AT_RISK_PERCENT", 25, 1, 99)) / 100.0;
  auto& case_service = host.Make<cases::CaseService>(case_store, case_catalogue, calendar, guesses,
                                                     host.Clock(), host.Ids(), options);
  return {auth, catalogue_store, catalogue, calendar, case_service};
}

}  // namespace daiban::intake
