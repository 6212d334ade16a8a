#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace daiban::testing {

// An HTTP/1.1 exchange over a plain socket, so tests can send exactly the bytes they mean,
// malformed ones included, and see exactly what comes back.
struct RawResponse {
  int status = 0;                              // 0: the connection closed without a status line
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
  std::optional<std::string> Header(const std::string& lowercase_name) const;
};

// Sends `request` verbatim and reads one response (by Content-Length, or until close).
// Optionally waits `pause` after `request` and then sends `after_pause` (slow clients).
RawResponse SendRaw(const std::string& host, std::uint16_t port, const std::string& request,
                    std::chrono::milliseconds timeout,
                    std::chrono::milliseconds pause = std::chrono::milliseconds(0),
                    const std::string& after_pause = {});

// A well-formed request with Host, Content-Length and Connection: close.
RawResponse Request(const std::string& host, std::uint16_t port, const std::string& method,
                    const std::string& target, const std::string& body = {},
                    const std::map<std::string, std::string>& headers = {},
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));

// The value of an environment variable the test stack must provide. A missing one fails the
// test (through an exception), never skips it.
std::string RequiredEnv(const std::string& name);
std::uint16_t RequiredPortEnv(const std::string& name);

}  // namespace daiban::testing
