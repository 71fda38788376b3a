// Runs the real `autograder` binary as a child process for integration tests: on a free port
// (--port 0; the port is read from its "listening" log line), with its own data directory and
// environment, logging to a file the test can read.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace ag::testing {

// The binary under test (the build's autograder, sanitized in the ASan build).
std::string AutograderBinary();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Starts `args` (argv[0] an absolute path) with extra environment variables, stdout and stderr
// appended to `log`.
pid_t Spawn(const std::vector<std::string>& args,
            const std::vector<std::pair<std::string, std::string>>& env, const std::string& log);
// Waits for `pid` to exit (SIGKILL after `timeout`): its exit status, 128 + signal, or -2.
int WaitFor(pid_t pid, std::chrono::seconds timeout);

// Runs `autograder args...` to completion with extra environment variables.
CommandResult RunAutograder(const std::vector<std::string>& args,
                            const std::vector<std::pair<std::string, std::string>>& env = {});

class ServerProcess {
 public:
  ServerProcess(std::string data_dir, std::vector<std::pair<std::string, std::string>> env = {},
                std::vector<std::string> extra_args = {});
  ~ServerProcess();  // kills it (SIGKILL) if still running

  // Runs `autograder worker` (its /health and /metrics port on 127.0.0.1) instead of `serve`.
  void UseWorkerCommand() {
    command_ = {"worker", "--metrics-host", "127.0.0.1", "--metrics-port", "0"};
  }
  // Serves with auth on (the default of `serve`); tests of the original, unauthenticated
  // contract run with --auth=off.
  void UseAuth() { command_ = {"serve", "--host", "127.0.0.1", "--port", "0"}; }
  // Starts and waits (up to 30 s) until it listens. False on failure; see log().
  bool Start();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for exit; returns the exit status, or 128 + signal.
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(60));
  bool running() const { return pid_ > 0; }
  std::string log() const;

 private:
  std::string data_dir_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> command_ = {"serve", "--host", "127.0.0.1", "--port",
                                       "0",     "--auth", "off"};
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace ag::testing
