#include <memory>

#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"
#include "obs/log.h"

namespace ag {
namespace {

Json Schemas() {
  using openapi::Ref;
  const Json str{{"type", "string"}};
  const Json integer{{"type", "integer"}};
  const Json number{{"type", "number"}};
  const Json datetime{{"type", "string"}, {"format", "date-time"}};
  auto nullable = [](Json t) { return Json{{"anyOf", Json::array({t, Json{{"type", "null"}}})}}; };
  Json s = Json::object();
  s["Criterion"] = {
      {"type", "object"},
      {"required", Json::array({"description", "max_points"})},
      {"properties",
       {{"description", str},
        {"max_points", Json{{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 10000}}},
        {"levels",
         Json{{"type", "array"},
              {"items", Json{{"type", "object"},
                             {"required", Json::array({"points", "description"})},
                             {"properties", {{"points", number}, {"description", str}}}}}}}}}};
  s["Rubric"] = {{"type", "object"},
                 {"description", "Criteria by key: {key: {description, max_points}}"},
                 {"minProperties", 1},
                 {"additionalProperties", Ref("Criterion")}};
  s["AssignmentCreate"] = {{"type", "object"},
                           {"required", Json::array({"title", "rubric"})},
                           {"properties",
                            {{"title", Json{{"type", "string"}, {"maxLength", 255}}},
                             {"rubric", Ref("Rubric")},
                             {"question", str},
                             {"reference_answer", str},
                             {"course_id", Json{{"type", "integer"},
                                                {"description",
                                                 "The course (with auth on: one you teach; "
                                                 "only admins may leave it out)"}}}}}};
  s["Assignment"] = {{"type", "object"},
                     {"required", Json::array({"id", "title", "rubric", "created_at"})},
                     {"properties",
                      {{"id", integer},
                       {"title", str},
                       {"rubric", Ref("Rubric")},
                       {"created_at", datetime},
                       {"question", str},
                       {"reference_answer", str},
                       {"rubric_version", integer},
                       {"max_score", number},
                       {"course_id", nullable(integer)},
                       {"grades_released_at", nullable(datetime)}}}};
  s["ReferenceUploaded"] = {{"type", "object"},
                            {"required", Json::array({"message", "filename", "chunks_created"})},
                            {"properties",
                             {{"message", str},
                              {"filename", str},
                              {"chunks_created", integer},
                              {"material_id", integer},
                              {"sha256", str}}}};
  s["SubmissionCreate"] = {
      {"type", "object"},
      {"required", Json::array({"assignment_id", "content"})},
      {"properties",
       {{"assignment_id", integer}, {"content", str}, {"student_id", str}, {"filename", str}}}};
  s["Submission"] = {
      {"type", "object"},
      {"required", Json::array({"id", "assignment_id", "filename", "status", "created_at"})},
      {"properties",
       {{"id", integer},
        {"assignment_id", integer},
        {"filename", str},
        {"status",
         Json{{"type", "string"},
              {"enum", Json::array({"queued", "grading", "done", "needs_review", "error"})}}},
        {"score", nullable(number)},
        {"feedback", nullable(str)},
        {"created_at", datetime},
        {"student_id", nullable(str)},
        {"error", nullable(str)},
        {"attempts", integer},
        {"updated_at", datetime},
        {"user_id", nullable(integer)}}}};
  s["CriterionScore"] = {
      {"type", "object"},
      {"required", Json::array({"points", "max_points", "comment"})},
      {"properties", {{"points", number}, {"max_points", number}, {"comment", str}}}};
  s["Citation"] = {
      {"type", "object"},
      {"required", Json::array({"reference_id", "text", "relevance"})},
      {"properties",
       {{"reference_id", Json{{"type", "integer"}, {"description", "The cited chunk's id"}}},
        {"text", str},
        {"relevance", str},
        {"verified",
         Json{{"type", "boolean"}, {"description", "The quote was found in the chunk"}}}}}};
  s["Grade"] = {
      {"type", "object"},
      {"required", Json::array({"id", "submission_id", "score", "breakdown", "feedback",
                                "citations", "created_at"})},
      {"properties",
       {{"id", integer},
        {"submission_id", integer},
        {"score", number},
        {"breakdown", Json{{"type", "object"}, {"additionalProperties", Ref("CriterionScore")}}},
        {"feedback", str},
        {"citations", Json{{"type", "array"}, {"items", Ref("Citation")}}},
        {"created_at", datetime},
        {"max_score", number},
        {"rubric_version", integer},
        {"grader", str},
        {"model", str},
        {"confidence", number},
        {"provenance", Json{{"type", "object"}}}}}};
  s["User"] = {{"type", "object"},
               {"properties",
                {{"id", integer},
                 {"email", str},
                 {"name", str},
                 {"role", Json{{"type", "string"},
                               {"enum", Json::array({"admin", "instructor", "ta", "student"})}}},
                 {"disabled", Json{{"type", "boolean"}}},
                 {"created_at", datetime},
                 {"courses", Json{{"type", "array"}, {"items", Ref("Course")}}}}}};
  s["Course"] = {{"type", "object"},
                 {"properties",
                  {{"id", integer},
                   {"code", str},
                   {"title", str},
                   {"created_at", datetime},
                   {"my_role", Json{{"type", "string"},
                                    {"enum", Json::array({"instructor", "ta", "student"})}}}}}};
  s["Enrollment"] = {{"type", "object"},
                     {"properties",
                      {{"course_id", integer},
                       {"user_id", integer},
                       {"role", str},
                       {"email", str},
                       {"name", str},
                       {"created_at", datetime}}}};
  s["ApiKey"] = {
      {"type", "object"},
      {"properties",
       {{"id", integer},
        {"course_id", integer},
        {"user_id", integer},
        {"name", str},
        {"created_at", datetime},
        {"revoked_at", nullable(datetime)},
        {"key", Json{{"type", "string"}, {"description", "Only in the answer that made it"}}}}}};
  s["AuditEntry"] = {{"type", "object"},
                     {"properties",
                      {{"id", integer},
                       {"actor", str},
                       {"action", str},
                       {"entity", str},
                       {"entity_id", str},
                       {"detail", Json{{"type", "object"}}},
                       {"created_at", datetime}}}};
  s["Error"] = {
      {"type", "object"}, {"required", Json::array({"detail"})}, {"properties", {{"detail", str}}}};
  s["HTTPValidationError"] = {
      {"type", "object"},
      {"properties",
       {{"detail",
         Json{{"type", "array"},
              {"items",
               Json{{"type", "object"},
                    {"required", Json::array({"loc", "msg", "type"})},
                    {"properties",
                     {{"loc", Json{{"type", "array"},
                                   {"items", Json{{"anyOf", Json::array({str, integer})}}}}},
                      {"msg", str},
                      {"type", str}}}}}}}}}};
  return s;
}

}  // namespace

void AddOpenApiRoutes(Router& router, ApiDeps& deps) {
  Json paths = Json::object();
  for (const Route& r : router.routes()) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Json op = r.openapi;
    if (r.access != Access::kPublic) {
      // Who may call it, and the two refusals every protected route can give.
      op["security"] = Json::array({Json{{"bearer", Json::array()}}});
      op["x-access"] = std::string(ToString(r.access));
      op["responses"]["401"] = openapi::Response("No valid credentials", openapi::Ref("Error"));
      if (r.access != Access::kSignedIn) {
        op["responses"]["403"] =
            openapi::Response("Not allowed for this caller", openapi::Ref("Error"));
      }
    }
    paths[r.pattern][method] = std::move(op);
  }
  paths["/openapi.json"]["get"] = openapi::Operation(
      "openapi", "This document", "operations",
      Json{{"200", openapi::Response("OpenAPI 3.1 document", Json{{"type", "object"}})}});
  const Json doc{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "AutoGrader"},
        {"version", deps.options.version},
        {"description",
         "Grades student work against an instructor's rubric. Every route is also served under "
         "/api/, and a trailing slash is optional (/assignments/ and /assignments are the "
         "same). Requests carry `Authorization: Bearer <token>` (see POST /auth/login) unless "
         "the server runs with --auth=off; x-access says who may call each route."}}},
      {"paths", paths},
      {"components",
       {{"schemas", Schemas()},
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"bearerFormat", "JWT"},
            {"description",
             "An access token from POST /auth/login, or a course's API key (agk_...)"}}}}}}}};
  auto body = std::make_shared<const std::string>(DumpJson(doc));
  router.Add(
      {"GET", "/openapi.json",
       [body](const HttpRequest&) { return HttpResponse::Text(200, "application/json", *body); },
       false, paths["/openapi.json"]["get"]},
      Access::kPublic);
}

}  // namespace ag
