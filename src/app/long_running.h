// What the long-running commands (`serve`, `worker`) share: the configuration checked, SIGINT
// and SIGTERM blocked so that the main thread takes them with sigwait (every thread started
// later inherits the mask), SIGPIPE ignored, and the services built.
#pragma once

#include <signal.h>

#include <memory>

#include "app/config.h"
#include "app/wiring.h"
#include "core/clock.h"
#include "core/retry_policy.h"
#include "obs/log.h"

namespace ag {

class LongRunning {
 public:
  // Null after printing why (exit code in `exit_code`: 2 for the configuration, 1 otherwise).
  static std::unique_ptr<LongRunning> Start(Config config, int* exit_code);

  // Blocks until SIGINT or SIGTERM, and logs "shutting down" with it.
  void WaitForSignal();

  const Config& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  Logger& log() { return log_; }
  Services& services() { return *services_; }

 private:
  explicit LongRunning(Config config);

  Config config_;
  SystemClock clock_;
  Logger log_;
  SeededRandom random_;
  sigset_t signals_{};
  std::unique_ptr<Services> services_;
};

}  // namespace ag
