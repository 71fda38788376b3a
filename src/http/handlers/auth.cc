// Sessions: /auth/login, /auth/refresh, /auth/logout, /auth/me.
#include <algorithm>

#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"
#include "http/views.h"

namespace ag {
namespace {

Json TokenView(const TokenPair& t) {
  return Json{{"access_token", t.access_token},
              {"refresh_token", t.refresh_token},
              {"token_type", "bearer"},
              {"expires_in", t.expires_in.count()}};
}

Status AuthOff() { return FailedPreconditionError("authentication is off on this server"); }

// The {refresh_token} body of /auth/refresh and /auth/logout.
Result<std::string> RefreshTokenOf(const HttpRequest& req) {
  ASSIGN_OR_RETURN(Json body, JsonObjectBody(req));
  return StringField(body, "refresh_token");
}

Json TokenSchema() {
  return Json{{"type", "object"},
              {"properties",
               {{"access_token", {{"type", "string"}}},
                {"refresh_token", {{"type", "string"}}},
                {"token_type", {{"type", "string"}, {"enum", {"bearer"}}}},
                {"expires_in", {{"type", "integer"}, {"description", "seconds"}}}}}};
}

Json RefreshBody() {
  return Json{{"required", true},
              {"content", openapi::JsonContent(
                              Json{{"type", "object"},
                                   {"required", {"refresh_token"}},
                                   {"properties", {{"refresh_token", {{"type", "string"}}}}}})}};
}

}  // namespace

void AddAuthRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;

  router.Add(
      {"POST", "/auth/login",
       [d](const HttpRequest& req) {
         if (!d->auth) return ErrorResponse(AuthOff());
         auto body = JsonObjectBody(req);
         if (!body.ok()) return ErrorResponse(body.status());
         auto email = StringField(*body, "email");
         if (!email.ok()) return ErrorResponse(email.status());
         auto password = StringField(*body, "password");
         if (!password.ok()) return ErrorResponse(password.status());
         std::chrono::seconds retry_after{0};
         HttpResponse r = ToResponse(
             d->auth->Login(*email, *password, req.client_address, &retry_after), TokenView);
         if (r.status == 429) {
           r.headers.emplace_back("Retry-After",
                                  std::to_string(std::max<long long>(1, retry_after.count())));
         }
         return r;
       },
       /*blocking=*/true,  // argon2 takes tens of milliseconds: not on an I/O thread
       Operation(
           "login", "Sign in with email and password: an access token and a refresh token", "auth",
           [] {
             Json r{{"200", Response("Tokens", TokenSchema())},
                    {"401", Response("Incorrect email or password", Ref("Error"))},
                    {"429",
                     Response("Too many attempts (Retry-After says when to retry)", Ref("Error"))}};
             r.update(ErrorResponses(false, true));
             return r;
           }(),
           Json::array(),
           Json{{"required", true},
                {"content", JsonContent(Json{{"type", "object"},
                                             {"required", {"email", "password"}},
                                             {"properties",
                                              {{"email", {{"type", "string"}}},
                                               {"password", {{"type", "string"}}}}}})}})},
      Access::kPublic);

  router.Add(
      {"POST", "/auth/refresh",
       [d](const HttpRequest& req) {
         if (!d->auth) return ErrorResponse(AuthOff());
         auto token = RefreshTokenOf(req);
         if (!token.ok()) return ErrorResponse(token.status());
         return ToResponse(d->auth->Refresh(*token), TokenView);
       },
       false,
       Operation(
           "refresh", "Trade a refresh token (spent by this) for new tokens", "auth",
           [] {
             Json r{{"200", Response("Tokens", TokenSchema())},
                    {"401", Response("Invalid, expired or revoked refresh token", Ref("Error"))}};
             r.update(ErrorResponses(false, true));
             return r;
           }(),
           Json::array(), RefreshBody())},
      Access::kPublic);

  router.Add({"POST", "/auth/logout",
              [d](const HttpRequest& req) {
                if (!d->auth) return ErrorResponse(AuthOff());
                auto token = RefreshTokenOf(req);
                if (!token.ok()) return ErrorResponse(token.status());
                Status s = d->auth->Logout(*token);
                if (!s.ok()) return ErrorResponse(s);
                return HttpResponse::FromJson(200, Json{{"detail", "Signed out"}});
              },
              false,
              Operation(
                  "logout", "Revoke a refresh token and every token of its sign-in", "auth",
                  [] {
                    Json r{{"200", Response("Signed out")}};
                    r.update(ErrorResponses(false, true));
                    return r;
                  }(),
                  Json::array(), RefreshBody())},
             Access::kPublic);

  router.Add({"GET", "/auth/me",
              [d](const HttpRequest& req) {
                const Principal& p = Caller(req);
                if (p.local_superuser) {
                  return HttpResponse::FromJson(200, Json{{"id", nullptr},
                                                          {"email", nullptr},
                                                          {"role", "admin"},
                                                          {"auth", "off"},
                                                          {"courses", Json::array()}});
                }
                auto user = d->accounts->store().GetUser(p.user);
                if (!user.ok()) return ErrorResponse(user.status());
                Json me = UserView(*user);
                auto memberships = d->accounts->store().ListMemberships(p.user);
                if (!memberships.ok()) return ErrorResponse(memberships.status());
                Json courses = Json::array();
                for (const auto& m : *memberships) {
                  if (p.course_scope && m.course.id != *p.course_scope) continue;
                  courses.push_back(CourseView(m.course, m.role));
                }
                me["courses"] = std::move(courses);
                if (p.course_scope) me["api_key_course_id"] = p.course_scope->value();
                return HttpResponse::FromJson(200, me);
              },
              false,
              Operation("me", "Who the caller is, with their courses", "auth",
                        Json{{"200", Response("The caller", Ref("User"))}})},
             Access::kSignedIn);
}

}  // namespace ag
