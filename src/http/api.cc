#include "http/api.h"

#include <chrono>
#include <cstdio>
#include <exception>
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
  AddStatusPageRoutes(router_, deps_);
  AddHealthRoutes(router_, deps_);
  AddMetricsRoutes(router_, deps_);
  AddAssignmentRoutes(router_, deps_);
  AddSubmissionRoutes(router_, deps_);
  AddOpenApiRoutes(router_, deps_);
}

bool Api::RunsOnBlockingPool(const HttpRequest& request) const {
  const RouteMatch m = router_.Find(request.method, StripApiPrefix(request.path));
  return m.route && m.route->blocking;
}

void Api::AddCorsHeaders(const HttpRequest& request, HttpResponse& response) const {
  const auto origin = request.Header("origin");
  if (!origin) return;
  for (const auto& allowed : deps_.options.cors_origins) {
    if (allowed == "*" || allowed == *origin) {
      response.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
      response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
      response.headers.emplace_back("Vary", "Origin");
      return;
    }
  }
}

HttpResponse Api::Route(HttpRequest& request, const ag::Route** matched) {
  const std::string_view path = StripApiPrefix(request.path);
  if (request.method == "OPTIONS" && request.Header("access-control-request-method")) {
    const auto methods = router_.MethodsAt(path);
    if (methods.empty()) return HttpResponse::FromJson(404, Json{{"detail", "Not Found"}});
    std::string allow;
    for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
    HttpResponse r = HttpResponse::Text(200, "text/plain; charset=utf-8", "OK");
    r.headers.emplace_back("Access-Control-Allow-Methods", allow + ", OPTIONS");
    r.headers.emplace_back("Access-Control-Allow-Headers",
                           std::string(request.Header("access-control-request-headers").value_or("*")));
    r.headers.emplace_back("Access-Control-Max-Age", "600");
    return r;
  }
  RouteMatch m = router_.Find(request.method, path);
  if (!m.route) {
    if (m.method_not_allowed) {
      return HttpResponse::FromJson(405, Json{{"detail", "Method Not Allowed"}});
    }
    return HttpResponse::FromJson(404, Json{{"detail", "Not Found"}});
  }
  *matched = m.route;
  request.path_params = std::move(m.params);
  return m.route->handler(request);
}

HttpResponse Api::Handle(HttpRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  if (auto id = request.Header("x-request-id"); id && AcceptableRequestId(*id)) {
    request.request_id = std::string(*id);
  } else {
    request.request_id = NewRequestId();
  }
  const ag::Route* matched = nullptr;
  HttpResponse response;
  try {
    response = Route(request, &matched);
  } catch (const std::exception& e) {
    deps_.log.Error("handler threw", {{"request_id", request.request_id},
                                      {"path", request.path},
                                      {"error", e.what()}});
    response = HttpResponse::FromJson(500, Json{{"detail", "Internal Server Error"}});
  }
  if (response.status >= 500) {
    deps_.log.Error("request failed", {{"request_id", request.request_id},
                                       {"method", request.method},
                                       {"path", request.path},
                                       {"status", response.status},
                                       {"body", response.body.substr(0, 500)}});
  }
  AddCorsHeaders(request, response);
  response.headers.emplace_back("X-Request-ID", request.request_id);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string handler = matched ? matched->pattern : "none";
  const std::string status_class = StatusClass(response.status);
  requests_total_.With({handler, request.method, status_class}).Inc();
  request_duration_.With({handler, request.method, status_class}).Observe(seconds);
  if (deps_.options.access_log) {
    deps_.log.Info("request", {{"request_id", request.request_id},
                               {"method", request.method},
                               {"path", request.path},
                               {"status", response.status},
                               {"duration_ms", seconds * 1000},
                               {"bytes", response.body.size()}});
  }
  return response;
}

}  // namespace ag
