#include "daiban/mobile/mobile_gateway.hpp"

#include "daiban/accounts/device_auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/cases/pg/pg_attachment_store.hpp"
#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/db/pg_listener.hpp"
#include "daiban/dispatch/wiring/dispatch_wiring.hpp"
#include "daiban/mobile/attachment_api.hpp"
#include "daiban/mobile/location_api.hpp"
#include "daiban/mobile/phone_api.hpp"
#include "daiban/mobile/phone_wakeups.hpp"
#include "daiban/mobile/sync/sync_service.hpp"
#include "daiban/runtime/elected_worker.hpp"
#include "daiban/tracking/pg/location_retention.hpp"
#include "daiban/tracking/pg/pg_location_store.hpp"
#include "daiban/tracking/wiring/delivery_wiring.hpp"

namespace daiban::mobile {

namespace {

// The advisory lock of the location retention worker (see intake's and dispatch's for theirs).
constexpr std::int64_t kLocationRetentionLock = 0x6461'6962'616e'0401;

// The sync's view of dispatch: the agent's offers, in-process.
class DispatchOffers final : public SyncOffers {
 public:
  explicit DispatchOffers(dispatch::DispatchService& dispatch) : dispatch_(dispatch) {}
  std::vector<dispatch::OfferRecord> OffersOf(const cases::Actor& agent) override {
    return dispatch_.OffersOf(agent);
  }
  void Accept(std::int64_t offer_id, const cases::Actor& agent) override {
    dispatch_.AcceptOffer(offer_id, agent);
  }
  void Decline(std::int64_t offer_id, const cases::Actor& agent,
               const std::string& reason) override {
    dispatch_.DeclineOffer(offer_id, agent, reason);
  }

 private:
  dispatch::DispatchService& dispatch_;
};

// The sync's view of tracking: a courier's action, as POST /mobile/v1/deliveries/{id}/… does it.
class CourierActions final : public SyncDeliveries {
 public:
  explicit CourierActions(CourierDeps deps) : deps_(deps) {}
  std::string Act(const cases::Actor& courier, std::int64_t delivery_id, const std::string& action,
                  const nlohmann::json& body, std::optional<cases::Moment> device_time,
                  const std::string& key) override {
    return ApplyCourierAction(deps_, courier, delivery_id, action, body, device_time, key).body;
  }

 private:
  CourierDeps deps_;
};

}  // namespace

void WireMobile(runtime::ServiceHost& host) {
  kernel::Env env;
  auto parts = cases::WireCaseParts(host, env);
  auto& dispatch = dispatch::WireDispatchCore(host, env, parts.cases);
  accounts::DeviceAuthOptions device_options;
  device_options.access_ttl =
      std::chrono::seconds(env.Int("DAIBAN_PHONE_ACCESS_TTL_S", 15 * 60, 60, 86400));
  device_options.refresh_ttl =
      std::chrono::seconds(env.Int("DAIBAN_PHONE_REFRESH_TTL_S", 30 * 86400, 3600, 365 * 86400));
  auto& devices = host.Make<accounts::DeviceAuth>(
      parts.auth, host.Make<accounts::PgDeviceTokenStore>(host.Pg()), host.Clock(), host.Ids(),
      device_options);
  auto& deliveries = tracking::WireDeliveryCore(host, env, parts);
  auto& routes = host.Server().Routes();
  CourierDeps couriers{parts.auth, deliveries};
  auto& progress = host.Make<cases::ProgressService>(parts.cases, host.Clock());
  auto& sync = host.Make<SyncService>(parts.cases, progress, host.Make<DispatchOffers>(dispatch),
                                      host.Make<CourierActions>(couriers));
  // Phones' waits are answered from the phone triggers' notifications (migration 0022).
  auto& wakeups = host.Make<PhoneWakeups>();
  auto& phone_listener = host.Make<db::PgListener>(
      host.Settings().pg.url, db::kPhoneChannel,
      [&wakeups](const std::string& payload) { wakeups.Notify(payload); }, host.Logger());
  host.Metrics().AddCollector(
      [&wakeups](kernel::Metrics::Writer& writer) { wakeups.ReportTo(writer); });
  host.OnStart([&wakeups, &phone_listener] {
    wakeups.Start();
    phone_listener.Start();
  });
  // Held waits are answered before the drain waits for in-flight requests: each phone reads
  // again and waits on another instance.
  host.Server().OnDrain([&wakeups] { wakeups.Stop(); });
  auto& workers = host.Make<FieldWorkerService>(dispatch, deliveries);
  AddPhoneRoutes(routes, PhoneDeps{parts.auth, devices, parts.cases, progress, sync, dispatch,
                                   workers, parts.catalogue, host.Clock(), couriers, wakeups});
  AddCourierRoutes(routes, couriers);
  const std::size_t max_photo_bytes = MaxAttachmentBytes(env);
  auto& photos = host.Make<cases::AttachmentService>(
      host.Make<cases::PgAttachmentStore>(host.Pg(), AttachmentFolder(env)), host.Clock(),
      max_photo_bytes);
  AddAttachmentRoutes(routes, parts.cases, photos, parts.auth, max_photo_bytes);
  AddDeliveryPhotoRoute(routes, deliveries, photos, parts.auth, max_photo_bytes);
  auto& locations = host.Make<tracking::PgLocationStore>(
      host.Pg(), host.Redis(), [&city = parts.case_catalogue](double lat, double lng) {
        return city.FarOutsideCity({lat, lng});
      });
  AddLocationRoutes(routes, locations, parts.auth, host.Clock());

  // One instance at a time keeps the fix history bounded: day partitions ahead, old ones dropped.
  auto& retention = host.Make<tracking::LocationRetention>(
      host.Pg(), host.Clock(), tracking::ReadLocationRetentionOptions(env));
  const kernel::Logger& logger = host.Logger();
  auto& retention_worker = host.Make<runtime::ElectedWorker>(
      "location-retention", kLocationRetentionLock, host.Settings().pg.url,
      retention.Options().interval,
      [&retention, &logger] {
        const auto outcome = retention.RunOnce();
        if (outcome.created > 0 || outcome.dropped > 0) {
          logger.Info("location partitions maintained",
                      {{"created", outcome.created}, {"dropped", outcome.dropped}});
        }
      },
      host.Logger());
  host.OnStart([&retention_worker] { retention_worker.Start(); });
}

}  // namespace daiban::mobile
