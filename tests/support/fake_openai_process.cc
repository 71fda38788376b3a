#include "support/fake_openai_process.h"

#include <signal.h>

#include <chrono>
#include <thread>

#include "support/server_process.h"

namespace ag::testing {

FakeOpenAi::FakeOpenAi(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {}

FakeOpenAi::~FakeOpenAi() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    WaitFor(pid_, std::chrono::seconds(10));
  }
}

bool FakeOpenAi::Start() {
  std::vector<std::string> args = {"/usr/bin/python3", AG_FAKE_OPENAI,   "--host",
                                   "127.0.0.1",        "--port",         "0",
                                   "--port-file",      dir_.File("port")};
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

std::string FakeOpenAi::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

std::string FakeOpenAi::log() const { return ReadFile(dir_.File("log")); }

bool FakeOpenAi::ScriptChat(const Json& steps) const {
  return HttpClient(port_).PostJson("/_fake/script", Json{{"chat", steps}}).status == 200;
}

Json FakeOpenAi::Stats() const { return HttpClient(port_).Get("/_fake/stats").json(); }

Json FakeOpenAi::Requests() const { return HttpClient(port_).Get("/_fake/requests").json(); }

int FakeOpenAi::ChatRequests() const {
  const Json s = Stats();
  return s.is_object() ? s["requests"]["chat"].get<int>() : -1;
}

bool FakeOpenAi::Reset() const {
  return HttpClient(port_).PostJson("/_fake/reset", Json::object()).status == 200;
}

}  // namespace ag::testing
