
#include <cstdio>
#include <cstring>
#include <thread>

#include "app/commands.h"
#include "app/long_running.h"
#include "app/version.h"
#include "app/wiring.h"
#include "http/api.h"
#include "http/server.h"

namespace ag {

std::optional<Config> LoadConfigOrReport(const CommonFlags& common,
                                         std::map<std::string, std::string> flags) {
  if (common.data_dir) flags["DATA_DIR"] = *common.data_dir;
  auto config = LoadConfig({flags, ProcessEnv, common.config_file});
  if (!config.ok()) {
    std::fprintf(stderr, "autograder: configuration error: %s\n",
                 config.status().message().c_str());
    return std::nullopt;
  }
  return std::move(config).value();
}

namespace {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// The first admin, when the database has no user: with AUTOGRADER_ADMIN_PASSWORD, or a made-up
// password shown once here, on the console (not in the log), so that a newcomer can sign in.
Status EnsureFirstAdmin(const Config& config, AccountService& accounts, Logger& log) {
  std::optional<std::string> given;
  if (!config.admin_password.empty()) given = config.admin_password;
  ASSIGN_OR_RETURN(auto created, accounts.EnsureFirstAdmin(config.admin_email, given));
  if (!created) return OkStatus();
  log.Info("first admin created", {{"email", created->user.email}});
  if (created->generated_password) {
    std::printf(
        "\n  No account existed, so an admin was created:\n"
        "    email:    %s\n    password: %s\n"
        "  It is shown this once and stored only as a hash. Sign in with POST /auth/login;\n"
        "  change it with PATCH /users/%lld or `autograder user passwd --email %s`.\n\n",
        created->user.email.c_str(), created->generated_password->c_str(),
        static_cast<long long>(created->user.id.value()), created->user.email.c_str());
    std::fflush(stdout);
  }
  return OkStatus();
}

}  // namespace

int RunServe(const CommonFlags& common, const ServeFlags& f) {
  std::map<std::string, std::string> flags;
  if (f.host) flags["API_HOST"] = *f.host;
  if (f.port) flags["API_PORT"] = std::to_string(*f.port);
  if (f.auth) flags["AUTH"] = *f.auth;
  if (f.tls_cert) flags["TLS_CERT_FILE"] = *f.tls_cert;
  if (f.tls_key) flags["TLS_KEY_FILE"] = *f.tls_key;
  auto loaded = LoadConfigOrReport(common, flags);
  if (!loaded) return 2;
  if (f.no_workers) loaded->workers = false;
  if (!loaded->auth && !IsLoopback(loaded->host)) {
    std::fprintf(stderr,
                 "autograder: --auth=off serves every caller as admin, so it is refused on %s; "
                 "bind to a loopback address (--host 127.0.0.1) or leave auth on\n",
                 loaded->host.c_str());
    return 2;
  }
  int exit_code = 0;
  auto process = LongRunning::Start(std::move(*loaded), &exit_code);
  if (!process) return exit_code;
  Services& s = process->services();
  Logger& log = process->log();
  const Clock& clock = process->clock();
  const Config& config = process->config();

  if (Status st = BuildAccounts(config, s, config.auth); !st.ok()) {
    log.Error("cannot set up accounts", {{"error", st.ToString()}});
    std::fprintf(stderr, "autograder: %s\n", st.message().c_str());
    return 2;
  }
  if (config.auth) {
    if (Status st = EnsureFirstAdmin(config, *s.accounts, log); !st.ok()) {
      log.Error("cannot create the first admin", {{"error", st.ToString()}});
      std::fprintf(stderr, "autograder: %s\n", st.message().c_str());
      return 1;
    }
  } else {
    log.Warn("auth is off: every caller is served as admin", {{"host", config.host}});
  }

  ApiOptions api_options;
  api_options.access_log = config.access_log;
  api_options.cors_origins = config.cors_origins;
  api_options.version = kVersion;
  api_options.trusted_proxies = config.trusted_proxies;
  api_options.tls = !config.tls_cert_file.empty();
  api_options.address_limit = {config.rate_limit_per_second, config.rate_limit_burst};
  api_options.user_limit = {config.user_rate_limit_per_second, config.user_rate_limit_burst};
  ApiDeps deps{*s.store, *s.assignments, *s.submissions, s.metrics, s.health,
               log,      clock,          api_options};
  deps.accounts = s.accounts.get();
  deps.auth = s.auth.get();
  deps.limiter = s.limiter.get();
  Api api(std::move(deps));

  ServerOptions server_options;
  server_options.host = config.host;
  server_options.port = config.port;
  server_options.io_threads = config.http_threads;
  // The upload limit plus room for the multipart framing around the file.
  server_options.max_body_bytes =
      (static_cast<std::size_t>(config.max_upload_mb) << 20) + 64 * 1024;
  server_options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  server_options.tls_cert_file = config.tls_cert_file;
  server_options.tls_key_file = config.tls_key_file;
  HttpServer server(server_options, api, log);
  if (Status l = server.Listen(); !l.ok()) {
    log.Error("cannot listen", {{"error", l.ToString()}});
    std::fprintf(stderr, "autograder: %s\n", l.message().c_str());
    return 1;
  }
  if (config.workers) s.workers->Start();
  s.sweeper->Start();
  log.Info("listening", {{"host", config.host},
                         {"port", server.port()},
                         {"data_dir", config.data_dir},
                         {"workers", config.workers ? config.worker_concurrency : 0},
                         {"auth", config.auth},
                         {"tls", api_options.tls},
                         {"version", kVersion}});

  std::thread http([&server] { server.Run(); });
  process->WaitForSignal();
  server.Shutdown();
  http.join();
  // Answers still in the intake are written and reported while the API they call back exists.
  s.submissions->Drain();
  s.workers->Stop();  // cancels work in hand; its jobs go back to the queue
  s.sweeper->Stop();
  log.Info("stopped");
  return 0;
}

}  // namespace ag
