// Structured logs: one JSON object a line on stderr, with the request id or job id of the
// work it belongs to, written with one write(2) so that lines from threads never interleave.
#pragma once

#include <atomic>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "core/clock.h"
#include "core/json.h"
#include "core/status.h"

namespace ag {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

Result<LogLevel> ParseLogLevel(std::string_view name);

using LogFields = std::initializer_list<std::pair<std::string_view, Json>>;

class Logger {
 public:
  Logger(const Clock& clock, LogLevel min_level, int fd = 2)
      : clock_(clock), min_level_(min_level), fd_(fd) {}

  bool Enabled(LogLevel level) const { return level >= min_level_.load(std::memory_order_relaxed); }
  void Log(LogLevel level, std::string_view msg, LogFields fields = {});
  void Debug(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kDebug, msg, fields); }
  void Info(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kInfo, msg, fields); }
  void Warn(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kWarn, msg, fields); }
  void Error(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kError, msg, fields); }

 private:
  const Clock& clock_;
  std::atomic<LogLevel> min_level_;
  int fd_;
};

}  // namespace ag
