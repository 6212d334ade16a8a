#include "daiban/intake/intake_service.hpp"

#include "daiban/cases/case_service.hpp"
#include "daiban/cases/pg_case_store.hpp"
#include "daiban/host/auth.hpp"
#include "daiban/intake/calendar_api.hpp"
#include "daiban/intake/case_adapters.hpp"
#include "daiban/intake/case_api.hpp"
#include "daiban/intake/notification_sinks.hpp"
#include "daiban/intake/open311_api.hpp"
#include "daiban/intake/pg_open311_repository.hpp"
#include "daiban/intake/pg_notification_store.hpp"
#include "daiban/db/outbox_relay.hpp"
#include "daiban/host/elected_worker.hpp"
#include "daiban/intake/catalogue_api.hpp"
#include "daiban/intake/pg_calendar_repository.hpp"
#include "daiban/intake/pg_catalogue_repository.hpp"

namespace daiban::intake {

namespace {
// Advisory-lock keys electing intake's background workers (any constants unique per worker).
constexpr std::int64_t kNotificationSenderLock = 0x6461'6962'616e'0101;
constexpr std::int64_t kOutboxRelayLock = 0x6461'6962'616e'0102;
}  // namespace

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

  auto& case_catalogue = host.Make<CatalogueForCases>(catalogue_store);
  auto& case_store = host.Make<cases::PgCaseStore>(
      host.Pg(), cases::PgCaseStoreOptions{
                     .notice_channel = env.OneOf("DAIBAN_NOTIFY_CHANNEL", "log", {"log", "webhook"})});
  auto& guesses = host.Make<RedisGuessLimiter>(
      host.Redis(), static_cast<int>(env.Int("DAIBAN_CASE_LOOKUP_MAX_FAILURES", 20, 1, 100000)),
      std::chrono::seconds(env.Int("DAIBAN_CASE_LOOKUP_WINDOW_S", 900, 1, 86400)));
  cases::CaseServiceOptions case_options;
  case_options.at_risk_share_left =
      static_cast<double>(env.Int("DAIBAN_AT_RISK_PERCENT", 25, 1, 99)) / 100.0;
  auto& case_service = host.Make<cases::CaseService>(case_store, case_catalogue, calendar, guesses,
                                                     host.Clock(), host.Ids(), case_options);
  AddCaseRoutes(routes, case_service, auth, host.Clock());

  // The notification sender: one instance at a time delivers what cases enqueued.
  auto& notices = host.Make<PgNotificationStore>(host.Pg());
  std::vector<std::unique_ptr<NotificationSink>> sinks;
  sinks.push_back(std::make_unique<LogSink>(host.Logger()));
  std::string webhook_url = env.String("DAIBAN_NOTIFY_WEBHOOK_URL", "");
  if (!webhook_url.empty()) {
    sinks.push_back(std::make_unique<WebhookSink>(
        webhook_url, env.String("DAIBAN_NOTIFY_WEBHOOK_SECRET", ""),
        env.Millis("DAIBAN_NOTIFY_WEBHOOK_TIMEOUT_MS", 5000, 100, 60000)));
  }
  auto& sender = host.Make<NotificationSender>(notices, std::move(sinks), host.Clock(),
                                               host.Logger());
  auto& worker = host.Make<host::ElectedWorker>(
      "notification-sender", kNotificationSenderLock, host.Settings().pg.url,
      env.Millis("DAIBAN_NOTIFY_INTERVAL_MS", 2000, 100, 600000),
      [&sender] {
        while (sender.RunOnce() > 0) {
        }
      },
      host.Logger());
  host.OnStart([&worker] { worker.Start(); });

  // The outbox relay: committed events go to Redis Streams for the other services.
  auto& relay = host.Make<db::OutboxRelay>(host.Pg(), host.Redis(), host.Logger());
  host.Metrics().AddCollector([&relay](kernel::Metrics::Writer& writer) { relay.ReportTo(writer); });
  auto& relay_worker = host.Make<host::ElectedWorker>(
      "outbox-relay", kOutboxRelayLock, host.Settings().pg.url,
      env.Millis("DAIBAN_RELAY_INTERVAL_MS", 200, 10, 600000),
      [&relay] {
        while (relay.RunOnce() > 0) {
        }
      },
      host.Logger());
  host.OnStart([&relay_worker] { relay_worker.Start(); });

  // The Open311 GeoReport v2 facade: the same catalogue and case use cases, GeoReport's shapes.
  auto& open311_keys = host.Make<PgOpen311Repository>(host.Pg());
  AddOpen311Routes(routes, catalogue, case_service, open311_keys, host.Clock(), host.Logger());
}

}  // namespace daiban::intake
