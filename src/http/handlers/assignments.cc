#include <map>

#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"
#include "http/views.h"

namespace ag {
namespace {

HttpResponse CreateAssignment(ApiDeps& d, const HttpRequest& req) {
  auto body = JsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto parsed = ParseAssignment(*body, {"body"});
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  auto course = body->is_object() ? OptionalIdField(*body, "course_id")
                                  : Result<std::optional<std::int64_t>>(std::nullopt);
  if (!course.ok()) return ErrorResponse(course.status());
  const Principal& caller = Caller(req);
  if (*course) {
    parsed->course_id = CourseId(**course);
    if (d.accounts) {
      auto exists = d.accounts->store().GetCourse(*parsed->course_id);
      if (!exists.ok()) {
        if (exists.status().code() != StatusCode::kNotFound) return ErrorResponse(exists.status());
        return ErrorResponse(InvalidArgumentError("no such course", {"body", "course_id"}));
      }
    }
    auto standing = StandingIn(d, caller, parsed->course_id);
    if (!standing.ok()) return ErrorResponse(standing.status());
    if (*standing < Standing::kInstructor) {
      return ErrorResponse(PermissionDeniedError("only the course's instructors add assignments"));
    }
  } else if (!caller.admin()) {
    return ErrorResponse(PermissionDeniedError("give the course_id of a course you teach"));
  }
  return ToResponse(d.assignments.Create(*parsed), AssignmentView);
}

HttpResponse ListAssignments(ApiDeps& d, const HttpRequest& req) {
  auto page = PageParams(req, d.options.list_limit);
  if (!page.ok()) return ErrorResponse(page.status());
  const Principal& caller = Caller(req);
  auto to_json = [](const std::vector<Assignment>& list,
                    const std::map<std::int64_t, CourseRole>& roles) {
    Json out = Json::array();
    for (const auto& a : list) {
      auto role = a.course_id ? roles.find(a.course_id->value()) : roles.end();
      const bool student = role != roles.end() && role->second == CourseRole::kStudent;
      out.push_back(student ? StudentAssignmentView(a) : AssignmentView(a));
    }
    return out;
  };
  if (caller.admin()) {
    return ToResponse(d.store.ListAssignments(page->limit, page->offset),
                      [&](const std::vector<Assignment>& list) { return to_json(list, {}); });
  }
  if (!d.policy) return HttpResponse::FromJson(200, Json::array());
  auto memberships = d.policy->Memberships(caller);
  if (!memberships.ok()) return ErrorResponse(memberships.status());
  std::vector<CourseId> courses;
  std::map<std::int64_t, CourseRole> roles;
  for (const auto& m : *memberships) {
    courses.push_back(m.course.id);
    roles[m.course.id.value()] = m.role;
  }
  return ToResponse(d.store.ListCourseAssignments(courses, page->limit, page->offset),
                    [&](const std::vector<Assignment>& list) { return to_json(list, roles); });
}

HttpResponse GetAssignment(ApiDeps& d, const HttpRequest& req) {
  auto id = PathId(req, "assignment_id");
  if (!id.ok()) return ErrorResponse(id.status());
  auto a = d.store.GetAssignment(AssignmentId(*id));
  if (!a.ok()) return ErrorResponse(a.status());
  auto standing = StandingIn(d, Caller(req), a->course_id);
  if (!standing.ok()) return ErrorResponse(standing.status());
  return HttpResponse::FromJson(
      200, *standing >= Standing::kTa ? AssignmentView(*a) : StudentAssignmentView(*a));
}

HttpResponse SetReleased(ApiDeps& d, const HttpRequest& req, bool released) {
  auto id = PathId(req, "assignment_id");
  if (!id.ok()) return ErrorResponse(id.status());
  Status s = d.store.SetGradesReleased(AssignmentId(*id), released, d.clock.Now());
  if (!s.ok()) return ErrorResponse(s);
  if (d.accounts) {
    s = d.accounts->Audit(Caller(req).actor(), released ? "grades_released" : "grades_withdrawn",
                          "assignment", std::to_string(*id));
    if (!s.ok()) return ErrorResponse(s);
  }
  return ToResponse(d.store.GetAssignment(AssignmentId(*id)), AssignmentView);
}

}  // namespace

void AddAssignmentRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;

  router.Add({"POST", "/assignments",
              [d](const HttpRequest& req) { return CreateAssignment(*d, req); }, false,
              Operation(
                  "create_assignment", "Create an assignment with its rubric", "assignments",
                  [] {
                    Json r{{"200", Response("The assignment", Ref("Assignment"))}};
                    r.update(ErrorResponses(false, true));
                    return r;
                  }(),
                  Json::array(),
                  Json{{"required", true}, {"content", JsonContent(Ref("AssignmentCreate"))}})},
             Access::kSignedIn);

  router.Add(
      {"GET", "/assignments", [d](const HttpRequest& req) { return ListAssignments(*d, req); },
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
                        QueryParam("offset", "integer", false, "Skip this many")}))},
      Access::kSignedIn);

  router.Add({"GET", "/assignments/{assignment_id}",
              [d](const HttpRequest& req) { return GetAssignment(*d, req); }, false,
              Operation(
                  "get_assignment", "Get an assignment", "assignments",
                  [] {
                    Json r{{"200", Response("The assignment", Ref("Assignment"))}};
                    r.update(ErrorResponses(true, true));
                    return r;
                  }(),
                  Json::array({PathParam("assignment_id", "Assignment id")}))},
             Access::kCourseMember);

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
                                    {"additionalProperties", {{"type", "number"}}}}}}}}}}}}}})}})},
      Access::kCourseStaff);

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
           MultipartFileBody("The reference document"))},
      Access::kCourseStaff);

  auto release_op = [](const std::string& id, const std::string& summary) {
    Json r{{"200", Response("The assignment", Ref("Assignment"))}};
    r.update(ErrorResponses(true, true));
    return Operation(id, summary, "assignments", r,
                     Json::array({PathParam("assignment_id", "Assignment id")}));
  };
  router.Add({"POST", "/assignments/{assignment_id}/release",
              [d](const HttpRequest& req) { return SetReleased(*d, req, true); }, false,
              release_op("release_grades",
                         "Show the assignment's grades to its students (the course's "
                         "instructors)")},
             Access::kCourseInstructor);
  router.Add(
      {"DELETE", "/assignments/{assignment_id}/release",
       [d](const HttpRequest& req) { return SetReleased(*d, req, false); }, false,
       release_op("withdraw_grades", "Hide the assignment's grades from its students again")},
      Access::kCourseInstructor);
}

}  // namespace ag
