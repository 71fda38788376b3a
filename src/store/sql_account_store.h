// The AccountStore port on SQL, once for both databases (as SqlStore: the statements are the
// dialects' common subset). Instantiated in sqlite_account_store.cc and mysql_account_store.cc.
#pragma once

#include "store/account_store.h"

namespace ag {

template <class Db>
class SqlAccountStore final : public AccountStore {
 public:
  explicit SqlAccountStore(Db& db) : db_(db) {}

  Result<User> CreateUser(const NewUser& user, TimePoint now) override;
  Result<User> GetUser(UserId id) override;
  Result<User> FindUserByEmail(std::string_view email) override;
  Result<std::vector<User>> ListUsers(int limit, int offset) override;
  Result<std::int64_t> CountUsers() override;
  Result<User> UpdateUser(UserId id, const UserChange& change, TimePoint now) override;

  Result<Course> CreateCourse(std::string_view code, std::string_view title,
                              TimePoint now) override;
  Result<Course> GetCourse(CourseId id) override;
  Result<std::vector<Course>> ListCourses(int limit, int offset) override;
  Result<std::vector<CourseMembership>> ListMemberships(UserId user) override;
  Result<Enrollment> Enroll(CourseId course, UserId user, CourseRole role, TimePoint now) override;
  Result<std::optional<CourseRole>> GetEnrollment(CourseId course, UserId user) override;
  Result<std::vector<Enrollment>> ListEnrollments(CourseId course) override;

  Status AddRefreshToken(const NewRefreshToken& token, TimePoint now) override;
  Result<RefreshTokenRecord> FindRefreshToken(std::string_view token_hash) override;
  Status RotateRefreshToken(std::int64_t old_id, const NewRefreshToken& next,
                            TimePoint now) override;
  Status RevokeRefreshFamily(std::string_view family, TimePoint now) override;

  Result<ApiKey> CreateApiKey(UserId user, CourseId course, std::string_view name,
                              std::string_view key_hash, TimePoint now) override;
  Result<ApiKey> FindApiKey(std::string_view key_hash) override;
  Result<std::vector<ApiKey>> ListApiKeys(CourseId course) override;
  Status RevokeApiKey(CourseId course, ApiKeyId key, TimePoint now) override;

  Status AppendAudit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(int limit, int offset) override;

 private:
  Db& db_;
};

}  // namespace ag
