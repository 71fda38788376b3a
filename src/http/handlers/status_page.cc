#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"

namespace ag {
namespace {

std::string EscapeHtml(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

// A plain status page until the web UI is built.
void AddStatusPageRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;
  router.Add(
      {"GET", "/",
       [d](const HttpRequest&) {
         std::string counts = "unavailable";
         if (auto c = d->store.CountSubmissionsByStatus(); c.ok()) {
           counts = std::to_string(c->queued) + " queued, " + std::to_string(c->grading) +
                    " grading, " + std::to_string(c->done) + " done, " +
                    std::to_string(c->needs_review) + " needs review, " + std::to_string(c->error) +
                    " failed";
         }
         std::string ready = "ready";
         for (const auto& r : RunHealthChecks(d->health)) {
           if (!r.status.ok()) ready = "not ready (" + r.name + ": " + r.status.message() + ")";
         }
         std::string html =
             "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<title>AutoGrader</title></head><body>\n<h1>AutoGrader</h1>\n"
             "<p>Version " +
             EscapeHtml(d->options.version) + " &middot; " + EscapeHtml(ready) +
             "</p>\n<p>Submissions: " + EscapeHtml(counts) +
             "</p>\n<ul>\n"
             "<li><a href=\"/openapi.json\">/openapi.json</a>: the API</li>\n"
             "<li><a href=\"/health/ready\">/health/ready</a>: readiness</li>\n"
             "<li><a href=\"/metrics\">/metrics</a>: Prometheus metrics</li>\n"
             "</ul>\n<p>The web UI is not built yet; use the API (also under /api/).</p>\n"
             "</body></html>\n";
         return HttpResponse::Text(200, "text/html; charset=utf-8", std::move(html));
       },
       false,
       Operation(
           "status_page", "A plain status page", "operations",
           Json{{"200", Json{{"description", "HTML"},
                             {"content",
                              Json{{"text/html", Json{{"schema", Json{{"type", "string"}}}}}}}}}})},
      Access::kPublic);
}

}  // namespace ag
