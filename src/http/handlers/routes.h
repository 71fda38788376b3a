// Each resource registers its routes, with their OpenAPI operations, on the router.
#pragma once

#include "http/api.h"
#include "http/router.h"

namespace ag {

void AddAssignmentRoutes(Router& router, ApiDeps& deps);
void AddSubmissionRoutes(Router& router, ApiDeps& deps);
void AddHealthRoutes(Router& router, ApiDeps& deps);
void AddMetricsRoutes(Router& router, ApiDeps& deps);
// Registers last: the document describes every route registered before it.
void AddOpenApiRoutes(Router& router, ApiDeps& deps);
void AddStatusPageRoutes(Router& router, ApiDeps& deps);

}  // namespace ag
