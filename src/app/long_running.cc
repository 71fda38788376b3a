#include "app/long_running.h"

#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <random>

namespace ag {

LongRunning::LongRunning(Config config)
    : config_(std::move(config)),
      log_(clock_, config_.log_level),
      random_(std::random_device{}()) {}

std::unique_ptr<LongRunning> LongRunning::Start(Config config, int* exit_code) {
  if (Status s = CheckSupported(config); !s.ok()) {
    std::fprintf(stderr, "autograder: configuration error: %s\n", s.message().c_str());
    *exit_code = 2;
    return nullptr;
  }
  std::unique_ptr<LongRunning> p(new LongRunning(std::move(config)));
  sigemptyset(&p->signals_);
  sigaddset(&p->signals_, SIGINT);
  sigaddset(&p->signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &p->signals_, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  auto services = BuildServices(p->config_, p->clock_, p->log_, p->random_);
  if (!services.ok()) {
    p->log_.Error("cannot start", {{"error", services.status().ToString()}});
    std::fprintf(stderr, "autograder: cannot start: %s\n", services.status().message().c_str());
    *exit_code = 1;
    return nullptr;
  }
  p->services_ = std::move(services).value();
  *exit_code = 0;
  return p;
}

void LongRunning::WaitForSignal() {
  int received = 0;
  sigwait(&signals_, &received);
  log_.Info("shutting down", {{"signal", strsignal(received)}});
}

}  // namespace ag
