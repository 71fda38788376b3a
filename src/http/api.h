// The API as one function from request to response (Beast's handle_request shape): routing,
// the /api prefix, request ids, CORS, error mapping, HTTP metrics and the access log. The
// server in server.cc only moves bytes; handlers live in handlers/, one file per resource.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/message.h"
#include "http/router.h"
#include "obs/health.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "service/assignment_service.h"
#include "service/submission_service.h"
#include "store/store.h"

namespace ag {

struct ApiOptions {
  bool access_log = true;                         // ACCESS_LOG
  std::vector<std::string> cors_origins = {"*"};  // CORS_ORIGINS, comma-separated
  std::string version;
  int list_limit = 1000;  // the most rows a list returns when the client does not say
  // Only /health/* and /metrics: the port of a worker process (`autograder worker`).
  bool operations_only = false;
};

struct ApiDeps {
  Store& store;
  AssignmentService& assignments;
  SubmissionService& submissions;
  MetricsRegistry& metrics;
  std::vector<HealthCheck> health;
  Logger& log;
  const Clock& clock;
  ApiOptions options;
};

class Api {
 public:
  explicit Api(ApiDeps deps);
  // Handlers keep a pointer to deps_: an Api stays where it was built.
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Where the server should run a request.
  enum class Execution {
    kInline,    // on the I/O thread: quick
    kBlocking,  // on the blocking pool: long CPU work
    kAsync,     // HandleAsync: answers later without holding a thread
  };
  Execution ExecutionOf(const HttpRequest& request) const;

  // Never throws; every failure is a response. `done` runs once, on this thread or (for an
  // asynchronous route) on another; `request` must live until then.
  void HandleAsync(HttpRequest& request, Respond done);
  // The same, waiting for the answer.
  HttpResponse Handle(HttpRequest& request);
  const Router& router() const { return router_; }

 private:
  // What the answer needs from the request once the request may be gone.
  struct Exchange {
    std::string request_id, method, path, handler;
    std::optional<std::string> origin;
    std::chrono::steady_clock::time_point started;
  };
  void Finish(const Exchange& exchange, HttpResponse& response);
  std::optional<HttpResponse> Preflight(const HttpRequest& request) const;
  void AddCorsHeaders(const std::optional<std::string>& origin, HttpResponse& response) const;

  ApiDeps deps_;
  Router router_;
  CounterFamily& requests_total_;
  HistogramFamily& request_duration_;
};

// Strips the /api prefix the deployment guide's nginx would strip.
std::string_view StripApiPrefix(std::string_view path);

}  // namespace ag
