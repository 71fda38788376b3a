// `autograder user add|passwd|disable|enable|list`: accounts from the command line, on the
// configured database (the first admin of a deployment, or a lost admin password). Passwords
// come from standard input or are made up and printed once; never from an argument, which
// other users of the machine could read in the process list.
#include <cstdio>
#include <iostream>
#include <random>

#include "app/commands.h"
#include "app/wiring.h"
#include "auth/secret_token.h"
#include "core/time_format.h"

namespace ag {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "autograder user: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// The password to set, and whether it was made up here (then it is printed).
std::pair<std::string, bool> PasswordFrom(const UserFlags& f) {
  if (!f.password_stdin) return {RandomPassword(), true};
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return {line, false};
}

}  // namespace

int RunUser(const CommonFlags& common, const UserFlags& f) {
  auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  SystemClock clock;
  Logger log(clock, config->log_level);
  SeededRandom random(std::random_device{}());
  auto built = BuildQueueAdmin(*config, clock, log, random);
  if (!built.ok()) return Fail(built.status());
  Services& s = **built;
  if (Status st = BuildAccounts(*config, s, /*with_auth=*/false); !st.ok()) return Fail(st);
  AccountService& accounts = *s.accounts;

  if (f.action == "list") {
    auto users = s.account_store->ListUsers(100000, 0);
    if (!users.ok()) return Fail(users.status());
    std::printf("%-6s %-36s %-10s %-8s %s\n", "id", "email", "role", "state", "name");
    for (const User& u : *users) {
      std::printf("%-6lld %-36s %-10s %-8s %s\n", static_cast<long long>(u.id.value()),
                  u.email.c_str(), std::string(ToString(u.role)).c_str(),
                  u.disabled() ? "disabled" : "active", u.name.c_str());
    }
    return 0;
  }
  if (f.action == "add") {
    const auto role = ParseRole(f.role);
    if (!role) return Fail(InvalidArgumentError("--role: admin, instructor, ta or student"));
    auto [password, generated] = PasswordFrom(f);
    auto user = accounts.AddUser(f.email, f.name, *role, password, "cli");
    if (!user.ok()) return Fail(user.status());
    std::printf("created %s %s (id %lld)\n", std::string(ToString(user->role)).c_str(),
                user->email.c_str(), static_cast<long long>(user->id.value()));
    if (generated) std::printf("password: %s\n", password.c_str());
    return 0;
  }
  UserUpdate update;
  std::pair<std::string, bool> password;
  if (f.action == "passwd") {
    password = PasswordFrom(f);
    update.password = password.first;
  } else if (f.action == "disable" || f.action == "enable") {
    update.disabled = f.action == "disable";
  } else {
    return Fail(InvalidArgumentError("unknown action " + f.action));
  }
  auto user = accounts.UpdateUserByEmail(f.email, update, "cli");
  if (!user.ok()) return Fail(user.status());
  if (f.action == "passwd") {
    std::printf("password of %s changed; its sessions are ended\n", user->email.c_str());
    if (password.second) std::printf("password: %s\n", password.first.c_str());
  } else {
    std::printf("%s %s\n", user->email.c_str(), user->disabled() ? "disabled" : "enabled");
  }
  return 0;
}

}  // namespace ag
