#include "daiban/db/stream_consumer.hpp"

#include <charconv>
#include <optional>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/log.hpp"
#include "stream_replies.hpp"

namespace daiban::db {

namespace {

// A handler's message can be long (a nested exception chain); a dead letter and a log line
// need only its start.
constexpr std::size_t kMaxErrorLength = 1000;

std::string Shorten(std::string text) {
  if (text.size() > kMaxErrorLength) text.resize(kMaxErrorLength);
  return text;
}

// The message an OutboxRelay entry carries, or why the entry is not one.
std::optional<StreamMessage> Decode(const streams::Entry& entry, std::string& problem) {
  const std::string* outbox_id = entry.Field("outbox_id");
  const std::string* type = entry.Field("type");
  const std::string* payload = entry.Field("payload");
  if (outbox_id == nullptr || type == nullptr || payload == nullptr) {
    problem = "missing outbox_id, type or payload";
    return std::nullopt;
  }
  StreamMessage message;
  message.id = entry.id;
  const char* end = outbox_id->data() + outbox_id->size();
  auto [parsed_to, error] = std::from_chars(outbox_id->data(), end, message.outbox_id);
  if (error != std::errc() || parsed_to != end) {
    problem = "outbox_id is not an integer";
    return std::nullopt;
  }
  message.payload = nlohmann::json::parse(*payload, nullptr, false);
  if (message.payload.is_discarded()) {
    problem = "payload is not JSON";
    return std::nullopt;
  }
  message.type = *type;
  if (const std::string* aggregate = entry.Field("aggregate")) message.aggregate = *aggregate;
  if (const std::string* at = entry.Field("at")) message.at = *at;
  return message;
}

}  // namespace

StreamConsumer::StreamConsumer(RedisPool& redis, std::string stream, std::string group,
                               std::string consumer, Handler handler, const kernel::Logger& logger,
                               Options options)
    : redis_(redis),
      stream_(std::move(stream)),
      group_(std::move(group)),
      consumer_(std::move(consumer)),
      handler_(std::move(handler)),
      logger_(logger),
      options_(options) {}

void StreamConsumer::EnsureGroup() {
  RedisValue reply = redis_.Command({"XGROUP", "CREATE", stream_, group_, "0", "MKSTREAM"});
  if (reply.kind == RedisValue::Kind::kError && !streams::IsErrorWithCode(reply, "BUSYGROUP")) {
    streams::ThrowErrorReply(reply, "XGROUP CREATE");
  }
}

RedisValue StreamConsumer::Call(const std::vector<std::string>& argv, const char* command) {
  RedisValue reply = redis_.Command(argv);
  if (streams::IsErrorWithCode(reply, "NOGROUP")) {
    // The stream key or the group is gone (Redis flushed or restarted empty, the key deleted):
    // recreate both and carry on; what the lost stream held is rebuilt from PostgreSQL.
    logger_.Warn("stream group missing, recreating it",
                 {{"stream", stream_}, {"group", group_}, {"consumer", consumer_}});
    EnsureGroup();
    claim_cursor_ = "0-0";
    failures_.clear();
    reply = redis_.Command(argv);
  }
  if (reply.kind == RedisValue::Kind::kError) streams::ThrowErrorReply(reply, command);
  return reply;
}

int StreamConsumer::RunOnce() {
  const std::string count = std::to_string(options_.count);
  int handled = 0;
  last_run_failed_ = false;
  if (options_.dead_consumer_idle.count() > 0 &&
      (!heartbeat_sent_ ||
       std::chrono::steady_clock::now() - last_heartbeat_ >= options_.dead_consumer_idle / 3)) {
    Heartbeat();
  }

  // (1) Ours from earlier: "0" reads this consumer's pending list instead of new messages. A
  // restarted process under its stable name finds there what it had read before it died.
  if (own_pending_maybe_) {
    auto own = streams::ParseReadGroup(
        Call({"XREADGROUP", "GROUP", group_, consumer_, "COUNT", count, "STREAMS", stream_, "0"},
             "XREADGROUP"));
    const bool whole_list = own.size() < static_cast<std::size_t>(options_.count);
    own_pending_maybe_ = false;  // a failure below sets it again
    int done = HandleAll(own);
    handled += done;
    if (!whole_list) own_pending_maybe_ = true;  // more to read at the next run
  }

  // (2) Those of consumers that died or stopped acknowledging, at most every claim_every.
  const auto now = std::chrono::steady_clock::now();
  if (!claimed_once_ || options_.claim_every.count() == 0 ||
      now - last_claim_ >= options_.claim_every) {
    claimed_once_ = true;
    last_claim_ = now;
    if (options_.dead_consumer_idle.count() > 0) handled += ClaimFromDeadConsumers();
    // The cursor moves through the group's pending list across runs so a long list is scanned
    // piece by piece.
    RedisValue claim =
        Call({"XAUTOCLAIM", stream_, group_, consumer_, std::to_string(options_.claim_idle.count()),
              claim_cursor_, "COUNT", count},
             "XAUTOCLAIM");
    if (claim.kind != RedisValue::Kind::kArray || claim.elements.size() < 2 ||
        !streams::IsText(claim.elements[0])) {
      streams::ThrowUnexpected("XAUTOCLAIM");
    }
    claim_cursor_ = claim.elements[0].text;
    auto claimed = streams::ParseEntries(claim.elements[1], "XAUTOCLAIM");
    // Redis 7 also lists pending ids whose entries were trimmed away; it drops them itself.
    std::size_t vanished = claim.elements.size() > 2 ? claim.elements[2].elements.size() : 0;
    if (!claimed.empty() || vanished > 0) {
      claimed_ += claimed.size();
      logger_.Info("claimed messages from idle consumers", {{"stream", stream_},
                                                            {"group", group_},
                                                            {"consumer", consumer_},
                                                            {"count", claimed.size()},
                                                            {"trimmed", vanished}});
    }
    handled += HandleAll(claimed);
  }

  // (3) New messages. BLOCK 0 would mean "forever", so no BLOCK at all when not blocking; and
  // no waiting while older work may be left (a takeover or a retry keeps its turn).
  std::vector<std::string> read = {"XREADGROUP", "GROUP", group_, consumer_, "COUNT", count};
  if (options_.block.count() > 0 && handled == 0 && !own_pending_maybe_) {
    read.push_back("BLOCK");
    read.push_back(std::to_string(options_.block.count()));
  }
  read.insert(read.end(), {"STREAMS", stream_, ">"});
  handled += HandleAll(streams::ParseReadGroup(Call(read, "XREADGROUP")), true);
  return handled;
}

namespace {

// XINFO CONSUMERS gives each consumer as a flat [field, value, ...] array.
const RedisValue* InfoField(const RedisValue& consumer, std::string_view field) {
  for (std::size_t i = 0; i + 1 < consumer.elements.size(); i += 2) {
    if (streams::IsText(consumer.elements[i]) && consumer.elements[i].text == field) {
      return &consumer.elements[i + 1];
    }
  }
  return nullptr;
}

// Milliseconds since the Unix epoch at which Redis stored an entry: the first part of its id.
std::int64_t EntryMillis(const std::string& id) {
  std::int64_t ms = 0;
  std::from_chars(id.data(), id.data() + id.size(), ms);
  return ms;
}

}  // namespace

std::string StreamConsumer::HeartbeatKey(const std::string& consumer) const {
  return stream_ + ":alive:" + group_ + ":" + consumer;
}

void StreamConsumer::Heartbeat() {
  if (options_.dead_consumer_idle.count() <= 0) return;
  Call({"SET", HeartbeatKey(consumer_), "1", "PX",
        std::to_string(options_.dead_consumer_idle.count())},
       "SET");
  heartbeat_sent_ = true;
  last_heartbeat_ = std::chrono::steady_clock::now();
}

int StreamConsumer::ClaimFromDeadConsumers() {
  const std::string idle = std::to_string(options_.dead_consumer_idle.count());
  RedisValue consumers = Call({"XINFO", "CONSUMERS", stream_, group_}, "XINFO");
  if (consumers.kind != RedisValue::Kind::kArray) streams::ThrowUnexpected("XINFO CONSUMERS");
  int handled = 0;
  for (const auto& consumer : consumers.elements) {
    const RedisValue* name = InfoField(consumer, "name");
    const RedisValue* pending = InfoField(consumer, "pending");
    if (name == nullptr || pending == nullptr || name->text == consumer_ || pending->integer == 0) {
      continue;
    }
    if (Call({"EXISTS", HeartbeatKey(name->text)}, "EXISTS").integer != 0) continue;  // alive
    RedisValue listed = Call({"XPENDING", stream_, group_, "IDLE", idle, "-", "+",
                              std::to_string(options_.count), name->text},
                             "XPENDING");
    std::vector<std::string> argv = {"XCLAIM", stream_, group_, consumer_, idle};
    for (const auto& item : listed.elements) {
      if (!item.elements.empty() && streams::IsText(item.elements[0])) {
        argv.push_back(item.elements[0].text);
      }
    }
    if (argv.size() == 5) continue;
    // The minimum idle time makes the claim safe against a peer doing the same: a message one
    // of us took has been delivered just now and is no longer idle for the other.
    auto claimed = streams::ParseEntries(Call(argv, "XCLAIM"), "XCLAIM");
    if (claimed.empty()) continue;
    claimed_ += claimed.size();
    logger_.Warn("took over the messages of a dead consumer", {{"stream", stream_},
                                                               {"group", group_},
                                                               {"consumer", consumer_},
                                                               {"dead_consumer", name->text},
                                                               {"count", claimed.size()}});
    handled += HandleAll(claimed);
  }
  return handled;
}

int StreamConsumer::HandleAll(const std::vector<streams::Entry>& entries, bool fresh) {
  int handled = 0;
  if (fresh && !entries.empty()) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    for (const auto& entry : entries) {
      publish_to_read_.Observe(static_cast<double>(now_ms - EntryMillis(entry.id)) / 1000.0);
    }
  }
  for (const auto& entry : entries) {
    if (entry.deleted) {
      // Trimmed (MAXLEN) before it was acknowledged: nothing left to hand over.
      logger_.Warn("pending stream message was trimmed before it was handled",
                   {{"stream", stream_}, {"group", group_}, {"id", entry.id}});
      Ack(entry.id);
      failures_.erase(entry.id);
      continue;
    }
    if (Handle(entry)) ++handled;
  }
  return handled;
}

bool StreamConsumer::Handle(const streams::Entry& entry) {
  std::string problem;
  std::optional<StreamMessage> message = Decode(entry, problem);
  if (!message) {
    // Retrying cannot make it readable.
    logger_.Error("malformed stream message dead-lettered",
                  {{"stream", stream_}, {"group", group_}, {"id", entry.id}, {"error", problem}});
    DeadLetter(entry, "malformed: " + problem);
    return false;
  }
  std::string error;
  const auto started = std::chrono::steady_clock::now();
  try {
    handler_(*message);
  } catch (const kernel::DependencyUnavailable& unavailable) {
    // Every following message would fail the same way: stop, keep them all pending, and do
    // not count it against the message.
    ++failed_;
    own_pending_maybe_ = true;
    last_run_failed_ = true;
    logger_.Warn("stream handling postponed: dependency unavailable",
                 {{"stream", stream_},
                  {"group", group_},
                  {"id", entry.id},
                  {"outbox_id", message->outbox_id},
                  {"dependency", unavailable.Dependency()},
                  {"detail", unavailable.Detail()}});
    throw;
  } catch (const std::exception& failure) {
    error = Shorten(failure.what());
  } catch (...) {
    error = "unknown exception";
  }
  if (error.empty()) {
    handling_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    Ack(entry.id);
    failures_.erase(entry.id);
    ++handled_;
    return true;
  }

  ++failed_;
  own_pending_maybe_ = true;  // it stays pending: read it again at the next run
  last_run_failed_ = true;
  // Entries claimed away by other consumers leave stale counts here; a cap keeps that bounded.
  if (failures_.size() > 10000) failures_.clear();
  int failures = ++failures_[entry.id];
  nlohmann::json fields = {{"stream", stream_},
                           {"group", group_},
                           {"consumer", consumer_},
                           {"id", entry.id},
                           {"outbox_id", message->outbox_id},
                           {"type", message->type},
                           {"failures", failures},
                           {"error", error}};
  if (failures >= options_.max_failures) {
    logger_.Error("stream handler failed; message dead-lettered", fields);
    DeadLetter(entry, error);
    failures_.erase(entry.id);
  } else {
    logger_.Warn("stream handler failed; message will be retried", fields);
  }
  return false;
}

void StreamConsumer::DeadLetter(const streams::Entry& entry, const std::string& error) {
  std::vector<std::string> argv = {
      "XADD", DeadLetterStream(), "MAXLEN", "~", std::to_string(options_.dead_letter_max_length),
      "*"};
  for (const auto& [field, value] : entry.fields) {
    argv.push_back(field);
    argv.push_back(value);
  }
  argv.insert(argv.end(), {"source_id", entry.id, "group", group_, "consumer", consumer_, "error",
                           Shorten(error)});
  // Written before the acknowledgement: a crash in between leaves a duplicate dead letter
  // rather than a lost message.
  Call(argv, "XADD");
  Ack(entry.id);
  ++dead_lettered_;
}

void StreamConsumer::Ack(const std::string& id) {
  // 0 acknowledged (the stream was deleted meanwhile) is fine: nothing is left pending.
  Call({"XACK", stream_, group_, id}, "XACK");
}

void StreamConsumer::ReportTo(kernel::Metrics::Writer& writer) const {
  // A process may run several consumers of one group (readers side by side): one series each.
  std::string labels = "stream=\"" + kernel::PromLabel(stream_) + "\",group=\"" +
                       kernel::PromLabel(group_) + "\",consumer=\"" + kernel::PromLabel(consumer_) +
                       "\"";
  writer.Counter("daiban_stream_messages_handled_total", "Stream messages handled and acknowledged",
                 static_cast<double>(handled_.load()), labels);
  writer.Counter("daiban_stream_handler_failures_total",
                 "Stream handler failures (the message stays pending)",
                 static_cast<double>(failed_.load()), labels);
  writer.Counter("daiban_stream_messages_dead_lettered_total",
                 "Stream messages moved to the dead-letter stream",
                 static_cast<double>(dead_lettered_.load()), labels);
  writer.Counter("daiban_stream_messages_claimed_total",
                 "Stream messages taken over from idle consumers",
                 static_cast<double>(claimed_.load()), labels);
  publish_to_read_.ReportTo(writer, "daiban_stream_publish_to_read_seconds",
                            "From an event's entry in Redis (its id's time) to this group's read",
                            labels);
  handling_.ReportTo(writer, "daiban_stream_handling_seconds",
                     "From reading an event to its handler done (decision and commit included)",
                     labels);
}

}  // namespace daiban::db
