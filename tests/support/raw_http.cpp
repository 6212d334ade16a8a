#include "raw_http.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace daiban::testing {

namespace {

using Clock = std::chrono::steady_clock;

int Connect(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    throw std::runtime_error("cannot resolve " + host);
  }
  int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  int rc = connect(fd, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (rc != 0) {
    close(fd);
    throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port));
  }
  return fd;
}

void SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (413): read what it said
    sent += static_cast<std::size_t>(n);
  }
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Parses as much as has arrived; true when one complete response is in `buffer`.
bool ParseResponse(const std::string& buffer, bool closed, RawResponse* out) {
  auto head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  std::string head = buffer.substr(0, head_end);
  std::size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  auto space = status_line.find(' ');
  if (space == std::string::npos) return false;
  out->status = std::atoi(status_line.c_str() + space + 1);
  out->headers.clear();
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(pos, next - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      out->headers[Lower(line.substr(0, colon))] = value;
    }
    pos = next + 2;
  }
  std::string rest = buffer.substr(head_end + 4);
  auto length = out->headers.find("content-length");
  if (length != out->headers.end()) {
    std::size_t want = std::stoul(length->second);
    if (rest.size() < want) return false;
    out->body = rest.substr(0, want);
    return true;
  }
  auto encoding = out->headers.find("transfer-encoding");
  if (encoding != out->headers.end() && Lower(encoding->second) == "chunked") {
    std::string body;
    std::size_t at = 0;
    for (;;) {
      auto eol = rest.find("\r\n", at);
      if (eol == std::string::npos) return false;
      std::size_t size = std::stoul(rest.substr(at, eol - at), nullptr, 16);
      if (size == 0) break;
      if (rest.size() < eol + 2 + size + 2) return false;
      body += rest.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
    out->body = body;
    return true;
  }
  if (!closed) return false;
  out->body = rest;
  return true;
}

}  // namespace

std::optional<std::string> RawResponse::Header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

RawResponse SendRaw(const std::string& host, std::uint16_t port, const std::string& request,
                    std::chrono::milliseconds timeout, std::chrono::milliseconds pause,
                    const std::string& after_pause) {
  auto started = Clock::now();
  int fd = Connect(host, port);
  SendAll(fd, request);
  if (pause.count() > 0) {
    std::this_thread::sleep_for(pause);
    if (!after_pause.empty()) SendAll(fd, after_pause);
  }
  RawResponse response;
  std::string buffer;
  bool closed = false;
  auto deadline = started + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      response.timed_out = true;
      break;
    }
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    char chunk[65536];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed = true;
    } else {
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    if (ParseResponse(buffer, closed, &response)) break;
    if (closed) break;
  }
  close(fd);
  response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return response;
}

RawResponse Request(const std::string& host, std::uint16_t port, const std::string& method,
                    const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers,
                    std::chrono::milliseconds timeout) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    request += name + ": " + value + "\r\n";
    if (Lower(name) == "content-type") has_type = true;
  }
  if (!body.empty() && !has_type) request += "Content-Type: application/json\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  request += body;
  return SendRaw(host, port, request, timeout);
}

std::string RequiredEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(name +
                             " is not set: run the tests through `make test`, which starts "
                             "PostgreSQL, Redis, the services and the gateway");
  }
  return value;
}

std::uint16_t RequiredPortEnv(const std::string& name) {
  return static_cast<std::uint16_t>(std::stoi(RequiredEnv(name)));
}

}  // namespace daiban::testing
