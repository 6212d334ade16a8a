#include "daiban/mobile/phone_wakeups.hpp"

#include <charconv>
#include <string_view>
#include <tuple>

namespace daiban::mobile {

namespace {

// How often expired waits are looked for: a wait's timeout is met to within this.
constexpr std::chrono::milliseconds kExpiryTick{100};

// The kinds migration 0022 notifies; a phone told all of them reads everything it shows.
const std::vector<std::string>& EveryKind() {
  static const std::vector<std::string> kinds{"offer", "case", "delivery"};
  return kinds;
}

bool ParseNumber(std::string_view text, std::int64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

// `kind:user_id:ms` -> its three parts; false for anything else.
bool ParsePayload(std::string_view payload, std::string* kind, std::int64_t* user,
                  std::int64_t* ms) {
  auto first = payload.find(':');
  if (first == std::string_view::npos) return false;
  auto second = payload.find(':', first + 1);
  if (second == std::string_view::npos) return false;
  *kind = std::string(payload.substr(0, first));
  return ParseNumber(payload.substr(first + 1, second - first - 1), user) &&
         ParseNumber(payload.substr(second + 1), ms);
}

}  // namespace

PhoneWakeups::PhoneWakeups(WallClock wall) : wall_(std::move(wall)) {
  listening_since_ = NowMs();
  for (const auto& kind : EveryKind()) {
    wake_.emplace(std::piecewise_construct, std::forward_as_tuple(kind), std::forward_as_tuple());
  }
}

PhoneWakeups::~PhoneWakeups() { Stop(); }

std::int64_t PhoneWakeups::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(wall_().time_since_epoch()).count();
}

std::int64_t PhoneWakeups::TokenOf(std::int64_t user) const {
  auto heard = heard_.find(user);
  return heard == heard_.end() ? listening_since_
                               : std::max(listening_since_, heard->second.latest);
}

std::vector<std::string> PhoneWakeups::ChangesSince(std::int64_t user,
                                                    std::optional<std::int64_t> since) const {
  auto heard = heard_.find(user);
  if (!since || *since < listening_since_ || heard == heard_.end()) return EveryKind();
  std::vector<std::string> changes;
  // Never empty: Wait asks only when `since` is older than the user's token, which is then the
  // token of their latest change, of some kind.
  for (const auto& [kind, token] : heard->second.by_kind) {
    if (token > *since) changes.push_back(kind);
  }
  return changes;
}

void PhoneWakeups::Notify(const std::string& payload) {
  std::vector<std::pair<Reply, Outcome>> answers;
  std::string kind;
  std::int64_t user = 0;
  std::int64_t changed_ms = 0;
  if (!payload.empty() && !ParsePayload(payload, &kind, &user, &changed_ms)) return;
  {
    std::lock_guard lock(mutex_);
    const std::int64_t now = NowMs();
    if (payload.empty()) {
      // Whatever was sent while the listener was away is lost: every phone reads again, and a
      // token from before now can no longer be trusted.
      listening_since_ = now;
      for (auto& [waiting_user, waiter] : waiters_) {
        answers.emplace_back(std::move(waiter.reply), Outcome{true, now, EveryKind()});
      }
      waiters_.clear();
    } else {
      // Each change heard gets a newer token than the last, even within one millisecond: a
      // phone that read after the first and waits with its token must still see the second.
      auto& heard = heard_[user];
      heard.latest = std::max(heard.latest + 1, now);
      heard.by_kind[kind] = heard.latest;
      auto [from, to] = waiters_.equal_range(user);
      for (auto it = from; it != to; ++it) {
        answers.emplace_back(std::move(it->second.reply), Outcome{true, TokenOf(user), {kind}});
      }
      waiters_.erase(from, to);
    }
  }
  if (!answers.empty() && !payload.empty()) {
    auto histogram = wake_.find(kind);
    if (histogram != wake_.end()) {
      double seconds = static_cast<double>(NowMs() - changed_ms) / 1000.0;
      for (std::size_t i = 0; i < answers.size(); ++i) histogram->second.Observe(seconds);
    }
  }
  for (auto& [reply, outcome] : answers) reply(outcome);
}

void PhoneWakeups::Wait(std::int64_t user, std::optional<std::int64_t> since,
                        std::chrono::milliseconds timeout, Reply reply) {
  Outcome at_once;
  {
    std::lock_guard lock(mutex_);
    const std::int64_t known = TokenOf(user);
    if (!stopped_ && since && *since >= known) {
      waiters_.emplace(user,
                       Waiter{user, std::chrono::steady_clock::now() + timeout, std::move(reply)});
      return;
    }
    at_once = stopped_ ? Outcome{true, NowMs(), EveryKind()}
                       : Outcome{true, known, ChangesSince(user, since)};
  }
  reply(at_once);
}

void PhoneWakeups::Start() {
  std::lock_guard lock(mutex_);
  if (running_ || stopped_) return;
  running_ = true;
  timer_ = std::thread([this] { ExpireLoop(); });
}

void PhoneWakeups::ExpireLoop() {
  std::unique_lock lock(mutex_);
  while (!stopped_) {
    changed_.wait_for(lock, kExpiryTick);
    auto now = std::chrono::steady_clock::now();
    std::vector<std::pair<Reply, Outcome>> answers;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.expires <= now) {
        answers.emplace_back(std::move(it->second.reply), Outcome{false, TokenOf(it->first)});
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    if (answers.empty()) continue;
    lock.unlock();
    for (auto& [reply, outcome] : answers) reply(outcome);
    lock.lock();
  }
}

void PhoneWakeups::Stop() {
  std::vector<Reply> replies;
  std::int64_t now = NowMs();
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [user, waiter] : waiters_) replies.push_back(std::move(waiter.reply));
    waiters_.clear();
  }
  changed_.notify_all();
  if (timer_.joinable()) timer_.join();
  for (auto& reply : replies) reply(Outcome{true, now, EveryKind()});
}

std::size_t PhoneWakeups::Waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

void PhoneWakeups::ReportTo(kernel::Metrics::Writer& writer) const {
  for (const auto& [kind, histogram] : wake_) {
    histogram.ReportTo(writer, "daiban_phone_wake_seconds",
                       "From a committed change (its row's write) to the waiting phone's request "
                       "answered",
                       "change=\"" + kind + "\"");
  }
  writer.Gauge("daiban_phone_waiting", "Phones' wait requests held open",
               static_cast<double>(Waiting()));
}

}  // namespace daiban::mobile
