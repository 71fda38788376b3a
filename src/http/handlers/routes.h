// Each resource registers its routes, with their OpenAPI operations, on the router.
#pragma once

#include "http/api.h"
#include "http/router.h"

namespace ag {

void AddAssignmentRoutes(Router& router, ApiDeps& deps);
void AddSubmissionRoutes(Router& router, ApiDeps& deps);
void AddHealthRoutes(Router& router, ApiDeps& deps);
void AddMetricsRoutes(Router& router, ApiDeps& deps);
// Accounts: sessions, users and the audit log, courses with their members and API keys.
void AddAuthRoutes(Router& router, ApiDeps& deps);
void AddUserRoutes(Router& router, ApiDeps& deps);
void AddCourseRoutes(Router& router, ApiDeps& deps);
// Registers last: the document describes every route registered before it.
void AddOpenApiRoutes(Router& router, ApiDeps& deps);
void AddStatusPageRoutes(Router& router, ApiDeps& deps);

}  // namespace ag
