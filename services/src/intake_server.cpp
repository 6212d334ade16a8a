#include "daiban/intake/intake_server.hpp"

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/device_auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/accounts/pg/pg_api_key_store.hpp"
#include "daiban/accounts/pg/redis_api_key_limiter.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/pg/pg_case_store.hpp"
#include "daiban/cases/pg/pg_service_request_reader.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/cases/wiring/notification_settings.hpp"
#include "daiban/catalogue/case_terms.hpp"
#include "daiban/catalogue/pg/pg_boundary_store.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/db/outbox_relay.hpp"
#include "daiban/db/pg_listener.hpp"
#include "daiban/intake/auth_api.hpp"
#include "daiban/intake/calendar_api.hpp"
#include "daiban/intake/case_api.hpp"
#include "daiban/intake/catalogue_api.hpp"
#include "daiban/intake/open311_api.hpp"
#include "daiban/intake/simulation_reports_api.hpp"
#include "daiban/intake/supervision_api.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/static_site.hpp"
#include "daiban/runtime/elected_worker.hpp"
#include "daiban/supervision/pg/notification_sinks.hpp"
#include "daiban/supervision/pg/pg_followup_store.hpp"
#include "daiban/supervision/pg/pg_notification_store.hpp"
#include "daiban/supervision/pg/pg_simulation_report_store.hpp"
#include "daiban/supervision/pg/pg_stats_store.hpp"

namespace daiban::intake {

// The supervisor console, compiled in from services/web/console/.
const std::vector<kernel::WebFile>& ConsolePages();
const std::vector<kernel::WebFile>& ApiDocsPages();

namespace {
// Advisory-lock keys electing intake's background workers (any constants unique per worker).
constexpr std::int64_t kNotificationSenderLock = 0x6461'6962'616e'0101;
constexpr std::int64_t kOutboxRelayLock = 0x6461'6962'616e'0102;
constexpr std::int64_t kStatsRollupLock = 0x6461'6962'616e'0103;
}  // namespace

void WireIntake(runtime::ServiceHost& host) {
  kernel::Env env;
  auto& routes = host.Server().Routes();

  auto parts = cases::WireCaseParts(host, env);
  auto& auth = parts.auth;
  auto& catalogue = parts.catalogue;
  auto& case_service = parts.cases;
  AddAuthRoutes(routes, auth);
  // A lost phone: supervisors (within their scope) and administrators revoke its device.
  auto& devices = host.Make<accounts::DeviceAuth>(
      auth, host.Make<accounts::PgDeviceTokenStore>(host.Pg()), host.Clock(), host.Ids());
  routes.Add("POST", "/api/v1/auth/devices/revoke",
             [&auth, &devices](const kernel::HttpRequest& request) {
               // A supervisor reaches the phones of its scope's agents and couriers only.
               auto scope = SupervisionScopeOf(auth.Authenticate(request));
               auto body = request.JsonBody();
               devices.RevokeDevice(scope, kernel::RequireInt(body, "user_id"),
                                    kernel::RequireString(body, "device_id"));
               return kernel::HttpResponse::WithJson(200, {{"revoked", true}});
             },
             {.max_body_bytes = 4096, .blocking = true});
  AddCatalogueRoutes(routes, catalogue);
  AddCalendarRoutes(routes, parts.calendar);
  AddCaseRoutes(routes, case_service, auth, host.Clock());
  kernel::AddStaticRoutes(routes, "/console/", ConsolePages());
  kernel::AddStaticRoutes(routes, "/api/docs/", ApiDocsPages());

  // The supervisor console's reads and follow-ups: statistics (考核) and bad-rating follow-ups.
  auto& stats_store = host.Make<supervision::PgStatsStore>(host.Pg());
  auto& stats = host.Make<supervision::StatsService>(stats_store, parts.calendar, host.Clock());
  AddStatsRoutes(routes, stats, auth);
  // The statistics' roll-up (migration 0024): one instance at a time sums the settled cases of
  // the days changed since, so a year's report reads days, not cases. A report never waits
  // for it: a day not rolled up yet is read raw.
  auto& rollup_worker = host.Make<runtime::ElectedWorker>(
      "stats-rollup", kStatsRollupLock, host.Settings().pg.url,
      env.Millis("DAIBAN_STATS_ROLLUP_INTERVAL_MS", 30000, 100, 86400000),
      [&stats] { stats.RollUp(); }, host.Logger());
  host.OnStart([&rollup_worker] { rollup_worker.Start(); });
  auto& followup_store = host.Make<supervision::PgFollowupStore>(host.Pg());
  auto& followups = host.Make<supervision::FollowupService>(followup_store, host.Clock());
  AddFollowupRoutes(routes, followups, auth);
  // Simulated days published by administrators, read by supervisors in the console.
  auto& report_store = host.Make<supervision::PgSimulationReportStore>(host.Pg());
  auto& reports = host.Make<supervision::SimulationReportService>(report_store, host.Clock());
  AddSimulationReportRoutes(routes, reports, auth);

  // The notification sender: one instance at a time delivers what cases enqueued.
  auto& notices = host.Make<supervision::PgNotificationStore>(host.Pg());
  const auto notify = cases::LoadNotificationSettings(env);
  std::vector<std::unique_ptr<supervision::NotificationSink>> sinks;
  sinks.push_back(std::make_unique<supervision::LogSink>(host.Logger()));
  if (notify.channel == "webhook") {
    sinks.push_back(std::make_unique<supervision::WebhookSink>(
        notify.webhook_url, notify.webhook_secret, host.Clock(), notify.webhook_timeout));
  }
  auto& sender = host.Make<supervision::NotificationSender>(notices, std::move(sinks), host.Clock(),
                                                            host.Logger());
  auto& worker = host.Make<runtime::ElectedWorker>(
      "notification-sender", kNotificationSenderLock, host.Settings().pg.url, notify.interval,
      [&sender] {
        while (sender.RunOnce() > 0) {
        }
      },
      host.Logger());
  host.OnStart([&worker] { worker.Start(); });

  // The outbox relay: committed events go to Redis Streams for the other services.
  auto& relay = host.Make<db::OutboxRelay>(host.Pg(), host.Redis(), host.Logger());
  host.Metrics().AddCollector(
      [&relay](kernel::Metrics::Writer& writer) { relay.ReportTo(writer); });
  auto& relay_worker = host.Make<runtime::ElectedWorker>(
      "outbox-relay", kOutboxRelayLock, host.Settings().pg.url,
      env.Millis("DAIBAN_RELAY_INTERVAL_MS", 1000, 10, 600000),
      [&relay] {
        while (relay.RunOnce() > 0) {
        }
      },
      host.Logger());
  // Woken by the outbox trigger's notification as each writing transaction commits; the
  // interval above is only the safety net for a lost notification.
  auto& relay_wakeup = host.Make<db::PgListener>(
      host.Settings().pg.url, db::kOutboxChannel,
      [&relay_worker](const std::string&) { relay_worker.Wake(); }, host.Logger());
  host.OnStart([&relay_worker, &relay_wakeup] {
    relay_worker.Start();
    relay_wakeup.Start();
  });

  // The Open311 GeoReport v2 facade: the same catalogue and case use cases, GeoReport's shapes.
  auto& open311_keys = host.Make<accounts::PgApiKeyStore>(host.Pg());
  auto& open311_requests = host.Make<cases::PgServiceRequestReader>(host.Pg());
  auto& open311_limiter = host.Make<accounts::RedisApiKeyLimiter>(
      host.Redis(), static_cast<int>(env.Int("DAIBAN_OPEN311_KEY_RATE", 60, 1, 1000000000)));
  auto& boundary_store = host.Make<catalogue::PgBoundaryStore>(host.Pg());
  auto& boundaries = host.Make<catalogue::BoundaryService>(boundary_store, parts.catalogue_store);
  AddBoundaryRoutes(routes, boundaries);
  AddOpen311Routes(routes, catalogue, boundaries, case_service, open311_keys, open311_limiter,
                   open311_requests, host.Clock(), host.Logger(),
                   env.String("DAIBAN_OPEN311_URL", "http://127.0.0.1:8080/open311/v2"));
}

}  // namespace daiban::intake
