#include "http/api.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <future>
#include <memory>
#include <random>

#include "http/error_mapping.h"
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

}  // namespace

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
          {"handler", "method", "status"})) {
  AddHealthRoutes(router_, deps_);
  AddMetricsRoutes(router_, deps_);
  if (!deps_.options.operations_only) {
    AddStatusPageRoutes(router_, deps_);
    AddAssignmentRoutes(router_, deps_);
    AddSubmissionRoutes(router_, deps_);
    AddOpenApiRoutes(router_, deps_);
  }
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
    if (allowed == "*" || allowed == *origin) {
      response.headers.emplace_back("Access-Control-Allow-Origin", *origin);
      response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
      response.headers.emplace_back("Vary", "Origin");
      return;
    }
  }
}

std::optional<HttpResponse> Api::Preflight(const HttpRequest& request) const {
  if (request.method != "OPTIONS" || !request.Header("access-control-request-method")) {
    return std::nullopt;
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
