#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"
#include "http/views.h"

namespace ag {

void AddAssignmentRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;

  router.Add({"POST", "/assignments",
              [d](const HttpRequest& req) {
                auto body = JsonBody(req);
                if (!body.ok()) return ErrorResponse(body.status());
                auto parsed = ParseAssignment(*body, {"body"});
                if (!parsed.ok()) return ErrorResponse(parsed.status());
                return ToResponse(d->assignments.Create(*parsed), AssignmentView);
              },
              false,
              Operation(
                  "create_assignment", "Create an assignment with its rubric", "assignments",
                  [] {
                    Json r{{"200", Response("The assignment", Ref("Assignment"))}};
                    r.update(ErrorResponses(false, true));
                    return r;
                  }(),
                  Json::array(),
                  Json{{"required", true}, {"content", JsonContent(Ref("AssignmentCreate"))}})});

  router.Add(
      {"GET", "/assignments",
       [d](const HttpRequest& req) {
         auto page = PageParams(req, d->options.list_limit);
         if (!page.ok()) return ErrorResponse(page.status());
         return ToResponse(d->store.ListAssignments(page->limit, page->offset),
                           [](const std::vector<Assignment>& list) {
                             Json out = Json::array();
                             for (const auto& a : list) out.push_back(AssignmentView(a));
                             return out;
                           });
       },
       false,
       Operation(
           "list_assignments", "List assignments, newest first", "assignments",
           [] {
             Json r{{"200", Response("Assignments",
                                     Json{{"type", "array"}, {"items", Ref("Assignment")}})}};
             r.update(ErrorResponses(false, true));
             return r;
           }(),
           Json::array({QueryParam("limit", "integer", false, "At most this many (default 1000)"),
                        QueryParam("offset", "integer", false, "Skip this many")}))});

  router.Add({"GET", "/assignments/{assignment_id}",
              [d](const HttpRequest& req) {
                auto id = PathId(req, "assignment_id");
                if (!id.ok()) return ErrorResponse(id.status());
                return ToResponse(d->store.GetAssignment(AssignmentId(*id)), AssignmentView);
              },
              false,
              Operation(
                  "get_assignment", "Get an assignment", "assignments",
                  [] {
                    Json r{{"200", Response("The assignment", Ref("Assignment"))}};
                    r.update(ErrorResponses(true, true));
                    return r;
                  }(),
                  Json::array({PathParam("assignment_id", "Assignment id")}))});

  router.Add(
      {"POST", "/assignments/{assignment_id}/graded-answers",
       [d](const HttpRequest& req) {
         auto id = PathId(req, "assignment_id");
         if (!id.ok()) return ErrorResponse(id.status());
         auto body = JsonBody(req);
         if (!body.ok()) return ErrorResponse(body.status());
         return ToResponse(d->assignments.AddGradedAnswers(AssignmentId(*id), *body, {"body"}),
                           [](const AddedGradedAnswers& r) {
                             return Json{{"added", r.added}, {"graded_answers", r.total}};
                           });
       },
       false,
       Operation(
           "add_graded_answers",
           "Add answers graded by people: the examples the local grader learns from", "assignments",
           [] {
             Json r{{"200", Response("How many were added, and the assignment's total",
                                     Json{{"type", "object"},
                                          {"properties",
                                           {{"added", {{"type", "integer"}}},
                                            {"graded_answers", {{"type", "integer"}}}}}})}};
             r.update(ErrorResponses(true, true));
             return r;
           }(),
           Json::array({PathParam("assignment_id", "Assignment id")}),
           Json{{"required", true},
                {"content",
                 JsonContent(
                     Json{{"type", "object"},
                          {"required", {"answers"}},
                          {"properties",
                           {{"answers",
                             {{"type", "array"},
                              {"items",
                               {{"type", "object"},
                                {"required", {"answer"}},
                                {"properties",
                                 {{"answer", {{"type", "string"}}},
                                  {"score", {{"type", "number"}}},
                                  {"points",
                                   {{"type", "object"},
                                    {"additionalProperties", {{"type", "number"}}}}}}}}}}}}}})}})});

  router.Add(
      {"POST", "/assignments/{assignment_id}/references",
       [d](const HttpRequest& req) {
         auto id = PathId(req, "assignment_id");
         if (!id.ok()) return ErrorResponse(id.status());
         auto file = FileField(req);
         if (!file.ok()) return ErrorResponse(file.status());
         auto added = d->assignments.AddReference(AssignmentId(*id), file->filename, file->bytes);
         return ToResponse(added, [&](const AddedReference& r) {
           return Json{{"message", "Reference document indexed successfully"},
                       {"filename", r.material.filename},
                       {"chunks_created", r.chunks_created},
                       {"material_id", r.material.id.value()},
                       {"sha256", r.material.sha256}};
         });
       },
       /*blocking=*/true,
       Operation(
           "upload_reference", "Upload reference material (PDF, DOCX, text, code)", "assignments",
           [] {
             Json r{{"200", Response("Indexed", Ref("ReferenceUploaded"))}};
             r.update(ErrorResponses(true, true, true));
             r["413"] = Response("The file is larger than MAX_UPLOAD_MB", Ref("Error"));
             r["415"] = Response("The file type is not supported", Ref("Error"));
             return r;
           }(),
           Json::array({PathParam("assignment_id", "Assignment id")}),
           MultipartFileBody("The reference document"))});
}

}  // namespace ag
