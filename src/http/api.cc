#include "http/api.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <future>
#include <memory>
#include <random>
#include <stdexcept>

#include "http/error_mapping.h"
#include "http/handler_util.h"
#include "http/handlers/routes.h"

namespace ag {
namespace {

std::string NewRequestId() {
  thread_local std::mt19937_64 engine(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(engine()));
  return buf;
}

bool AcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string StatusClass(int status) { return std::to_string(status / 100) + "xx"; }

// Health probes and metrics scrapes are never rate limited: they come often, from one place.
bool IsOperations(std::string_view path) {
  return path == "/metrics" || path == "/health" || path.substr(0, 8) == "/health/";
}

Standing Needed(Access access) {
  switch (access) {
    case Access::kCourseMember:
      return Standing::kStudent;
    case Access::kCourseStaff:
      return Standing::kTa;
    case Access::kCourseInstructor:
      return Standing::kInstructor;
    default:
      return Standing::kAdmin;
  }
}

}  // namespace

Result<Standing> StandingIn(const ApiDeps& deps, const Principal& caller,
                            std::optional<CourseId> course) {
  if (caller.admin()) return Standing::kAdmin;
  if (!deps.policy) return Standing::kNone;
  return deps.policy->InCourse(caller, course);
}

std::string_view StripApiPrefix(std::string_view path) {
  if (path == "/api") return "/";
  if (path.substr(0, 5) == "/api/") return path.substr(4);
  return path;
}

Api::Api(ApiDeps deps)
    : deps_(std::move(deps)),
      requests_total_(deps_.metrics.AddCounter(
          "http_requests_total", "Total number of requests by method, status and handler.",
          {"handler", "method", "status"})),
      request_duration_(deps_.metrics.AddHistogram(
          "http_request_duration_seconds",
          "Duration of HTTP requests in seconds, by handler, method and status.", LatencyBuckets(),
          {"handler", "method", "status"})),
      rate_limited_total_(deps_.metrics.AddCounter(
          "http_rate_limited_total", "Requests refused with 429 by the rate limits, by limit.",
          {"limit"})) {
  if (deps_.accounts) {
    policy_.emplace(deps_.store, deps_.accounts->store());
    deps_.policy = &*policy_;
  }
  AddHealthRoutes(router_, deps_);
  AddMetricsRoutes(router_, deps_);
  if (!deps_.options.operations_only) {
    AddStatusPageRoutes(router_, deps_);
    AddAssignmentRoutes(router_, deps_);
    AddSubmissionRoutes(router_, deps_);
    if (deps_.accounts) {
      AddAuthRoutes(router_, deps_);
      AddUserRoutes(router_, deps_);
      AddCourseRoutes(router_, deps_);
    }
    AddOpenApiRoutes(router_, deps_);
  }
  for (const Route& r : router_.routes()) {
    if (r.access == Access::kUnset) {
      throw std::logic_error("route " + r.method + " " + r.pattern + " has no access rule");
    }
  }
}

std::string Api::ClientAddress(const HttpRequest& request) const {
  const auto& trusted = deps_.options.trusted_proxies;
  if (std::find(trusted.begin(), trusted.end(), request.peer_address) == trusted.end()) {
    return request.peer_address;
  }
  // The proxy appends the address it saw last: the rightmost entry is the one it vouches for.
  auto forwarded = request.Header("x-forwarded-for");
  if (!forwarded) return request.peer_address;
  std::string_view list = *forwarded;
  const auto comma = list.rfind(',');
  std::string_view last = comma == std::string_view::npos ? list : list.substr(comma + 1);
  while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
  while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
  if (last.empty() || last.size() > 64) return request.peer_address;
  return std::string(last);
}

Result<Principal> Api::Authenticate(const HttpRequest& request) {
  if (!deps_.auth) return Principal::LocalSuperuser();
  return deps_.auth->Authenticate(request.Header("authorization"));
}

Status Api::Authorize(Access access, const Principal& who,
                      const std::map<std::string, std::string>& params) {
  const Status denied = PermissionDeniedError("Not allowed");
  switch (access) {
    case Access::kUnset:
      return denied;
    case Access::kPublic:
    case Access::kSignedIn:
      return OkStatus();
    case Access::kAdmin:
      return who.admin() ? OkStatus() : denied;
    default:
      break;
  }
  if (who.local_superuser) return OkStatus();
  if (!policy_) return denied;
  // The resource is parsed exactly as the handler will parse it (a malformed id is the same
  // 422 here as there), and a rule whose resource cannot be found refuses: never fail open.
  Standing standing = Standing::kNone;
  bool owner = false;
  if (auto it = params.find("course_id"); it != params.end()) {
    ASSIGN_OR_RETURN(std::int64_t id, ParsePathId(it->second, "course_id"));
    ASSIGN_OR_RETURN(auto course_row, deps_.accounts->store().GetCourse(CourseId(id)));
    ASSIGN_OR_RETURN(standing, policy_->InCourse(who, course_row.id));
  } else if (auto it = params.find("assignment_id"); it != params.end()) {
    ASSIGN_OR_RETURN(std::int64_t id, ParsePathId(it->second, "assignment_id"));
    ASSIGN_OR_RETURN(standing, policy_->InAssignment(who, AssignmentId(id)));
  } else if (auto it = params.find("submission_id"); it != params.end()) {
    ASSIGN_OR_RETURN(std::int64_t id, ParsePathId(it->second, "submission_id"));
    ASSIGN_OR_RETURN(auto found, policy_->ForSubmission(who, SubmissionId(id)));
    standing = found.standing;
    owner = found.owner;
  } else {
    return denied;  // a course rule on a route that names no course: a bug, refused
  }
  if (access == Access::kSubmissionOwnerOrStaff) {
    return owner || standing >= Standing::kTa ? OkStatus() : denied;
  }
  return standing >= Needed(access) ? OkStatus() : denied;
}

std::optional<HttpResponse> Api::Limit(const std::string& key, const RateLimit& limit) {
  if (!deps_.limiter || limit.per_second <= 0) return std::nullopt;
  auto decision = deps_.limiter->Take(key, limit, deps_.clock.Now());
  if (!decision.ok()) {
    rate_limited_total_.With({"unavailable"}).Inc();
    return std::nullopt;  // the limiter's store is down: serve rather than refuse everyone
  }
  if (decision->allowed) return std::nullopt;
  rate_limited_total_.With({key.substr(0, key.find(':'))}).Inc();
  const long long seconds = std::max<long long>(1, (decision->retry_after.count() + 999) / 1000);
  HttpResponse r = HttpResponse::FromJson(429, Json{{"detail", "Too many requests"}});
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

Api::Execution Api::ExecutionOf(const HttpRequest& request) const {
  const RouteMatch m = router_.Find(request.method, StripApiPrefix(request.path));
  if (!m.route) return Execution::kInline;
  if (m.route->async_handler) return Execution::kAsync;
  return m.route->blocking ? Execution::kBlocking : Execution::kInline;
}

void Api::AddCorsHeaders(const std::optional<std::string>& origin, HttpResponse& response) const {
  if (!origin) return;
  for (const auto& allowed : deps_.options.cors_origins) {
    if (allowed == *origin) {
      response.headers.emplace_back("Access-Control-Allow-Origin", *origin);
      response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
      response.headers.emplace_back("Vary", "Origin");
      return;
    }
  }
  // Any origin may read, but never with the browser's credentials.
  for (const auto& allowed : deps_.options.cors_origins) {
    if (allowed == "*") {
      response.headers.emplace_back("Access-Control-Allow-Origin", "*");
      return;
    }
  }
}

std::optional<HttpResponse> Api::Preflight(const HttpRequest& request) const {
  if (request.method != "OPTIONS" || !request.Header("access-control-request-method")) {
    return std::nullopt;
  }
  auto origin = request.Header("origin");
  const auto& origins = deps_.options.cors_origins;
  if (!origin || (std::find(origins.begin(), origins.end(), *origin) == origins.end() &&
                  std::find(origins.begin(), origins.end(), "*") == origins.end())) {
    return HttpResponse::FromJson(403, Json{{"detail", "Origin not allowed"}});
  }
  const auto methods = router_.MethodsAt(StripApiPrefix(request.path));
  if (methods.empty()) return HttpResponse::FromJson(404, Json{{"detail", "Not Found"}});
  std::string allow;
  for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
  HttpResponse r = HttpResponse::Text(200, "text/plain; charset=utf-8", "OK");
  r.headers.emplace_back("Access-Control-Allow-Methods", allow + ", OPTIONS");
  r.headers.emplace_back(
      "Access-Control-Allow-Headers",
      std::string(request.Header("access-control-request-headers").value_or("*")));
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

void Api::Finish(const Exchange& x, HttpResponse& response) {
  if (response.status >= 500) {
    deps_.log.Error("request failed", {{"request_id", x.request_id},
                                       {"method", x.method},
                                       {"path", x.path},
                                       {"status", response.status},
                                       {"body", response.body.substr(0, 500)}});
  }
  AddCorsHeaders(x.origin, response);
  response.headers.emplace_back("X-Request-ID", x.request_id);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (!x.cacheable) response.headers.emplace_back("Cache-Control", "no-store");
  if (deps_.options.tls) {
    response.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  }
  if (response.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - x.started).count();
  const std::string status_class = StatusClass(response.status);
  requests_total_.With({x.handler, x.method, status_class}).Inc();
  request_duration_.With({x.handler, x.method, status_class}).Observe(seconds);
  if (deps_.options.access_log) {
    deps_.log.Info("request", {{"request_id", x.request_id},
                               {"method", x.method},
                               {"path", x.path},
                               {"status", response.status},
                               {"duration_ms", seconds * 1000},
                               {"bytes", response.body.size()}});
  }
}

void Api::HandleAsync(HttpRequest& request, Respond done) {
  auto x = std::make_shared<Exchange>();
  x->started = std::chrono::steady_clock::now();
  if (auto id = request.Header("x-request-id"); id && AcceptableRequestId(*id)) {
    request.request_id = std::string(*id);
  } else {
    request.request_id = NewRequestId();
  }
  x->request_id = request.request_id;
  x->method = request.method;
  x->path = request.path;
  x->handler = "none";
  if (auto origin = request.Header("origin")) x->origin = std::string(*origin);

  auto finish = [this, x, done = std::move(done)](HttpResponse response) {
    Finish(*x, response);
    done(std::move(response));
  };
  try {
    if (auto preflight = Preflight(request)) return finish(std::move(*preflight));
    RouteMatch m = router_.Find(request.method, StripApiPrefix(request.path));
    if (!m.route) {
      if (m.method_not_allowed) {
        return finish(HttpResponse::FromJson(405, Json{{"detail", "Method Not Allowed"}}));
      }
      return finish(HttpResponse::FromJson(404, Json{{"detail", "Not Found"}}));
    }
    x->handler = m.route->pattern;
    x->cacheable = m.route->access == Access::kPublic;
    const std::string_view path = StripApiPrefix(request.path);
    request.client_address = ClientAddress(request);
    if (deps_.auth && !IsOperations(path)) {
      if (auto limited = Limit("address:" + request.client_address, deps_.options.address_limit)) {
        return finish(std::move(*limited));
      }
    }
    if (m.route->access != Access::kPublic) {
      auto who = Authenticate(request);
      if (!who.ok()) return finish(ErrorResponse(who.status()));
      if (deps_.auth) {
        if (auto limited = Limit("user:" + who->user.ToString(), deps_.options.user_limit)) {
          return finish(std::move(*limited));
        }
      }
      if (Status allowed = Authorize(m.route->access, *who, m.params); !allowed.ok()) {
        return finish(ErrorResponse(allowed));
      }
      request.principal = std::move(who).value();
    }
    request.path_params = std::move(m.params);
    if (m.route->async_handler) return m.route->async_handler(request, finish);
    return finish(m.route->handler(request));
  } catch (const std::exception& e) {
    deps_.log.Error("handler threw",
                    {{"request_id", x->request_id}, {"path", x->path}, {"error", e.what()}});
    return finish(HttpResponse::FromJson(500, Json{{"detail", "Internal Server Error"}}));
  }
}

HttpResponse Api::Handle(HttpRequest& request) {
  std::promise<HttpResponse> answer;
  auto future = answer.get_future();
  HandleAsync(request, [&answer](HttpResponse r) { answer.set_value(std::move(r)); });
  return future.get();
}

}  // namespace ag
