// The AccountStore port: users, courses and enrollments, refresh tokens and API keys (stored
// only as hashes), and the audit log.
//
// Contract, for every adapter (SQLite embedded, MySQL/MariaDB scaled out), as store.h's: every
// method is thread-safe and returns an error value; NotFound for a missing row, AlreadyExists
// for a taken email or course code, Unavailable when the database cannot be reached. Emails are
// compared as given: callers store them lower-cased.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/roles.h"
#include "core/status.h"

namespace ag {

struct NewUser {
  std::string email;  // lower-case
  std::string name;
  Role role = Role::kStudent;
  std::string password_hash;  // PHC string (argon2id)
};

struct User {
  UserId id;
  std::string email;
  std::string name;
  Role role = Role::kStudent;
  std::string password_hash;
  std::optional<TimePoint> disabled_at;
  TimePoint created_at;
  // Access tokens issued before this are refused (set by a new password or disabling).
  TimePoint sessions_valid_after{};
  bool disabled() const { return disabled_at.has_value(); }
};

// What an admin may change; unset fields stay.
struct UserChange {
  std::optional<std::string> name;
  std::optional<Role> role;
  std::optional<bool> disabled;
  std::optional<std::string> password_hash;
};

struct Course {
  CourseId id;
  std::string code;
  std::string title;
  TimePoint created_at;
};

struct Enrollment {
  CourseId course_id;
  UserId user_id;
  CourseRole role = CourseRole::kStudent;
  TimePoint created_at;
  std::string email;  // of the user, for lists
  std::string name;
};

struct CourseMembership {
  Course course;
  CourseRole role = CourseRole::kStudent;
};

struct RefreshTokenRecord {
  std::int64_t id = 0;
  UserId user_id;
  std::string family;
  TimePoint expires_at;
  std::optional<TimePoint> revoked_at;
};

struct NewRefreshToken {
  UserId user_id;
  std::string token_hash;  // SHA-256 hex of the token
  std::string family;
  TimePoint expires_at;
};

struct ApiKey {
  ApiKeyId id;
  UserId user_id;
  CourseId course_id;
  std::string name;
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;
};

struct AuditEntry {
  std::int64_t id = 0;
  std::string actor;  // "user:<id>", "cli", "system"
  std::string action;
  std::string entity;
  std::string entity_id;
  Json detail = Json::object();
  TimePoint created_at;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  virtual Result<User> CreateUser(const NewUser& user, TimePoint now) = 0;
  virtual Result<User> GetUser(UserId id) = 0;
  virtual Result<User> FindUserByEmail(std::string_view email) = 0;
  // By id.
  virtual Result<std::vector<User>> ListUsers(int limit, int offset) = 0;
  virtual Result<std::int64_t> CountUsers() = 0;
  // Applies the change; disabling or a new password also revokes every refresh token of the
  // user and moves sessions_valid_after to `now`, in the same transaction. Returns the user as
  // it now is.
  virtual Result<User> UpdateUser(UserId id, const UserChange& change, TimePoint now) = 0;

  virtual Result<Course> CreateCourse(std::string_view code, std::string_view title,
                                      TimePoint now) = 0;
  virtual Result<Course> GetCourse(CourseId id) = 0;
  // By id.
  virtual Result<std::vector<Course>> ListCourses(int limit, int offset) = 0;
  // The courses the user is enrolled in, with the role, by course id.
  virtual Result<std::vector<CourseMembership>> ListMemberships(UserId user) = 0;
  // Enrolls, or changes the role of an enrolled user. NotFound when the course or user is absent.
  virtual Result<Enrollment> Enroll(CourseId course, UserId user, CourseRole role,
                                    TimePoint now) = 0;
  // nullopt when the user is not enrolled.
  virtual Result<std::optional<CourseRole>> GetEnrollment(CourseId course, UserId user) = 0;
  virtual Result<std::vector<Enrollment>> ListEnrollments(CourseId course) = 0;

  virtual Status AddRefreshToken(const NewRefreshToken& token, TimePoint now) = 0;
  // NotFound when no token has this hash.
  virtual Result<RefreshTokenRecord> FindRefreshToken(std::string_view token_hash) = 0;
  // In one transaction: revokes token `old_id` if it is not revoked yet and adds `next`.
  // FailedPrecondition, with nothing added, when it was already revoked (a replay).
  virtual Status RotateRefreshToken(std::int64_t old_id, const NewRefreshToken& next,
                                    TimePoint now) = 0;
  virtual Status RevokeRefreshFamily(std::string_view family, TimePoint now) = 0;

  virtual Result<ApiKey> CreateApiKey(UserId user, CourseId course, std::string_view name,
                                      std::string_view key_hash, TimePoint now) = 0;
  // NotFound when no key has this hash (revoked keys are found, with revoked_at set).
  virtual Result<ApiKey> FindApiKey(std::string_view key_hash) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(CourseId course) = 0;
  // NotFound when the course has no such key; revoking twice is fine.
  virtual Status RevokeApiKey(CourseId course, ApiKeyId key, TimePoint now) = 0;

  virtual Status AppendAudit(const AuditEntry& entry) = 0;
  // Newest first.
  virtual Result<std::vector<AuditEntry>> ListAudit(int limit, int offset) = 0;
};

}  // namespace ag
