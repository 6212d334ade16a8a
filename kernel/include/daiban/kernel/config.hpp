#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace daiban::kernel {

// Reads typed settings from environment variables. Every getter takes the documented default
// and throws ConfigError naming the variable when a set value is malformed or out of range,
// so a service stops at start instead of running half-configured. The lookup is injected so
// tests need not touch the process environment.
class Env {
 public:
  using Lookup = std::function<std::optional<std::string>(const std::string&)>;

  Env();  // reads the process environment
  explicit Env(Lookup lookup) : lookup_(std::move(lookup)) {}

  std::string String(const std::string& name, const std::string& fallback) const;
  std::int64_t Int(const std::string& name, std::int64_t fallback, std::int64_t min,
                   std::int64_t max) const;
  std::uint16_t Port(const std::string& name, std::uint16_t fallback) const;
  std::chrono::milliseconds Millis(const std::string& name, std::int64_t fallback_ms,
                                   std::int64_t min_ms, std::int64_t max_ms) const;
  bool Bool(const std::string& name, bool fallback) const;
  // One of `allowed` (exact match); the message lists them.
  std::string OneOf(const std::string& name, const std::string& fallback,
                    std::initializer_list<std::string> allowed) const;

 private:
  Lookup lookup_;
};

}  // namespace daiban::kernel
