#include "service/account_service.h"

#include "auth/secret_token.h"
#include "service/audit.h"

namespace ag {
namespace {

Status CheckLength(std::string_view value, std::size_t min, std::size_t max,
                   std::vector<std::string> field) {
  if (value.size() < min || value.size() > max) {
    return InvalidArgumentError(
        "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters",
        std::move(field));
  }
  return OkStatus();
}

}  // namespace

Status AccountService::Audit(const std::string& actor, std::string action, std::string entity,
                             std::string entity_id, Json detail) {
  return WriteAudit(accounts_, clock_, actor, std::move(action), std::move(entity),
                    std::move(entity_id), std::move(detail));
}

Result<User> AccountService::AddUser(std::string_view email_in, std::string_view name, Role role,
                                     std::string_view password, const std::string& actor) {
  ASSIGN_OR_RETURN(std::string email, NormalizeEmail(email_in, {"body", "email"}));
  RETURN_IF_ERROR(CheckLength(name, 0, 255, {"body", "name"}));
  auto hash = hasher_.Hash(password);
  if (!hash.ok()) {
    if (hash.status().code() == StatusCode::kInvalidArgument) {
      return InvalidArgumentError(hash.status().message(), {"body", "password"});
    }
    return hash.status();
  }
  ASSIGN_OR_RETURN(User user,
                   accounts_.CreateUser({email, std::string(name), role, *hash}, clock_.Now()));
  RETURN_IF_ERROR(Audit(actor, "user_created", "user", user.id.ToString(),
                        Json{{"email", user.email}, {"role", std::string(ToString(role))}}));
  return user;
}

Result<User> AccountService::UpdateUser(UserId id, const UserUpdate& update,
                                        const std::string& actor) {
  UserChange change;
  change.name = update.name;
  change.role = update.role;
  change.disabled = update.disabled;
  if (update.name) RETURN_IF_ERROR(CheckLength(*update.name, 0, 255, {"body", "name"}));
  if (update.password) {
    auto hash = hasher_.Hash(*update.password);
    if (!hash.ok()) {
      if (hash.status().code() == StatusCode::kInvalidArgument) {
        return InvalidArgumentError(hash.status().message(), {"body", "password"});
      }
      return hash.status();
    }
    change.password_hash = *hash;
  }
  ASSIGN_OR_RETURN(User before, accounts_.GetUser(id));
  ASSIGN_OR_RETURN(User after, accounts_.UpdateUser(id, change, clock_.Now()));
  if (update.role && before.role != after.role) {
    RETURN_IF_ERROR(Audit(actor, "role_changed", "user", id.ToString(),
                          Json{{"from", std::string(ToString(before.role))},
                               {"to", std::string(ToString(after.role))}}));
  }
  if (update.disabled && before.disabled() != after.disabled()) {
    RETURN_IF_ERROR(
        Audit(actor, after.disabled() ? "user_disabled" : "user_enabled", "user", id.ToString()));
  }
  if (update.password) RETURN_IF_ERROR(Audit(actor, "password_changed", "user", id.ToString()));
  return after;
}

Result<User> AccountService::UpdateUserByEmail(std::string_view email_in, const UserUpdate& update,
                                               const std::string& actor) {
  ASSIGN_OR_RETURN(std::string email, NormalizeEmail(email_in, {"email"}));
  ASSIGN_OR_RETURN(User user, accounts_.FindUserByEmail(email));
  return UpdateUser(user.id, update, actor);
}

Result<std::optional<FirstAdmin>> AccountService::EnsureFirstAdmin(
    std::string_view email, std::optional<std::string> password) {
  ASSIGN_OR_RETURN(std::int64_t users, accounts_.CountUsers());
  if (users > 0) return std::optional<FirstAdmin>();
  FirstAdmin out;
  if (!password) out.generated_password = RandomPassword();
  auto user = AddUser(email, "Administrator", Role::kAdmin,
                      password ? *password : *out.generated_password, "system");
  // Another replica starting at the same moment made it: not ours to report.
  if (!user.ok() && user.status().code() == StatusCode::kAlreadyExists) {
    return std::optional<FirstAdmin>();
  }
  if (!user.ok()) return user.status();
  out.user = std::move(user).value();
  return std::optional<FirstAdmin>(std::move(out));
}

Result<Course> AccountService::AddCourse(std::string_view code, std::string_view title,
                                         const Principal& by) {
  RETURN_IF_ERROR(CheckLength(code, 1, 64, {"body", "code"}));
  RETURN_IF_ERROR(CheckLength(title, 1, 255, {"body", "title"}));
  ASSIGN_OR_RETURN(Course course, accounts_.CreateCourse(code, title, clock_.Now()));
  RETURN_IF_ERROR(Audit(by.actor(), "course_created", "course", course.id.ToString(),
                        Json{{"code", course.code}}));
  if (!by.local_superuser && by.role != Role::kAdmin) {
    ASSIGN_OR_RETURN(auto enrolled,
                     Enroll(course.id, by.user, CourseRole::kInstructor, by.actor()));
    (void)enrolled;
  }
  return course;
}

Result<Enrollment> AccountService::Enroll(CourseId course, UserId user, CourseRole role,
                                          const std::string& actor) {
  ASSIGN_OR_RETURN(auto before, accounts_.GetEnrollment(course, user));
  ASSIGN_OR_RETURN(Enrollment e, accounts_.Enroll(course, user, role, clock_.Now()));
  if (!before || *before != role) {
    Json detail{{"course_id", course.value()}, {"role", std::string(ToString(role))}};
    if (before) detail["from"] = std::string(ToString(*before));
    RETURN_IF_ERROR(Audit(actor, before ? "course_role_changed" : "enrolled", "user",
                          user.ToString(), std::move(detail)));
  }
  return e;
}

Result<std::pair<std::string, ApiKey>> AccountService::CreateApiKey(CourseId course,
                                                                    std::string_view name,
                                                                    const Principal& by) {
  if (!auth_) return FailedPreconditionError("API keys need auth on");
  RETURN_IF_ERROR(CheckLength(name, 1, 255, {"body", "name"}));
  ASSIGN_OR_RETURN(auto created, auth_->CreateApiKey(by.user, course, name));
  RETURN_IF_ERROR(Audit(by.actor(), "api_key_created", "api_key", created.second.id.ToString(),
                        Json{{"course_id", course.value()}, {"name", std::string(name)}}));
  return created;
}

Status AccountService::RevokeApiKey(CourseId course, ApiKeyId key, const std::string& actor) {
  RETURN_IF_ERROR(accounts_.RevokeApiKey(course, key, clock_.Now()));
  return Audit(actor, "api_key_revoked", "api_key", key.ToString(),
               Json{{"course_id", course.value()}});
}

}  // namespace ag
