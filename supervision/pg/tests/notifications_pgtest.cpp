// The notification sender against a real PostgreSQL and a webhook receiver started in the
// test: signed delivery, retries with backoff, giving up, the log sink, unknown channels, and
// the claim lease. Time moves only by the ManualClock; RunOnce is driven directly.
#include <gtest/gtest.h>

#include <mutex>
#include <pqxx/pqxx>
#include <sstream>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/http_server.hpp"
#include "daiban/kernel/metrics.hpp"
#include "daiban/supervision/notifications.hpp"
#include "daiban/supervision/pg/notification_sinks.hpp"
#include "daiban/supervision/pg/pg_notification_store.hpp"
#include "scratch_database.hpp"

namespace daiban::supervision {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "webhook-secret-for-tests";
constexpr const char* kPhone = "13800001234";
constexpr const char* kMaskedPhone = "138****1234";

// What the receiver was sent, as it arrived.
struct Received {
  std::string body;
  std::string content_type;
  std::string signature;
  std::string delivery;
  std::string timestamp;
};

// A webhook receiver on a free loopback port that answers with a status the test sets.
class Receiver {
 public:
  Receiver() {
    server_ = std::make_unique<kernel::HttpServer>(kernel::HttpServerOptions{.port = 0}, logger_,
                                                   metrics_, clock_, ids_);
    server_->Routes().Add(
        "POST", "/hook",
        [this](const kernel::HttpRequest& request) {
          std::lock_guard lock(mutex_);
          received_.push_back({request.body, request.Header("content-type").value_or(""),
                               request.Header("x-daiban-signature").value_or(""),
                               request.Header("x-daiban-delivery").value_or(""),
                               request.Header("x-daiban-timestamp").value_or("")});
          return kernel::HttpResponse::WithJson(status_, {{"ok", status_ < 300}});
        },
        kernel::RouteOptions{.blocking = false});
    server_->Start();
  }
  ~Receiver() { server_->Stop(); }

  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_->Port()) + "/hook";
  }
  void AnswerWith(int status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  std::vector<Received> Requests() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  kernel::SystemClock clock_;
  kernel::SeededIdGenerator ids_{11};
  kernel::Logger logger_{"receiver", kernel::LogLevel::kError, clock_};
  kernel::Metrics metrics_{"receiver"};
  std::unique_ptr<kernel::HttpServer> server_;
  std::mutex mutex_;
  int status_ = 200;
  std::vector<Received> received_;
};

// A stored row as the tests check it.
struct Row {
  std::string state;
  int attempts = 0;
  double next_attempt_at = 0;
  std::string last_error;
  bool has_sent_at = false;
};

class NotificationsPgTest : public ::testing::Test {
 protected:
  NotificationsPgTest() {
    database_.Migrate();
    pool_ = std::make_unique<db::PgPool>(db::PgOptions{.url = database_.Url(), .pool_size = 2});
    store_ = std::make_unique<PgNotificationStore>(*pool_, kLease);
  }

  std::int64_t Enqueue(const std::string& channel,
                       nlohmann::json data = {{"tracking_number", "DB2026000001"}}) {
    NotificationDraft draft{.case_id = std::nullopt,
                            .channel = channel,
                            .recipient = kPhone,
                            .recipient_masked = kMaskedPhone,
                            .template_name = "case_accepted",
                            .data = std::move(data)};
    std::int64_t id = 0;
    pool_->Transact(
        [&](pqxx::dbtransaction& tx) { id = EnqueueNotification(tx, draft, clock_.Now()); });
    return id;
  }

  Row Load(std::int64_t id) {
    Row row;
    pool_->Read([&](pqxx::transaction_base& tx) {
      auto result = tx.exec_params(
          "SELECT state, attempts, extract(epoch FROM next_attempt_at)::float8, last_error, "
          "sent_at IS NOT NULL FROM notifications WHERE id = $1",
          id);
      row = {result[0][0].as<std::string>(), result[0][1].as<int>(), result[0][2].as<double>(),
             result[0][3].as<std::string>(), result[0][4].as<bool>()};
    });
    return row;
  }

  double Epoch(kernel::Instant moment) const { return db::EpochSeconds(moment); }

  std::unique_ptr<NotificationSender> Sender(std::unique_ptr<NotificationSink> sink,
                                             NotificationSender::Options options = {}) {
    std::vector<std::unique_ptr<NotificationSink>> sinks;
    sinks.push_back(std::move(sink));
    return std::make_unique<NotificationSender>(*store_, std::move(sinks), clock_, logger_,
                                                options);
  }
  std::unique_ptr<NotificationSender> WebhookSender(const std::string& url,
                                                    NotificationSender::Options options = {}) {
    return Sender(std::make_unique<WebhookSink>(url, kSecret, clock_, 5000ms), options);
  }

  static constexpr std::chrono::seconds kLease{600};
  db::testing::ScratchDatabase database_;
  kernel::ManualClock clock_{kernel::Instant(std::chrono::seconds(1790000000))};
  kernel::Logger logger_{"test", kernel::LogLevel::kError, clock_};
  std::unique_ptr<db::PgPool> pool_;
  std::unique_ptr<PgNotificationStore> store_;
};

TEST(NotificationSignature, IsStandardHmacSha256) {
  // RFC 4231 test cases 2 (short key) and 6 (key longer than a block).
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Whoever builds the sender, it never signs with an empty key (which anyone could forge).
TEST(WebhookSinkStart, RefusesAnEmptySecretOrUrl) {
  kernel::ManualClock clock{kernel::Instant{}};
  EXPECT_THROW(WebhookSink("http://127.0.0.1:9/hook", "", clock, 5000ms), kernel::ConfigError);
  EXPECT_THROW(WebhookSink("", kSecret, clock, 5000ms), kernel::ConfigError);
  EXPECT_NO_THROW(WebhookSink("http://127.0.0.1:9/hook", kSecret, clock, 5000ms));
}

TEST_F(NotificationsPgTest, WebhookDeliversOnceSignedAndMarksSent) {
  Receiver receiver;
  auto id = Enqueue("webhook", {{"tracking_number", "DB2026000001"}, {"state", "accepted"}});
  auto sender = WebhookSender(receiver.Url());

  EXPECT_EQ(sender->RunOnce(), 1);
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  // The signature covers the timestamp and the body; the timestamp is the sender's clock.
  const auto now = kernel::ToMoment(clock_.Now());
  EXPECT_EQ(request.timestamp, std::to_string(now.time_since_epoch().count()));
  EXPECT_EQ(request.signature,
            "sha256=" + HmacSha256Hex(kSecret, request.timestamp + "." + request.body));
  EXPECT_TRUE(WebhookSignatureValid(kSecret, request.timestamp, request.signature, request.body,
                                    clock_.Now()));
  EXPECT_FALSE(WebhookSignatureValid("another secret", request.timestamp, request.signature,
                                     request.body, clock_.Now()));
  // A receiver refuses the same request replayed after the 5-minute tolerance, or altered.
  EXPECT_TRUE(WebhookSignatureValid(kSecret, request.timestamp, request.signature, request.body,
                                    clock_.Now() + 5min));
  EXPECT_FALSE(WebhookSignatureValid(kSecret, request.timestamp, request.signature, request.body,
                                     clock_.Now() + 5min + 1s));
  EXPECT_FALSE(WebhookSignatureValid(kSecret, request.timestamp, request.signature,
                                     request.body + " ", clock_.Now()));
  const std::string later = std::to_string(now.time_since_epoch().count() + 60);
  EXPECT_FALSE(
      WebhookSignatureValid(kSecret, later, request.signature, request.body, clock_.Now() + 60s));
  EXPECT_EQ(request.delivery, std::to_string(id));
  EXPECT_EQ(request.content_type, "application/json");
  auto body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body["id"], id);
  EXPECT_TRUE(body["case_id"].is_null());
  EXPECT_EQ(body["template"], "case_accepted");
  EXPECT_EQ(body["recipient"], kPhone);
  EXPECT_EQ(body["data"]["tracking_number"], "DB2026000001");
  EXPECT_EQ(body["attempt"], 1);

  auto row = Load(id);
  EXPECT_EQ(row.state, "sent");
  EXPECT_EQ(row.attempts, 1);
  EXPECT_TRUE(row.has_sent_at);

  // Sent is final: not delivered again, not even after the claim lease.
  EXPECT_EQ(sender->RunOnce(), 0);
  clock_.Advance(kLease + 1s);
  EXPECT_EQ(sender->RunOnce(), 0);
  EXPECT_EQ(receiver.Requests().size(), 1u);
}

TEST_F(NotificationsPgTest, FailingReceiverIsRetriedWithBackoffThenGivenUp) {
  Receiver receiver;
  receiver.AnswerWith(500);
  auto id = Enqueue("webhook");
  auto sender =
      WebhookSender(receiver.Url(), {.max_attempts = 3, .base_backoff = 30s, .max_backoff = 3600s});

  EXPECT_EQ(sender->RunOnce(), 1);
  auto row = Load(id);
  EXPECT_EQ(row.state, "pending");
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NEAR(row.next_attempt_at, Epoch(clock_.Now() + 30s), 0.01);
  EXPECT_NE(row.last_error.find("500"), std::string::npos);

  // Not due before its backoff has passed.
  EXPECT_EQ(sender->RunOnce(), 0);
  clock_.Advance(29s);
  EXPECT_EQ(sender->RunOnce(), 0);
  clock_.Advance(1s);
  EXPECT_EQ(sender->RunOnce(), 1);
  row = Load(id);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_NEAR(row.next_attempt_at, Epoch(clock_.Now() + 60s), 0.01);  // doubled

  clock_.Advance(60s);
  EXPECT_EQ(sender->RunOnce(), 1);
  row = Load(id);
  EXPECT_EQ(row.state, "given_up");
  EXPECT_EQ(row.attempts, 3);
  EXPECT_FALSE(row.has_sent_at);

  clock_.Advance(24h);
  EXPECT_EQ(sender->RunOnce(), 0);
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 3u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(requests[i].body)["attempt"], i + 1);
    EXPECT_EQ(requests[i].delivery, std::to_string(id));  // stable: receivers deduplicate on it
    EXPECT_EQ(requests[i].signature,
              "sha256=" + HmacSha256Hex(kSecret, requests[i].timestamp + "." + requests[i].body));
  }
}

TEST_F(NotificationsPgTest, ReceiverThatRecoversGetsTheNotification) {
  Receiver receiver;
  receiver.AnswerWith(503);
  auto id = Enqueue("webhook");
  auto sender = WebhookSender(receiver.Url());
  EXPECT_EQ(sender->RunOnce(), 1);
  receiver.AnswerWith(204);
  clock_.Advance(30s);
  EXPECT_EQ(sender->RunOnce(), 1);
  auto row = Load(id);
  EXPECT_EQ(row.state, "sent");
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(row.last_error, "");
}

TEST_F(NotificationsPgTest, UnreachableReceiverCountsAsAFailedAttempt) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto id = Enqueue("webhook");
  auto sender = WebhookSender("http://127.0.0.1:1/hook");
  EXPECT_EQ(sender->RunOnce(), 1);
  auto row = Load(id);
  EXPECT_EQ(row.state, "pending");
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NE(row.last_error.find("webhook"), std::string::npos);
}

TEST_F(NotificationsPgTest, BackoffDoublesUpToItsCap) {
  auto sender =
      WebhookSender("http://127.0.0.1:1/hook", {.base_backoff = 30s, .max_backoff = 3600s});
  EXPECT_EQ(sender->Backoff(1), 30s);
  EXPECT_EQ(sender->Backoff(2), 60s);
  EXPECT_EQ(sender->Backoff(5), 480s);
  EXPECT_EQ(sender->Backoff(8), 3600s);
  EXPECT_EQ(sender->Backoff(1000), 3600s);
}

TEST_F(NotificationsPgTest, LogSinkLogsTheMaskedRecipientOnly) {
  kernel::Logger sink_logger("intake", kernel::LogLevel::kInfo, clock_);
  auto id = Enqueue("log");
  std::vector<std::unique_ptr<NotificationSink>> sinks;
  sinks.push_back(std::make_unique<LogSink>(sink_logger));
  NotificationSender sender(*store_, std::move(sinks), clock_, sink_logger);

  ::testing::internal::CaptureStdout();
  int handled = sender.RunOnce();
  std::string output = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(Load(id).state, "sent");
  EXPECT_EQ(output.find(kPhone), std::string::npos);

  nlohmann::json line;
  std::istringstream lines(output);
  for (std::string text; std::getline(lines, text);) {
    auto parsed = nlohmann::json::parse(text);
    if (parsed["msg"] == "notification") line = parsed;
  }
  ASSERT_TRUE(line.is_object()) << output;
  EXPECT_EQ(line["recipient"], kMaskedPhone);
  EXPECT_EQ(line["notification_id"], id);
  EXPECT_EQ(line["template"], "case_accepted");
  EXPECT_EQ(line["data"]["tracking_number"], "DB2026000001");
}

TEST_F(NotificationsPgTest, UnknownChannelIsGivenUpAtOnce) {
  auto id = Enqueue("sms");
  auto sender = Sender(std::make_unique<LogSink>(logger_));
  EXPECT_EQ(sender->RunOnce(), 1);
  auto row = Load(id);
  EXPECT_EQ(row.state, "given_up");
  EXPECT_EQ(row.attempts, 0);
  EXPECT_NE(row.last_error.find("sms"), std::string::npos);
}

TEST_F(NotificationsPgTest, AClaimHidesRowsUntilItsLeaseEnds) {
  auto id = Enqueue("log");
  auto first = store_->ClaimDue(clock_.Now(), 10);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, id);
  EXPECT_EQ(first[0].recipient, kPhone);
  EXPECT_EQ(first[0].attempts, 0);
  EXPECT_FALSE(first[0].case_id.has_value());
  // A second sender sees nothing while the first one holds the claim...
  EXPECT_TRUE(store_->ClaimDue(clock_.Now(), 10).empty());
  clock_.Advance(kLease - 1s);
  EXPECT_TRUE(store_->ClaimDue(clock_.Now(), 10).empty());
  // ...and takes the row over when the first one died without recording anything.
  clock_.Advance(1s);
  EXPECT_EQ(store_->ClaimDue(clock_.Now(), 10).size(), 1u);
}

TEST_F(NotificationsPgTest, BatchesAreLimited) {
  for (int i = 0; i < 3; ++i) Enqueue("log");
  auto sender = Sender(std::make_unique<LogSink>(logger_), {.batch = 2});
  EXPECT_EQ(sender->RunOnce(), 2);
  EXPECT_EQ(sender->RunOnce(), 1);
  EXPECT_EQ(sender->RunOnce(), 0);
}

TEST_F(NotificationsPgTest, EnqueueCommitsOrRollsBackWithTheCallersTransaction) {
  NotificationDraft draft{.case_id = std::nullopt,
                          .channel = "log",
                          .recipient = kPhone,
                          .recipient_masked = kMaskedPhone,
                          .template_name = "case_accepted",
                          .data = nlohmann::json::object()};
  EXPECT_THROW(pool_->Transact([&](pqxx::dbtransaction& tx) {
    EnqueueNotification(tx, draft, clock_.Now());
    throw std::runtime_error("the case change failed");
  }),
               std::runtime_error);
  EXPECT_TRUE(store_->ClaimDue(clock_.Now(), 10).empty());
  pool_->Transact([&](pqxx::dbtransaction& tx) { EnqueueNotification(tx, draft, clock_.Now()); });
  auto claimed = store_->ClaimDue(clock_.Now(), 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_TRUE(claimed[0].data.is_object());
  EXPECT_TRUE(claimed[0].data.empty());
  EXPECT_EQ(claimed[0].created_at, clock_.Now());
}

}  // namespace
}  // namespace daiban::supervision
