#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"
#include "http/multipart.h"
#include "http/views.h"
#include "service/grade_override.h"

namespace ag {
namespace {

// Reads POST /submissions/?assignment_id=N with a multipart `file` (the original API), or a JSON
// body {assignment_id, content, student_id?, filename?} for text answers, into `submit`.
// `holder` keeps JSON content alive for the request's bytes. An error response for bad input.
std::optional<HttpResponse> ReadSubmission(const HttpRequest& req, SubmitRequest& submit,
                                           std::string& holder) {
  const auto content_type = req.Header("content-type").value_or("");
  const bool json = content_type.substr(0, 16) == "application/json";
  if (json) {
    auto body = JsonBody(req);
    if (!body.ok()) return ErrorResponse(body.status());
    if (!body->is_object()) {
      return ErrorResponse(InvalidArgumentError("expected a JSON object", {"body"}));
    }
    auto query_id = QueryInt(req, "assignment_id", std::int64_t{0}, 0, INT64_MAX);
    if (!query_id.ok()) return ErrorResponse(query_id.status());
    std::int64_t assignment = *query_id;
    if (auto it = body->find("assignment_id"); it != body->end()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
        return ErrorResponse(
            InvalidArgumentError("value is not a valid integer", {"body", "assignment_id"}));
      }
      assignment = it->get<std::int64_t>();
    }
    if (assignment <= 0) {
      return ErrorResponse(InvalidArgumentError("field required", {"body", "assignment_id"}));
    }
    auto content = body->find("content");
    if (content == body->end() || !content->is_string()) {
      return ErrorResponse(InvalidArgumentError(
          content == body->end() ? "field required" : "content must be a string",
          {"body", "content"}));
    }
    holder = content->get<std::string>();
    submit.assignment_id = AssignmentId(assignment);
    submit.filename = "answer.txt";
    if (auto f = body->find("filename"); f != body->end() && f->is_string()) {
      submit.filename = SanitizeFilename(f->get<std::string>());
    }
    if (auto st = body->find("student_id"); st != body->end() && !st->is_null()) {
      if (!st->is_string() && !st->is_number_integer()) {
        return ErrorResponse(
            InvalidArgumentError("student_id must be a string", {"body", "student_id"}));
      }
      submit.student_id = st->is_string() ? st->get<std::string>() : st->dump();
    }
    submit.bytes = holder;
  } else {
    auto assignment = QueryInt(req, "assignment_id", std::nullopt, 1, INT64_MAX);
    if (!assignment.ok()) return ErrorResponse(assignment.status());
    auto file = FileField(req);
    if (!file.ok()) return ErrorResponse(file.status());
    submit.assignment_id = AssignmentId(*assignment);
    submit.filename = file->filename;
    submit.bytes = file->bytes;
    if (auto st = req.Query("student_id")) submit.student_id = std::string(*st);
    for (const auto& [k, v] : file->fields) {
      if (k == "student_id") submit.student_id = v;
    }
  }
  if (submit.student_id.size() > 128) {
    return ErrorResponse(InvalidArgumentError("student_id is longer than 128 characters",
                                              {json ? "body" : "query", "student_id"}));
  }
  return std::nullopt;
}

// Answers once the submission is durable: the intake writes many at once
// (service/submission_service.h), so no thread waits for the commit.
void CreateSubmission(ApiDeps& d, const HttpRequest& req, const Respond& respond) {
  SubmitRequest submit;
  std::string holder;
  if (auto error = ReadSubmission(req, submit, holder)) return respond(std::move(*error));
  const Principal& caller = Caller(req);
  if (!caller.admin()) {
    // Students submit as themselves, to their own courses; staff may submit for a student.
    auto assignment = d.store.GetAssignment(submit.assignment_id);
    if (!assignment.ok()) return respond(ErrorResponse(assignment.status()));
    auto standing = StandingIn(d, caller, assignment->course_id);
    if (!standing.ok()) return respond(ErrorResponse(standing.status()));
    if (*standing < Standing::kStudent) {
      return respond(ErrorResponse(PermissionDeniedError("not enrolled in this course")));
    }
    if (*standing == Standing::kStudent) {
      submit.student_id = caller.email;
      submit.user_id = caller.user;
    }
  }
  d.submissions.SubmitAsync(
      submit, [respond](Result<Submission> r) { respond(ToResponse(r, SubmissionView)); });
}

// The submission as the caller may see it (the route let only its owner or staff in).
HttpResponse GetSubmission(ApiDeps& d, const HttpRequest& req) {
  auto id = PathId(req, "submission_id");
  if (!id.ok()) return ErrorResponse(id.status());
  const Principal& caller = Caller(req);
  if (caller.admin() || !d.policy) {
    return ToResponse(d.store.GetSubmission(SubmissionId(*id)), SubmissionView);
  }
  auto access = d.policy->ForSubmission(caller, SubmissionId(*id));
  if (!access.ok()) return ErrorResponse(access.status());
  if (access->standing >= Standing::kTa) {
    return HttpResponse::FromJson(200, SubmissionView(access->submission));
  }
  return HttpResponse::FromJson(200,
                                StudentSubmissionView(access->submission, access->grade_visible()));
}

HttpResponse ListSubmissions(ApiDeps& d, const HttpRequest& req) {
  auto id = PathId(req, "assignment_id");
  if (!id.ok()) return ErrorResponse(id.status());
  auto page = PageParams(req, d.options.list_limit);
  if (!page.ok()) return ErrorResponse(page.status());
  const Principal& caller = Caller(req);
  auto to_json = [](const std::vector<Submission>& list, bool student, bool released) {
    Json out = Json::array();
    for (const auto& s : list) {
      out.push_back(student ? StudentSubmissionView(s, released) : SubmissionView(s));
    }
    return out;
  };
  if (!caller.admin()) {
    auto assignment = d.store.GetAssignment(AssignmentId(*id));
    if (!assignment.ok()) return ErrorResponse(assignment.status());
    auto standing = StandingIn(d, caller, assignment->course_id);
    if (!standing.ok()) return ErrorResponse(standing.status());
    if (*standing < Standing::kStudent) return ErrorResponse(PermissionDeniedError("Not allowed"));
    if (*standing == Standing::kStudent) {
      const bool released = assignment->grades_released_at.has_value();
      return ToResponse(
          d.store.ListUserSubmissions(AssignmentId(*id), caller.user, page->limit, page->offset),
          [&](const std::vector<Submission>& list) { return to_json(list, true, released); });
    }
  }
  return ToResponse(
      d.store.ListSubmissions(AssignmentId(*id), page->limit, page->offset),
      [&](const std::vector<Submission>& list) { return to_json(list, false, true); });
}

HttpResponse GetGrade(ApiDeps& d, const HttpRequest& req) {
  auto id = PathId(req, "submission_id");
  if (!id.ok()) return ErrorResponse(id.status());
  const Principal& caller = Caller(req);
  if (!caller.admin() && d.policy) {
    auto access = d.policy->ForSubmission(caller, SubmissionId(*id));
    if (!access.ok()) return ErrorResponse(access.status());
    if (!access->grade_visible()) {
      return ErrorResponse(PermissionDeniedError("grades are not released yet"));
    }
  }
  return ToResponse(d.store.GetGrade(SubmissionId(*id)), GradeView);
}

HttpResponse PutGrade(ApiDeps& d, const HttpRequest& req) {
  auto id = PathId(req, "submission_id");
  if (!id.ok()) return ErrorResponse(id.status());
  auto body = JsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  const std::string actor = Caller(req).actor();
  auto grade = OverrideGrade(d.store, d.clock, SubmissionId(*id), *body, actor);
  if (grade.ok() && d.accounts) {
    Status audited = d.accounts->Audit(actor, "grade_override", "submission", std::to_string(*id),
                                       Json{{"score", JsonNumber(grade->result.score)}});
    if (!audited.ok()) return ErrorResponse(audited);
  }
  return ToResponse(grade, GradeView);
}

}  // namespace

void AddSubmissionRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;

  router.Add({"POST", "/submissions", nullptr, false,
              Operation(
                  "create_submission",
                  "Submit an answer (multipart file, or JSON text) and queue it for grading",
                  "submissions",
                  [] {
                    Json r{{"200", Response("The submission, queued", Ref("Submission"))}};
                    r.update(ErrorResponses(true, true, true));
                    r["413"] = Response("The file is larger than MAX_UPLOAD_MB", Ref("Error"));
                    r["415"] = Response("The file type is not supported", Ref("Error"));
                    return r;
                  }(),
                  Json::array({QueryParam("assignment_id", "integer", false,
                                          "The assignment (required with a multipart upload)"),
                               QueryParam("student_id", "string", false, "Who submitted")}),
                  [] {
                    Json body =
                        MultipartFileBody("The answer (.pdf, .docx, .txt, .md or a source file)",
                                          Json{{"student_id", Json{{"type", "string"}}}});
                    body["content"]["application/json"] = Json{{"schema", Ref("SubmissionCreate")}};
                    return body;
                  }()),
              [d](const HttpRequest& req, Respond respond) { CreateSubmission(*d, req, respond); }},
             Access::kSignedIn);

  router.Add({"GET", "/submissions/{submission_id}",
              [d](const HttpRequest& req) { return GetSubmission(*d, req); }, false,
              Operation(
                  "get_submission", "Get a submission and its status", "submissions",
                  [] {
                    Json r{{"200", Response("The submission", Ref("Submission"))}};
                    r.update(ErrorResponses(true, true));
                    return r;
                  }(),
                  Json::array({PathParam("submission_id", "Submission id")}))},
             Access::kSubmissionOwnerOrStaff);

  router.Add(
      {"GET", "/submissions/assignment/{assignment_id}",
       [d](const HttpRequest& req) { return ListSubmissions(*d, req); }, false,
       Operation(
           "list_submissions", "List an assignment's submissions, newest first", "submissions",
           [] {
             Json r{{"200", Response("Submissions",
                                     Json{{"type", "array"}, {"items", Ref("Submission")}})}};
             r.update(ErrorResponses(false, true));
             return r;
           }(),
           Json::array({PathParam("assignment_id", "Assignment id"),
                        QueryParam("limit", "integer", false, "At most this many (default 1000)"),
                        QueryParam("offset", "integer", false, "Skip this many")}))},
      Access::kCourseMember);

  router.Add(
      {"GET", "/submissions/{submission_id}/grade",
       [d](const HttpRequest& req) { return GetGrade(*d, req); }, false,
       Operation(
           "get_grade", "Get a submission's grade with breakdown and citations", "submissions",
           [] {
             Json r{{"200", Response("The grade", Ref("Grade"))}};
             r.update(ErrorResponses(true, true));
             return r;
           }(),
           Json::array({PathParam("submission_id", "Submission id")}))},
      Access::kSubmissionOwnerOrStaff);

  router.Add(
      {"PUT", "/submissions/{submission_id}/grade",
       [d](const HttpRequest& req) { return PutGrade(*d, req); }, false,
       Operation(
           "override_grade",
           "Replace a submission's grade with a person's (criteria left out keep their points); "
           "the answer becomes a graded example for the local grader",
           "submissions",
           [] {
             Json r{{"200", Response("The grade now", Ref("Grade"))}};
             r.update(ErrorResponses(true, true));
             return r;
           }(),
           Json::array({PathParam("submission_id", "Submission id")}),
           Json{{"required", true},
                {"content",
                 JsonContent(Json{
                     {"type", "object"},
                     {"properties",
                      {{"breakdown",
                        {{"type", "object"},
                         {"additionalProperties",
                          {{"oneOf", Json::array({{{"type", "number"}},
                                                  {{"type", "object"},
                                                   {"required", {"points"}},
                                                   {"properties",
                                                    {{"points", {{"type", "number"}}},
                                                     {"comment", {{"type", "string"}}}}}}})}}}}},
                       {"feedback", {{"type", "string"}}},
                       {"reason", {{"type", "string"}}}}}})}})},
      Access::kCourseStaff);
}

}  // namespace ag
