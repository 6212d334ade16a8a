#include "daiban/kernel/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {

namespace {

constexpr const char* kLevelNames[] = {"debug", "info", "warn", "error"};

std::string Rfc3339Utc(Instant time) {
  using namespace std::chrono;
  auto millis = duration_cast<milliseconds>(time.time_since_epoch()).count() % 1000;
  std::time_t seconds = system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03lldZ", static_cast<long long>(millis));
  return buffer;
}

}  // namespace

LogLevel ParseLogLevel(std::string_view text) {
  for (int i = 0; i < 4; ++i) {
    if (text == kLevelNames[i]) return static_cast<LogLevel>(i);
  }
  throw ConfigError("log level '" + std::string(text) +
                    "' is invalid: expected one of debug, info, warn, error");
}

std::string FormatLogLine(Instant time, LogLevel level, std::string_view service,
                          std::string_view request_id, std::string_view message,
                          const nlohmann::json& fields) {
  nlohmann::ordered_json line;
  line["time"] = Rfc3339Utc(time);
  line["level"] = kLevelNames[static_cast<int>(level)];
  line["service"] = service;
  if (!request_id.empty()) line["request_id"] = request_id;
  line["msg"] = message;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      if (!line.contains(key)) line[key] = value;
    }
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Logger::Logger(std::string service, LogLevel min_level, const Clock& clock)
    : service_(std::move(service)),
      min_level_(min_level),
      clock_(clock),
      sink_(std::make_shared<spdlog::logger>(service_,
                                             std::make_shared<spdlog::sinks::stdout_sink_mt>())) {
  // The line is complete JSON already; spdlog only writes it out, thread-safely.
  sink_->set_pattern("%v");
  sink_->set_level(spdlog::level::trace);
  sink_->flush_on(spdlog::level::trace);
}

Logger::~Logger() = default;

void Logger::Log(LogLevel level, std::string_view message, const nlohmann::json& fields,
                 std::string_view request_id) const {
  if (level < min_level_) return;
  sink_->info(FormatLogLine(clock_.Now(), level, service_, request_id, message, fields));
}

}  // namespace daiban::kernel
