// Accounts, for admins: /users and the audit log.
#include "http/handler_util.h"
#include "http/handlers/openapi_util.h"
#include "http/handlers/routes.h"
#include "http/views.h"

namespace ag {
namespace {

Result<Role> RoleField(const Json& body, bool required) {
  ASSIGN_OR_RETURN(auto text, OptionalStringField(body, "role"));
  if (!text) {
    if (required) return InvalidArgumentError("field required", {"body", "role"});
    return Role::kStudent;
  }
  auto role = ParseRole(*text);
  if (!role) {
    return InvalidArgumentError("must be admin, instructor, ta or student", {"body", "role"});
  }
  return *role;
}

HttpResponse CreateUser(ApiDeps& d, const HttpRequest& req) {
  auto body = JsonObjectBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto email = StringField(*body, "email");
  if (!email.ok()) return ErrorResponse(email.status());
  auto password = StringField(*body, "password");
  if (!password.ok()) return ErrorResponse(password.status());
  auto name = OptionalStringField(*body, "name");
  if (!name.ok()) return ErrorResponse(name.status());
  auto role = RoleField(*body, true);
  if (!role.ok()) return ErrorResponse(role.status());
  return ToResponse(
      d.accounts->AddUser(*email, name->value_or(""), *role, *password, Caller(req).actor()),
      UserView);
}

HttpResponse UpdateUser(ApiDeps& d, const HttpRequest& req) {
  auto id = PathId(req, "user_id");
  if (!id.ok()) return ErrorResponse(id.status());
  auto body = JsonObjectBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  UserUpdate update;
  auto name = OptionalStringField(*body, "name");
  if (!name.ok()) return ErrorResponse(name.status());
  update.name = *name;
  auto password = OptionalStringField(*body, "password");
  if (!password.ok()) return ErrorResponse(password.status());
  update.password = *password;
  if (body->contains("role")) {
    auto role = RoleField(*body, true);
    if (!role.ok()) return ErrorResponse(role.status());
    update.role = *role;
  }
  if (auto it = body->find("disabled"); it != body->end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return ErrorResponse(InvalidArgumentError("must be true or false", {"body", "disabled"}));
    }
    update.disabled = it->get<bool>();
  }
  const Principal& caller = Caller(req);
  if (!caller.local_superuser && UserId(*id) == caller.user &&
      ((update.disabled && *update.disabled) || (update.role && *update.role != Role::kAdmin))) {
    // The last way back in must not lock itself out.
    return ErrorResponse(
        FailedPreconditionError("admins cannot disable themselves or drop their own role"));
  }
  return ToResponse(d.accounts->UpdateUser(UserId(*id), update, caller.actor()), UserView);
}

Json UserBody(bool create) {
  Json props{{"email", {{"type", "string"}}},
             {"password", {{"type", "string"}, {"minLength", 10}}},
             {"name", {{"type", "string"}}},
             {"role", {{"type", "string"}, {"enum", {"admin", "instructor", "ta", "student"}}}}};
  Json schema{{"type", "object"}, {"properties", props}};
  if (create) {
    schema["required"] = {"email", "password", "role"};
  } else {
    schema["properties"].erase("email");
    schema["properties"]["disabled"] = {{"type", "boolean"}};
  }
  return Json{{"required", true}, {"content", openapi::JsonContent(schema)}};
}

}  // namespace

void AddUserRoutes(Router& router, ApiDeps& deps) {
  using namespace openapi;
  ApiDeps* d = &deps;
  auto user_responses = [] {
    Json r{{"200", Response("The user", Ref("User"))}};
    r.update(ErrorResponses(true, true));
    return r;
  };

  router.Add({"POST", "/users", [d](const HttpRequest& req) { return CreateUser(*d, req); },
              /*blocking=*/true,  // hashes the password
              Operation("create_user", "Create an account (admins)", "users", user_responses(),
                        Json::array(), UserBody(true))},
             Access::kAdmin);

  router.Add(
      {"GET", "/users",
       [d](const HttpRequest& req) {
         auto page = PageParams(req, d->options.list_limit);
         if (!page.ok()) return ErrorResponse(page.status());
         return ToResponse(d->accounts->store().ListUsers(page->limit, page->offset),
                           [](const std::vector<User>& list) {
                             Json out = Json::array();
                             for (const auto& u : list) out.push_back(UserView(u));
                             return out;
                           });
       },
       false,
       Operation("list_users", "List accounts (admins)", "users",
                 Json{{"200", Response("Users", Json{{"type", "array"}, {"items", Ref("User")}})}},
                 Json::array({QueryParam("limit", "integer", false, "At most this many"),
                              QueryParam("offset", "integer", false, "Skip this many")}))},
      Access::kAdmin);

  router.Add({"GET", "/users/{user_id}",
              [d](const HttpRequest& req) {
                auto id = PathId(req, "user_id");
                if (!id.ok()) return ErrorResponse(id.status());
                return ToResponse(d->accounts->store().GetUser(UserId(*id)), UserView);
              },
              false,
              Operation("get_user", "Get an account (admins)", "users", user_responses(),
                        Json::array({PathParam("user_id", "User id")}))},
             Access::kAdmin);

  router.Add(
      {"PATCH", "/users/{user_id}", [d](const HttpRequest& req) { return UpdateUser(*d, req); },
       /*blocking=*/true,
       Operation("update_user",
                 "Change an account's name, role or password, or disable it (admins); "
                 "disabling or a new password ends its sessions",
                 "users", user_responses(), Json::array({PathParam("user_id", "User id")}),
                 UserBody(false))},
      Access::kAdmin);

  router.Add(
      {"GET", "/audit-log",
       [d](const HttpRequest& req) {
         auto page = PageParams(req, d->options.list_limit);
         if (!page.ok()) return ErrorResponse(page.status());
         return ToResponse(d->accounts->store().ListAudit(page->limit, page->offset),
                           [](const std::vector<AuditEntry>& list) {
                             Json out = Json::array();
                             for (const auto& e : list) out.push_back(AuditView(e));
                             return out;
                           });
       },
       false,
       Operation("audit_log",
                 "Logins, grade overrides, releases, role changes and revocations, newest first "
                 "(admins)",
                 "users",
                 Json{{"200",
                       Response("Entries", Json{{"type", "array"}, {"items", Ref("AuditEntry")}})}},
                 Json::array({QueryParam("limit", "integer", false, "At most this many"),
                              QueryParam("offset", "integer", false, "Skip this many")}))},
      Access::kAdmin);
}

}  // namespace ag
