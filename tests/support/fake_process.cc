#include "support/fake_process.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "support/server_process.h"

namespace ag::testing {

FakeProcess::FakeProcess(std::string script, std::vector<std::string> extra_args)
    : script_(std::move(script)), extra_args_(std::move(extra_args)) {}

FakeProcess::~FakeProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    WaitFor(pid_, std::chrono::seconds(10));
  }
}

bool FakeProcess::Start() {
  std::vector<std::string> args = {"/usr/bin/python3", script_, "--host",      "127.0.0.1",
                                   "--port",           "0",     "--port-file", dir_.File("port")};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = Spawn(args, {}, dir_.File("log"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = ReadFile(dir_.File("port"));
    if (!text.empty()) {
      port_ = std::atoi(text.c_str());
      return port_ > 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string FakeProcess::log() const { return ReadFile(dir_.File("log")); }

}  // namespace ag::testing
