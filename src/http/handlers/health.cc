#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"

namespace ag {

void AddHealthRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;
  const Json status_schema{{"type", "object"},
                           {"properties", Json{{"status", Json{{"type", "string"}}}}}};

  router.Add({"GET", "/health",
              [](const HttpRequest&) {
                return HttpResponse::FromJson(200, Json{{"status", "healthy"}});
              },
              false,
              Operation("health", "Health (the original API's check)", "health",
                        Json{{"200", Response("Healthy", status_schema)}})},
             Access::kPublic);

  router.Add({"GET", "/health/live",
              [](const HttpRequest&) {
                return HttpResponse::FromJson(200, Json{{"status", "alive"}});
              },
              false,
              Operation("liveness", "Liveness: the process serves requests", "health",
                        Json{{"200", Response("Alive", status_schema)}})},
             Access::kPublic);

  router.Add(
      {"GET", "/health/ready",
       [d](const HttpRequest& req) {
         Json checks = Json::object();
         Json errors = Json::object();
         bool ready = true;
         for (const auto& r : RunHealthChecks(d->health)) {
           checks[r.name] = r.status.ok();
           if (!r.status.ok()) {
             ready = false;
             errors[r.name] = r.status.ToString();
           }
         }
         if (ready)
           return HttpResponse::FromJson(200, Json{{"status", "ready"}, {"checks", checks}});
         d->log.Warn("not ready", {{"request_id", req.request_id}, {"errors", errors}});
         // As the deployment guide's readiness check: 503 with the checks as the detail.
         return HttpResponse::FromJson(503, Json{{"detail", checks}});
       },
       false,
       Operation(
           "readiness", "Readiness: every dependency answers", "health",
           Json{{"200", Response("Ready, with each dependency's check",
                                 Json{{"type", "object"},
                                      {"properties",
                                       Json{{"status", Json{{"type", "string"}}},
                                            {"checks", Json{{"type", "object"},
                                                            {"additionalProperties",
                                                             Json{{"type", "boolean"}}}}}}}})},
                {"503",
                 Response("A dependency failed; detail maps each check to true or false")}})},
      Access::kPublic);
}

void AddMetricsRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;
  router.Add(
      {"GET", "/metrics",
       [d](const HttpRequest&) {
         return HttpResponse::Text(200, "text/plain; version=0.0.4; charset=utf-8",
                                   d->metrics.Render());
       },
       false,
       Operation(
           "metrics", "Prometheus metrics (text exposition format)", "operations",
           Json{{"200", Json{{"description", "Metrics"},
                             {"content", Json{{"text/plain",
                                               Json{{"schema", Json{{"type", "string"}}}}}}}}}})},
      Access::kPublic);
}

}  // namespace ag
