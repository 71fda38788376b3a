// The project's fake OpenAI-compatible server (tests/fakes/fake_openai.py) as a child process
// on a free port of 127.0.0.1, stopped with the object; and its control routes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/json.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace ag::testing {

class FakeOpenAi {
 public:
  explicit FakeOpenAi(std::vector<std::string> extra_args = {});
  ~FakeOpenAi();

  bool Start();  // waits up to 20 s for its port; false on failure (see log())
  int port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  std::string log() const;

  // Appends steps to the chat queue (tests/fakes/README.md, "Steps").
  bool ScriptChat(const Json& steps) const;
  Json Stats() const;
  Json Requests() const;
  int ChatRequests() const;
  bool Reset() const;

 private:
  std::vector<std::string> extra_args_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace ag::testing
