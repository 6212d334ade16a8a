#include "daiban/dispatch/wiring/dispatch_wiring.hpp"

#include "daiban/dispatch/live/live_state.hpp"
#include "daiban/dispatch/pg/pg_dispatch_store.hpp"

namespace daiban::dispatch {

DispatchService& WireDispatchCore(runtime::ServiceHost& host, const kernel::Env& env,
                                  cases::CaseService& case_service) {
  DispatchOptions options;
  options.offers.ttl = std::chrono::seconds(env.Int("DAIBAN_OFFER_TTL_S", 120, 5, 86400));
  options.offers.max_offers_per_case =
      static_cast<int>(env.Int("DAIBAN_OFFER_MAX_PER_CASE", 5, 1, 100));
  options.sla.no_progress_after =
      std::chrono::seconds(env.Int("DAIBAN_SLA_NO_PROGRESS_S", 4 * 3600, 60, 30 * 86400));
  options.sla.auto_reassign = env.Bool("DAIBAN_SLA_AUTO_REASSIGN", false);
  auto& store = host.Make<PgDispatchStore>(host.Pg());
  auto& live = host.Make<RedisLiveState>(host.Redis(), host.Clock());
  auto& dispatch =
      host.Make<DispatchService>(store, case_service, live, host.Clock(), host.Logger(), options);
  return dispatch;
}

}  // namespace daiban::dispatch
