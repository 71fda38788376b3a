// Accounts as admins and instructors manage them: users (passwords hashed here), courses,
// enrollments, API keys, and the audit log every one of these changes writes to. Callers have
// checked the caller's right to make the change (AccessPolicy); `actor` names them in the log.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/password_hasher.h"
#include "auth/principal.h"
#include "core/clock.h"
#include "service/auth_service.h"
#include "store/account_store.h"

namespace ag {

struct UserUpdate {
  std::optional<std::string> name;
  std::optional<Role> role;
  std::optional<bool> disabled;
  std::optional<std::string> password;  // plain; hashed here
};

struct FirstAdmin {
  User user;
  // The password made up for it when none was given: shown once, never stored.
  std::optional<std::string> generated_password;
};

class AccountService {
 public:
  AccountService(AccountStore& accounts, PasswordHasher& hasher, AuthService* auth,
                 const Clock& clock)
      : accounts_(accounts), hasher_(hasher), auth_(auth), clock_(clock) {}

  // InvalidArgument naming the field for a bad email, name or password; AlreadyExists (409)
  // for a taken email.
  Result<User> AddUser(std::string_view email, std::string_view name, Role role,
                       std::string_view password, const std::string& actor);
  Result<User> UpdateUser(UserId id, const UserUpdate& update, const std::string& actor);
  Result<User> UpdateUserByEmail(std::string_view email, const UserUpdate& update,
                                 const std::string& actor);
  // When there is no user at all: the admin `email`, with `password` or a generated one.
  // nullopt when users exist (nothing changes then).
  Result<std::optional<FirstAdmin>> EnsureFirstAdmin(std::string_view email,
                                                     std::optional<std::string> password);

  // The creator, unless an admin, becomes the course's instructor.
  Result<Course> AddCourse(std::string_view code, std::string_view title, const Principal& by);
  Result<Enrollment> Enroll(CourseId course, UserId user, CourseRole role,
                            const std::string& actor);

  Result<std::pair<std::string, ApiKey>> CreateApiKey(CourseId course, std::string_view name,
                                                      const Principal& by);
  Status RevokeApiKey(CourseId course, ApiKeyId key, const std::string& actor);

  // Appends to the audit log (grade overrides and releases come through here).
  Status Audit(const std::string& actor, std::string action, std::string entity,
               std::string entity_id, Json detail = Json::object());

  AccountStore& store() { return accounts_; }

 private:
  AccountStore& accounts_;
  PasswordHasher& hasher_;
  AuthService* auth_;  // null with auth off: no API keys then
  const Clock& clock_;
};

}  // namespace ag
