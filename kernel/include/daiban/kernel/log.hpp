#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daiban/kernel/clock.hpp"

namespace spdlog {
class logger;
}

namespace daiban::kernel {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

LogLevel ParseLogLevel(std::string_view text);  // throws ConfigError

// Builds one log line: a JSON object with time, level, service, request_id (when known),
// msg and the caller's fields. Every line of the project goes through here so each one is
// valid JSON whatever the message holds (quotes, newlines, invalid UTF-8 are escaped or
// replaced). Callers must not put personal data in fields; see mask.hpp.
std::string FormatLogLine(Instant time, LogLevel level, std::string_view service,
                          std::string_view request_id, std::string_view message,
                          const nlohmann::json& fields);

// A thread-safe JSON-lines logger writing to standard output.
class Logger {
 public:
  Logger(std::string service, LogLevel min_level, const Clock& clock);
  ~Logger();

  void Log(LogLevel level, std::string_view message, const nlohmann::json& fields = {},
           std::string_view request_id = {}) const;
  void Debug(std::string_view m, const nlohmann::json& f = {}, std::string_view rid = {}) const {
    Log(LogLevel::kDebug, m, f, rid);
  }
  void Info(std::string_view m, const nlohmann::json& f = {}, std::string_view rid = {}) const {
    Log(LogLevel::kInfo, m, f, rid);
  }
  void Warn(std::string_view m, const nlohmann::json& f = {}, std::string_view rid = {}) const {
    Log(LogLevel::kWarn, m, f, rid);
  }
  void Error(std::string_view m, const nlohmann::json& f = {}, std::string_view rid = {}) const {
    Log(LogLevel::kError, m, f, rid);
  }
  const std::string& Service() const { return service_; }

 private:
  std::string service_;
  LogLevel min_level_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> sink_;
};

}  // namespace daiban::kernel
