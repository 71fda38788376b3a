#include "support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "core/json.h"
#include "support/temp_dir.h"

extern char** environ;

namespace ag::testing {

pid_t Spawn(const std::vector<std::string>& args,
            const std::vector<std::pair<std::string, std::string>>& env, const std::string& log) {
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  ::execve(argv[0], argv.data(), envp.data());
  std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

int WaitFor(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string AutograderBinary() { return AG_BINARY; }

CommandResult RunAutograder(const std::vector<std::string>& args,
                            const std::vector<std::pair<std::string, std::string>>& env) {
  TempDir out;
  const std::string log = out.File("output.txt");
  std::vector<std::string> argv = {AutograderBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = Spawn(argv, env, log);
  CommandResult r;
  r.exit_code = WaitFor(pid, std::chrono::seconds(120));
  r.output = ReadFile(log);
  return r;
}

ServerProcess::ServerProcess(std::string data_dir,
                             std::vector<std::pair<std::string, std::string>> env,
                             std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)),
      env_(std::move(env)),
      extra_args_(std::move(extra_args)),
      log_path_(data_dir_ + ".log") {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
}

bool ServerProcess::Start() {
  std::vector<std::string> args = {AutograderBinary()};
  args.insert(args.end(), command_.begin(), command_.end());
  args.push_back("--data-dir");
  args.push_back(data_dir_);
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  const std::size_t log_offset = ReadFile(log_path_).size();
  pid_ = Spawn(args, env_, log_path_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadFile(log_path_).substr(log_offset);
    std::size_t start = 0;
    while (start < log.size()) {
      const std::size_t end = log.find('\n', start);
      if (end == std::string::npos) break;
      const Json line = ParseJsonOrDiscarded(std::string_view(log).substr(start, end - start));
      if (line.is_object() && line.value("msg", "") == "listening") {
        port_ = line.value("port", 0);
        return port_ > 0;
      }
      start = end + 1;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void ServerProcess::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int ServerProcess::Wait(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  const int code = WaitFor(pid_, timeout);
  pid_ = -1;
  return code;
}

std::string ServerProcess::log() const { return ReadFile(log_path_); }

}  // namespace ag::testing
