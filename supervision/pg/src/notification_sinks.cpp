#include "daiban/supervision/pg/notification_sinks.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "daiban/kernel/errors.hpp"

namespace daiban::supervision {

namespace {

void InitLibraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
    // Not thread-safe on every libcurl build: done once, before any transfer.
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl cannot initialise");
    }
  });
}

// The receiver's answer is not used (only its status): read and dropped.
std::size_t Discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// Builds the header list, failing loudly rather than sending a request without a signature.
void Append(std::unique_ptr<curl_slist, ListDeleter>& list, const std::string& header) {
  curl_slist* grown = curl_slist_append(list.get(), header.c_str());
  if (!grown) throw std::runtime_error("webhook: out of memory");
  list.release();
  list.reset(grown);
}

}  // namespace

std::string HmacSha256Hex(std::string_view secret, std::string_view body) {
  InitLibraries();
  // The streaming API takes a key of any length (the one-shot one wants exactly 32 bytes),
  // so any standard HMAC-SHA256 implementation verifies the signature.
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  sodium_memzero(&state, sizeof state);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

std::string WebhookSignature(std::string_view secret, std::int64_t timestamp,
                             std::string_view body) {
  std::string signed_text = std::to_string(timestamp);
  signed_text += '.';
  signed_text += body;
  return HmacSha256Hex(secret, signed_text);
}

bool WebhookSignatureValid(std::string_view secret, std::string_view timestamp_header,
                           std::string_view signature_header, std::string_view body,
                           kernel::Instant now, std::chrono::seconds tolerance) {
  if (secret.empty()) return false;
  std::int64_t timestamp = 0;
  auto [end, error] = std::from_chars(timestamp_header.data(),
                                      timestamp_header.data() + timestamp_header.size(), timestamp);
  if (timestamp_header.empty() || error != std::errc() ||
      end != timestamp_header.data() + timestamp_header.size()) {
    return false;
  }
  const auto at = kernel::Instant(std::chrono::seconds(timestamp));
  if (at > now + tolerance || at < now - tolerance) return false;
  const std::string expected = "sha256=" + WebhookSignature(secret, timestamp, body);
  return signature_header.size() == expected.size() &&
         sodium_memcmp(signature_header.data(), expected.data(), expected.size()) == 0;
}

WebhookSink::WebhookSink(std::string url, std::string secret, const kernel::Clock& clock,
                         std::chrono::milliseconds timeout,
                         std::chrono::milliseconds connect_timeout)
    : url_(std::move(url)),
      secret_(std::move(secret)),
      clock_(clock),
      timeout_(timeout),
      connect_timeout_(std::min(connect_timeout, timeout)) {
  if (url_.empty()) throw kernel::ConfigError("the webhook sink needs a URL");
  // HMAC with an empty key is a signature anyone can make.
  if (secret_.empty()) throw kernel::ConfigError("the webhook sink needs a secret");
  InitLibraries();
}

std::string WebhookSink::Body(const Notification& notification) {
  nlohmann::json body = {
      {"id", notification.id},
      {"case_id", notification.case_id ? nlohmann::json(*notification.case_id) : nullptr},
      {"template", notification.template_name},
      {"recipient", notification.recipient},
      {"data", notification.data},
      {"attempt", notification.attempts + 1}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WebhookSink::Deliver(const Notification& notification) {
  const std::string body = Body(notification);
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) throw std::runtime_error("webhook: cannot create a transfer");
  std::unique_ptr<curl_slist, ListDeleter> headers;
  Append(headers, "Content-Type: application/json");
  // Signed when sent (each retry anew), so the timestamp says when this request left.
  const std::int64_t timestamp = kernel::ToMoment(clock_.Now()).time_since_epoch().count();
  Append(headers, "X-Daiban-Timestamp: " + std::to_string(timestamp));
  Append(headers, "X-Daiban-Signature: sha256=" + WebhookSignature(secret_, timestamp, body));
  Append(headers, "X-Daiban-Delivery: " + std::to_string(notification.id));
  // libcurl would otherwise wait for "100 Continue" on larger bodies, which some servers
  // (Pistache among them) never send.
  Append(headers, "Expect:");

  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  // Timeouts by signal would hit whatever thread the signal lands on.
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);

  CURLcode result = curl_easy_perform(handle);
  if (result != CURLE_OK) {
    // curl's own text names the failure (refused, timed out) without the body or recipient.
    throw std::runtime_error(std::string("webhook: ") + curl_easy_strerror(result));
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    throw std::runtime_error("webhook: receiver answered " + std::to_string(status));
  }
}

void LogSink::Deliver(const Notification& notification) {
  logger_.Info("notification",
               {{"notification_id", notification.id},
                {"case_id", notification.case_id ? nlohmann::json(*notification.case_id) : nullptr},
                {"channel", notification.channel},
                {"template", notification.template_name},
                {"recipient", notification.recipient_masked},
                {"data", notification.data},
                {"attempt", notification.attempts + 1}});
}

}  // namespace daiban::supervision
