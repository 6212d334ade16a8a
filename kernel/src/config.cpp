#include "daiban/kernel/config.hpp"

#include <cstdlib>
#include <string_view>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {

namespace {

std::optional<std::string> FromProcessEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

[[noreturn]] void Fail(const std::string& name, const std::string& value,
                       const std::string& expected) {
  throw ConfigError(name + "='" + value + "' is invalid: expected " + expected);
}

}  // namespace

Env::Env() : lookup_(FromProcessEnvironment) {}

std::string Env::String(const std::string& name, const std::string& fallback) const {
  auto value = lookup_(name);
  if (!value || value->empty()) return fallback;
  return *value;
}

std::int64_t Env::Int(const std::string& name, std::int64_t fallback, std::int64_t min,
                      std::int64_t max) const {
  auto value = lookup_(name);
  if (!value || value->empty()) return fallback;
  const std::string expected =
      "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::size_t used = 0;
  long long parsed = 0;
  try {
    parsed = std::stoll(*value, &used, 10);
  } catch (const std::exception&) {
    Fail(name, *value, expected);
  }
  if (used != value->size() || parsed < min || parsed > max) Fail(name, *value, expected);
  return parsed;
}

std::uint16_t Env::Port(const std::string& name, std::uint16_t fallback) const {
  return static_cast<std::uint16_t>(Int(name, fallback, 1, 65535));
}

std::chrono::milliseconds Env::Millis(const std::string& name, std::int64_t fallback_ms,
                                      std::int64_t min_ms, std::int64_t max_ms) const {
  return std::chrono::milliseconds(Int(name, fallback_ms, min_ms, max_ms));
}

bool Env::Bool(const std::string& name, bool fallback) const {
  auto value = lookup_(name);
  if (!value || value->empty()) return fallback;
  if (*value == "1" || *value == "true" || *value == "yes" || *value == "on") return true;
  if (*value == "0" || *value == "false" || *value == "no" || *value == "off") return false;
  Fail(name, *value, "one of 1, true, yes, on, 0, false, no, off");
}

std::string Env::OneOf(const std::string& name, const std::string& fallback,
                       std::initializer_list<std::string> allowed) const {
  std::string value = String(name, fallback);
  std::string listed;
  for (const auto& option : allowed) {
    if (value == option) return value;
    listed += (listed.empty() ? "" : ", ") + option;
  }
  Fail(name, value, "one of " + listed);
}

}  // namespace daiban::kernel
