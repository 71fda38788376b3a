// `autograder worker`: the grading workers without the API, for the scaled-out shape (as the
// deployment guide's `celery worker -Q grading`): the same configuration and pipeline as
// `serve`, and at most a port for /health and /metrics.

#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "app/commands.h"
#include "app/long_running.h"
#include "app/version.h"
#include "app/wiring.h"
#include "http/api.h"
#include "http/server.h"

namespace ag {

int RunWorker(const CommonFlags& common, const WorkerFlags& f) {
  std::map<std::string, std::string> flags;
  if (f.concurrency) flags["WORKER_CONCURRENCY"] = std::to_string(*f.concurrency);
  auto config = LoadConfigOrReport(common, flags);
  if (!config) return 2;
  config->workers = true;
  int exit_code = 0;
  auto process = LongRunning::Start(std::move(*config), &exit_code);
  if (!process) return exit_code;
  Services& s = process->services();
  Logger& log = process->log();
  const Clock& clock = process->clock();

  std::unique_ptr<Api> api;
  std::unique_ptr<HttpServer> server;
  std::thread http;
  if (f.metrics_port) {
    ApiOptions api_options;
    api_options.access_log = false;
    api_options.version = kVersion;
    api_options.operations_only = true;
    api = std::make_unique<Api>(ApiDeps{*s.store, *s.assignments, *s.submissions, s.metrics,
                                        s.health, log, clock, api_options});
    ServerOptions server_options;
    server_options.host = f.metrics_host;
    server_options.port = *f.metrics_port;
    server_options.io_threads = 1;
    server = std::make_unique<HttpServer>(server_options, *api, log);
    if (Status l = server->Listen(); !l.ok()) {
      log.Error("cannot listen", {{"error", l.ToString()}});
      std::fprintf(stderr, "autograder: %s\n", l.message().c_str());
      return 1;
    }
    http = std::thread([&server] { server->Run(); });
    log.Info("listening", {{"host", f.metrics_host},
                           {"port", server->port()},
                           {"routes", "/health/live, /health/ready, /metrics"}});
  }
  s.workers->Start();
  s.sweeper->Start();
  log.Info(
      "worker started",
      {{"queue", f.queue}, {"concurrency", config->worker_concurrency}, {"version", kVersion}});

  process->WaitForSignal();
  // Stop taking jobs; work in hand is cancelled and its jobs go back to the queue untouched.
  s.workers->Stop();
  s.sweeper->Stop();
  if (server) {
    server->Shutdown();
    http.join();
  }
  log.Info("stopped");
  return 0;
}

}  // namespace ag
