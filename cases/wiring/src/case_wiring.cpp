#include "daiban/cases/wiring/case_wiring.hpp"

#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/pg/redis_guess_limiter.hpp"
#include "daiban/cases/wiring/notification_settings.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/pg/pg_boundary_store.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"

namespace daiban::cases {

CaseParts WireCaseParts(runtime::ServiceHost& host, const kernel::Env& env) {
  auto& accounts = host.Make<accounts::PgAccountStore>(host.Pg());
  auto& auth_state = host.Make<accounts::RedisAuthState>(host.Redis());
  auto& auth = host.Make<accounts::AuthService>(accounts, auth_state, auth_state, host.Clock(),
                                                host.Ids(), accounts::LoadAuthOptions(env));
  auto& catalogue_store = host.Make<catalogue::PgCatalogueStore>(host.Pg());
  auto& catalogue = host.Make<catalogue::CatalogueService>(catalogue_store, host.Clock());
  auto& calendar_store = host.Make<catalogue::PgCalendarStore>(host.Pg());
  auto& calendar = host.Make<catalogue::CalendarService>(
      calendar_store, host.Clock(),
      catalogue::ParseOfficeHours(env.String("DAIBAN_OFFICE_HOURS", "09:00-17:00")));
  auto& boundary_store = host.Make<catalogue::PgBoundaryStore>(host.Pg());
  auto& case_catalogue = host.Make<catalogue::CatalogueForCases>(catalogue_store, &boundary_store);
  auto& case_store = host.Make<PgCaseStore>(
      host.Pg(), PgCaseStoreOptions{.notice_channel = LoadNotificationSettings(env).channel});
  auto& guesses = host.Make<RedisGuessLimiter>(
      host.Redis(), static_cast<int>(env.Int("DAIBAN_CASE_LOOKUP_MAX_FAILURES", 20, 1, 100000)),
      std::chrono::seconds(env.Int("DAIBAN_CASE_LOOKUP_WINDOW_S", 900, 1, 86400)));
  CaseServiceOptions options;
  options.at_risk_share_left =
      static_cast<double>(env.Int("DAIBAN_AT_RISK_PERCENT", 25, 1, 99)) / 100.0;
  auto& case_service = host.Make<CaseService>(case_store, case_catalogue, calendar, guesses,
                                              host.Clock(), host.Ids(), options);
  return {auth, catalogue_store, catalogue, calendar, case_service, case_catalogue};
}

Actor ActorOf(const accounts::Principal& p) {
  // An account's role is one of the platform's staff roles: the actor acts in it.
  return {p.role, p.user_id, p.name, p.region_code, p.department_code};
}

}  // namespace daiban::cases
