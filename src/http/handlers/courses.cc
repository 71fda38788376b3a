// Courses, their members and their API keys.
#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"
#include "http/views.h"

namespace ag {
namespace {

HttpResponse CreateCourse(ApiDeps& d, const HttpRequest& req) {
  const Principal& caller = Caller(req);
  if (!caller.admin() && (caller.role != Role::kInstructor || caller.course_scope)) {
    return ErrorResponse(PermissionDeniedError("only instructors and admins create courses"));
  }
  auto body = JsonObjectBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto code = StringField(*body, "code");
  if (!code.ok()) return ErrorResponse(code.status());
  auto title = StringField(*body, "title");
  if (!title.ok()) return ErrorResponse(title.status());
  return ToResponse(d.accounts->AddCourse(*code, *title, caller),
                    [](const Course& c) { return CourseView(c); });
}

HttpResponse ListCourses(ApiDeps& d, const HttpRequest& req) {
  auto page = PageParams(req, d.options.list_limit);
  if (!page.ok()) return ErrorResponse(page.status());
  const Principal& caller = Caller(req);
  Json out = Json::array();
  if (caller.admin()) {
    auto all = d.accounts->store().ListCourses(page->limit, page->offset);
    if (!all.ok()) return ErrorResponse(all.status());
    for (const auto& c : *all) out.push_back(CourseView(c));
    return HttpResponse::FromJson(200, out);
  }
  auto mine = d.accounts->store().ListMemberships(caller.user);
  if (!mine.ok()) return ErrorResponse(mine.status());
  int skipped = 0;
  for (const auto& m : *mine) {
    if (caller.course_scope && m.course.id != *caller.course_scope) continue;
    if (skipped++ < page->offset) continue;
    if (static_cast<int>(out.size()) >= page->limit) break;
    out.push_back(CourseView(m.course, m.role));
  }
  return HttpResponse::FromJson(200, out);
}

HttpResponse Enroll(ApiDeps& d, const HttpRequest& req) {
  auto course = PathId(req, "course_id");
  if (!course.ok()) return ErrorResponse(course.status());
  auto body = JsonObjectBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto user_id = OptionalIdField(*body, "user_id");
  if (!user_id.ok()) return ErrorResponse(user_id.status());
  auto email = OptionalStringField(*body, "email");
  if (!email.ok()) return ErrorResponse(email.status());
  auto role_text = StringField(*body, "role");
  if (!role_text.ok()) return ErrorResponse(role_text.status());
  auto role = ParseCourseRole(*role_text);
  if (!role) {
    return ErrorResponse(
        InvalidArgumentError("must be instructor, ta or student", {"body", "role"}));
  }
  UserId user;
  if (*user_id) {
    // Ids are sequential: enrolling by id would let an instructor list every account's email.
    if (!Caller(req).admin()) {
      return ErrorResponse(
          InvalidArgumentError("instructors enroll by email", {"body", "user_id"}));
    }
    user = UserId(**user_id);
  } else if (*email) {
    auto normal = NormalizeEmail(**email, {"body", "email"});
    if (!normal.ok()) return ErrorResponse(normal.status());
    auto found = d.accounts->store().FindUserByEmail(*normal);
    if (!found.ok()) return ErrorResponse(found.status());
    user = found->id;
  } else {
    return ErrorResponse(InvalidArgumentError("field required", {"body", "user_id"}));
  }
  return ToResponse(d.accounts->Enroll(CourseId(*course), user, *role, Caller(req).actor()),
                    EnrollmentView);
}

HttpResponse CreateApiKey(ApiDeps& d, const HttpRequest& req) {
  const Principal& caller = Caller(req);
  if (caller.course_scope) {
    return ErrorResponse(PermissionDeniedError("an API key cannot make API keys"));
  }
  auto course = PathId(req, "course_id");
  if (!course.ok()) return ErrorResponse(course.status());
  auto body = JsonObjectBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto name = StringField(*body, "name");
  if (!name.ok()) return ErrorResponse(name.status());
  return ToResponse(d.accounts->CreateApiKey(CourseId(*course), *name, caller),
                    [](const std::pair<std::string, ApiKey>& created) {
                      Json j = ApiKeyView(created.second);
                      j["key"] = created.first;  // shown this once
                      return j;
                    });
}

Json CoursePath(const std::string& what) {
  return Json::array({openapi::PathParam("course_id", what)});
}

}  // namespace

void AddCourseRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;
  auto one = [](const std::string& what, const std::string& schema) {
    Json r{{"200", Response(what, Ref(schema))}};
    r.update(ErrorResponses(true, true));
    return r;
  };
  auto many = [](const std::string& what, const std::string& schema) {
    Json r{{"200", Response(what, Json{{"type", "array"}, {"items", Ref(schema)}})}};
    r.update(ErrorResponses(true, true));
    return r;
  };

  router.Add(
      {"POST", "/courses", [d](const HttpRequest& req) { return CreateCourse(*d, req); }, false,
       Operation("create_course", "Create a course (instructors, who then teach it, and admins)",
                 "courses", one("The course", "Course"), Json::array(),
                 Json{{"required", true},
                      {"content", JsonContent(Json{{"type", "object"},
                                                   {"required", {"code", "title"}},
                                                   {"properties",
                                                    {{"code", {{"type", "string"}}},
                                                     {"title", {{"type", "string"}}}}}})}})},
      Access::kSignedIn);

  router.Add(
      {"GET", "/courses", [d](const HttpRequest& req) { return ListCourses(*d, req); }, false,
       Operation("list_courses", "The caller's courses (admins: all)", "courses",
                 many("Courses", "Course"),
                 Json::array({QueryParam("limit", "integer", false, "At most this many"),
                              QueryParam("offset", "integer", false, "Skip this many")}))},
      Access::kSignedIn);

  router.Add({"GET", "/courses/{course_id}",
              [d](const HttpRequest& req) {
                auto id = PathId(req, "course_id");
                if (!id.ok()) return ErrorResponse(id.status());
                return ToResponse(d->accounts->store().GetCourse(CourseId(*id)),
                                  [](const Course& c) { return CourseView(c); });
              },
              false,
              Operation("get_course", "Get a course (its members)", "courses",
                        one("The course", "Course"), CoursePath("Course id"))},
             Access::kCourseMember);

  router.Add(
      {"POST", "/courses/{course_id}/enrollments",
       [d](const HttpRequest& req) { return Enroll(*d, req); }, false,
       Operation("enroll",
                 "Enroll a user (by email; admins also by user_id) as instructor, ta or student, "
                 "or change their role (the course's instructors)",
                 "courses", one("The enrollment", "Enrollment"), CoursePath("Course id"),
                 Json{{"required", true},
                      {"content",
                       JsonContent(Json{{"type", "object"},
                                        {"required", {"role"}},
                                        {"properties",
                                         {{"user_id", {{"type", "integer"}}},
                                          {"email", {{"type", "string"}}},
                                          {"role",
                                           {{"type", "string"},
                                            {"enum", {"instructor", "ta", "student"}}}}}}})}})},
      Access::kCourseInstructor);

  router.Add({"GET", "/courses/{course_id}/enrollments",
              [d](const HttpRequest& req) {
                auto id = PathId(req, "course_id");
                if (!id.ok()) return ErrorResponse(id.status());
                return ToResponse(d->accounts->store().ListEnrollments(CourseId(*id)),
                                  [](const std::vector<Enrollment>& list) {
                                    Json out = Json::array();
                                    for (const auto& e : list) out.push_back(EnrollmentView(e));
                                    return out;
                                  });
              },
              false,
              Operation("list_enrollments", "A course's members (its staff)", "courses",
                        many("Enrollments", "Enrollment"), CoursePath("Course id"))},
             Access::kCourseStaff);

  router.Add(
      {"POST", "/courses/{course_id}/api-keys",
       [d](const HttpRequest& req) { return CreateApiKey(*d, req); }, false,
       Operation(
           "create_api_key",
           "A key for a machine client, acting as its maker within this course only; the "
           "key is in this answer only (the course's instructors)",
           "courses", one("The key", "ApiKey"), CoursePath("Course id"),
           Json{{"required", true},
                {"content", JsonContent(Json{{"type", "object"},
                                             {"required", {"name"}},
                                             {"properties", {{"name", {{"type", "string"}}}}}})}})},
      Access::kCourseInstructor);

  router.Add({"GET", "/courses/{course_id}/api-keys",
              [d](const HttpRequest& req) {
                auto id = PathId(req, "course_id");
                if (!id.ok()) return ErrorResponse(id.status());
                return ToResponse(d->accounts->store().ListApiKeys(CourseId(*id)),
                                  [](const std::vector<ApiKey>& list) {
                                    Json out = Json::array();
                                    for (const auto& k : list) out.push_back(ApiKeyView(k));
                                    return out;
                                  });
              },
              false,
              Operation("list_api_keys", "A course's API keys, without the keys", "courses",
                        many("Keys", "ApiKey"), CoursePath("Course id"))},
             Access::kCourseInstructor);

  router.Add(
      {"DELETE", "/courses/{course_id}/api-keys/{key_id}",
       [d](const HttpRequest& req) {
         auto course = PathId(req, "course_id");
         if (!course.ok()) return ErrorResponse(course.status());
         auto key = PathId(req, "key_id");
         if (!key.ok()) return ErrorResponse(key.status());
         Status s =
             d->accounts->RevokeApiKey(CourseId(*course), ApiKeyId(*key), Caller(req).actor());
         if (!s.ok()) return ErrorResponse(s);
         return HttpResponse::FromJson(200, Json{{"detail", "API key revoked"}});
       },
       false,
       Operation(
           "revoke_api_key", "Revoke an API key", "courses",
           [] {
             Json r{{"200", Response("Revoked")}};
             r.update(ErrorResponses(true, true));
             return r;
           }(),
           Json::array({PathParam("course_id", "Course id"), PathParam("key_id", "Key id")}))},
      Access::kCourseInstructor);
}

}  // namespace ag
