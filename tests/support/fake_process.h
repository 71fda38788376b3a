// One of the project's fakes (tests/fakes/*.py) as a child process on a free port of
// 127.0.0.1, stopped with the object.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace ag::testing {

class FakeProcess {
 public:
  FakeProcess(std::string script, std::vector<std::string> extra_args = {});
  ~FakeProcess();
  FakeProcess(const FakeProcess&) = delete;
  FakeProcess& operator=(const FakeProcess&) = delete;

  bool Start();  // waits up to 20 s for its port; false on failure (see log())
  int port() const { return port_; }
  std::string log() const;

 private:
  std::string script_;
  std::vector<std::string> extra_args_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace ag::testing
