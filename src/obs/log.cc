#include "obs/log.h"

#include <unistd.h>

#include <cerrno>

#include "core/time_format.h"

namespace ag {

Result<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return InvalidArgumentError("must be one of debug, info, warn, error");
}

void Logger::Log(LogLevel level, std::string_view msg, LogFields fields) {
  if (!Enabled(level)) return;
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};
  Json line = Json::object();
  line["ts"] = FormatIso8601(clock_.Now());
  line["level"] = kNames[static_cast<int>(level)];
  line["msg"] = msg;
  for (const auto& [key, value] : fields) line[std::string(key)] = value;
  std::string text = DumpJson(line);
  text.push_back('\n');
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing log
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace ag
