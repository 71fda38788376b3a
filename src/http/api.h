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
#include "ratelimit/rate_limiter.h"
#include "service/access_policy.h"
#include "service/account_service.h"
#include "service/assignment_service.h"
#include "service/auth_service.h"
#include "service/submission_service.h"
#include "store/store.h"

namespace ag {

struct ApiOptions {
  bool access_log = true;  // ACCESS_LOG
  // CORS_ORIGINS, comma-separated: browser origins allowed to call the API with credentials;
  // "*" lets any origin read it without credentials. None by default.
  std::vector<std::string> cors_origins;
  // TRUSTED_PROXIES: peers whose X-Forwarded-For names the client (rate limits, audit log).
  std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};
  // With auth on: requests per client address and per account (0 per second: no limit).
  RateLimit address_limit{50, 100};  // RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST
  RateLimit user_limit{20, 60};      // USER_RATE_LIMIT_PER_SECOND, USER_RATE_LIMIT_BURST
  bool tls = false;                  // served over TLS: Strict-Transport-Security
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
  // Accounts (users, courses, API keys, audit log); null in tests of the original routes only.
  AccountService* accounts = nullptr;
  // Null with auth off (`--auth=off`, loopback only): every caller is the local superuser.
  AuthService* auth = nullptr;
  RateLimiter* limiter = nullptr;  // null: no rate limits
  AccessPolicy* policy = nullptr;  // set by the Api itself (with accounts)
};

// The caller's standing in a course: admin for the local superuser (auth off) and admins.
Result<Standing> StandingIn(const ApiDeps& deps, const Principal& caller,
                            std::optional<CourseId> course);

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
    bool cacheable = true;  // a public route's answer; others say no-store
  };
  void Finish(const Exchange& exchange, HttpResponse& response);
  std::optional<HttpResponse> Preflight(const HttpRequest& request) const;
  // The caller (the local superuser with auth off), or why not.
  Result<Principal> Authenticate(const HttpRequest& request);
  // Whether the caller may use a route of this access, on the resource its path names.
  Status Authorize(Access access, const Principal& who,
                   const std::map<std::string, std::string>& params);
  // 429 when `key`'s bucket is empty.
  std::optional<HttpResponse> Limit(const std::string& key, const RateLimit& limit);
  std::string ClientAddress(const HttpRequest& request) const;
  void AddCorsHeaders(const std::optional<std::string>& origin, HttpResponse& response) const;

  ApiDeps deps_;
  std::optional<AccessPolicy> policy_;  // with accounts
  Router router_;
  CounterFamily& requests_total_;
  HistogramFamily& request_duration_;
  CounterFamily& rate_limited_total_;
};

// Strips the /api prefix the deployment guide's nginx would strip.
std::string_view StripApiPrefix(std::string_view path);

}  // namespace ag
