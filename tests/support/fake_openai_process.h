// The project's fake OpenAI-compatible server (tests/fakes/fake_openai.py) as a child process
// on a free port of 127.0.0.1, stopped with the object; and its control routes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/json.h"
#include "support/fake_process.h"
#include "support/http_client.h"

namespace ag::testing {

class FakeOpenAi {
 public:
  explicit FakeOpenAi(std::vector<std::string> extra_args = {})
      : process_(AG_FAKE_OPENAI_SCRIPT, std::move(extra_args)) {}

  bool Start() { return process_.Start(); }  // false on failure (see log())
  int port() const { return process_.port(); }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  std::string log() const { return process_.log(); }

  // Appends steps to the chat queue (tests/fakes/README.md, "Steps").
  bool ScriptChat(const Json& steps) const;
  Json Stats() const;
  Json Requests() const;
  int ChatRequests() const;
  bool Reset() const;

 private:
  FakeProcess process_;
};

}  // namespace ag::testing
