
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

int RunServe(const CommonFlags& common, const ServeFlags& f) {
  std::map<std::string, std::string> flags;
  if (f.host) flags["API_HOST"] = *f.host;
  if (f.port) flags["API_PORT"] = std::to_string(*f.port);
  auto loaded = LoadConfigOrReport(common, flags);
  if (!loaded) return 2;
  if (f.no_workers) loaded->workers = false;
  int exit_code = 0;
  auto process = LongRunning::Start(std::move(*loaded), &exit_code);
  if (!process) return exit_code;
  Services& s = process->services();
  Logger& log = process->log();
  const Clock& clock = process->clock();
  const Config& config = process->config();

  ApiOptions api_options;
  api_options.access_log = config.access_log;
  api_options.cors_origins = config.cors_origins;
  api_options.version = kVersion;
  Api api(ApiDeps{*s.store, *s.assignments, *s.submissions, s.metrics, s.health, log, clock,
                  api_options});

  ServerOptions server_options;
  server_options.host = config.host;
  server_options.port = config.port;
  server_options.io_threads = config.http_threads;
  // The upload limit plus room for the multipart framing around the file.
  server_options.max_body_bytes =
      (static_cast<std::size_t>(config.max_upload_mb) << 20) + 64 * 1024;
  server_options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
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
