// SqlAccountStore's implementation; included only by the adapters' .cc files.
#pragma once

#include "store/sql_account_store.h"

namespace ag {
namespace account_sql {

constexpr std::string_view kUserColumns =
    "id, email, name, role, password_hash, disabled_at, created_at, sessions_valid_after";

template <class Stmt>
User ReadUser(const Stmt& s) {
  User u;
  u.id = UserId(s.Int(0));
  u.email = s.Text(1);
  u.name = s.Text(2);
  u.role = ParseRole(s.Text(3)).value_or(Role::kStudent);
  u.password_hash = s.Text(4);
  if (!s.IsNull(5)) u.disabled_at = FromUnixMillis(s.Int(5));
  u.created_at = FromUnixMillis(s.Int(6));
  u.sessions_valid_after = FromUnixMillis(s.Int(7));
  return u;
}

template <class Stmt>
Course ReadCourse(const Stmt& s, int first = 0) {
  return Course{CourseId(s.Int(first)), s.Text(first + 1), s.Text(first + 2),
                FromUnixMillis(s.Int(first + 3))};
}

constexpr std::string_view kApiKeyColumns = "id, user_id, course_id, name, created_at, revoked_at";

template <class Stmt>
ApiKey ReadApiKey(const Stmt& s) {
  ApiKey k;
  k.id = ApiKeyId(s.Int(0));
  k.user_id = UserId(s.Int(1));
  k.course_id = CourseId(s.Int(2));
  k.name = s.Text(3);
  k.created_at = FromUnixMillis(s.Int(4));
  if (!s.IsNull(5)) k.revoked_at = FromUnixMillis(s.Int(5));
  return k;
}

// One user by a column's value, or NotFound.
template <class Conn, class V>
Result<User> UserWhere(Conn& c, std::string_view column, const V& value) {
  ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT " + std::string(kUserColumns) +
                                        " FROM users WHERE " + std::string(column) + " = ?"));
  stmt.Bind(1, value);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return NotFoundError("User not found");
  return ReadUser(stmt);
}

template <class Conn>
Status InsertRefreshToken(Conn& c, const NewRefreshToken& t, std::int64_t ms) {
  ASSIGN_OR_RETURN(auto ins, c.Prepare("INSERT INTO refresh_tokens(user_id, token_hash, family, "
                                       "expires_at, created_at) VALUES (?, ?, ?, ?, ?)"));
  return ins.Bind(1, t.user_id.value())
      .Bind(2, t.token_hash)
      .Bind(3, t.family)
      .Bind(4, ToUnixMillis(t.expires_at))
      .Bind(5, ms)
      .Run();
}

}  // namespace account_sql

template <class Db>
Result<User> SqlAccountStore<Db>::CreateUser(const NewUser& u, TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  User out;
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto taken, c.Prepare("SELECT 1 FROM users WHERE email = ?"));
    taken.Bind(1, u.email);
    ASSIGN_OR_RETURN(bool row, taken.Step());
    if (row) return AlreadyExistsError("a user with this email exists");
    ASSIGN_OR_RETURN(auto ins, c.Prepare("INSERT INTO users(email, name, role, password_hash, "
                                         "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"));
    RETURN_IF_ERROR(ins.Bind(1, u.email)
                        .Bind(2, u.name)
                        .Bind(3, ToString(u.role))
                        .Bind(4, u.password_hash)
                        .Bind(5, ms)
                        .Bind(6, ms)
                        .Run());
    out.id = UserId(c.LastInsertId());
    return OkStatus();
  }));
  out.email = u.email;
  out.name = u.name;
  out.role = u.role;
  out.password_hash = u.password_hash;
  out.created_at = FromUnixMillis(ms);
  return out;
}

template <class Db>
Result<User> SqlAccountStore<Db>::GetUser(UserId id) {
  std::optional<Result<User>> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    out = account_sql::UserWhere(c, "id", id.value());
    return OkStatus();
  }));
  return std::move(*out);
}

template <class Db>
Result<User> SqlAccountStore<Db>::FindUserByEmail(std::string_view email) {
  std::optional<Result<User>> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    out = account_sql::UserWhere(c, "email", email);
    return OkStatus();
  }));
  return std::move(*out);
}

template <class Db>
Result<std::vector<User>> SqlAccountStore<Db>::ListUsers(int limit, int offset) {
  std::vector<User> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT " + std::string(account_sql::kUserColumns) +
                                          " FROM users ORDER BY id LIMIT ? OFFSET ?"));
    stmt.Bind(1, limit).Bind(2, offset);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(account_sql::ReadUser(stmt));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<std::int64_t> SqlAccountStore<Db>::CountUsers() {
  std::int64_t n = 0;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT COUNT(*) FROM users"));
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) n = stmt.Int(0);
    return OkStatus();
  }));
  return n;
}

template <class Db>
Result<User> SqlAccountStore<Db>::UpdateUser(UserId id, const UserChange& change, TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  std::optional<User> out;
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(User u, account_sql::UserWhere(c, "id", id.value()));
    if (change.name) u.name = *change.name;
    if (change.role) u.role = *change.role;
    if (change.password_hash) u.password_hash = *change.password_hash;
    if (change.disabled) {
      if (*change.disabled && !u.disabled_at) u.disabled_at = FromUnixMillis(ms);
      if (!*change.disabled) u.disabled_at.reset();
    }
    const bool end_sessions = (change.disabled && *change.disabled) || change.password_hash;
    if (end_sessions) u.sessions_valid_after = FromUnixMillis(ms);
    ASSIGN_OR_RETURN(auto upd, c.Prepare("UPDATE users SET name = ?, role = ?, password_hash = ?, "
                                         "disabled_at = ?, updated_at = ?, "
                                         "sessions_valid_after = ? WHERE id = ?"));
    upd.Bind(1, u.name).Bind(2, ToString(u.role)).Bind(3, u.password_hash);
    if (u.disabled_at) {
      upd.Bind(4, ToUnixMillis(*u.disabled_at));
    } else {
      upd.BindNull(4);
    }
    RETURN_IF_ERROR(
        upd.Bind(5, ms).Bind(6, ToUnixMillis(u.sessions_valid_after)).Bind(7, id.value()).Run());
    // A disabled account, or one whose password changed, keeps no session.
    if (end_sessions) {
      ASSIGN_OR_RETURN(auto revoke, c.Prepare("UPDATE refresh_tokens SET revoked_at = ? "
                                              "WHERE user_id = ? AND revoked_at IS NULL"));
      RETURN_IF_ERROR(revoke.Bind(1, ms).Bind(2, id.value()).Run());
    }
    out = std::move(u);
    return OkStatus();
  }));
  return std::move(*out);
}

template <class Db>
Result<Course> SqlAccountStore<Db>::CreateCourse(std::string_view code, std::string_view title,
                                                 TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  Course out;
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto taken, c.Prepare("SELECT 1 FROM courses WHERE code = ?"));
    taken.Bind(1, code);
    ASSIGN_OR_RETURN(bool row, taken.Step());
    if (row) return AlreadyExistsError("a course with this code exists");
    ASSIGN_OR_RETURN(auto ins,
                     c.Prepare("INSERT INTO courses(code, title, created_at) VALUES (?, ?, ?)"));
    RETURN_IF_ERROR(ins.Bind(1, code).Bind(2, title).Bind(3, ms).Run());
    out.id = CourseId(c.LastInsertId());
    return OkStatus();
  }));
  out.code = std::string(code);
  out.title = std::string(title);
  out.created_at = FromUnixMillis(ms);
  return out;
}

template <class Db>
Result<Course> SqlAccountStore<Db>::GetCourse(CourseId id) {
  std::optional<Course> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare("SELECT id, code, title, created_at FROM courses WHERE id = ?"));
    stmt.Bind(1, id.value());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) out = account_sql::ReadCourse(stmt);
    return OkStatus();
  }));
  if (!out) return NotFoundError("Course not found");
  return std::move(*out);
}

template <class Db>
Result<std::vector<Course>> SqlAccountStore<Db>::ListCourses(int limit, int offset) {
  std::vector<Course> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT id, code, title, created_at FROM courses "
                                          "ORDER BY id LIMIT ? OFFSET ?"));
    stmt.Bind(1, limit).Bind(2, offset);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(account_sql::ReadCourse(stmt));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<std::vector<CourseMembership>> SqlAccountStore<Db>::ListMemberships(UserId user) {
  std::vector<CourseMembership> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT c.id, c.code, c.title, c.created_at, e.role FROM "
                                          "enrollments e JOIN courses c ON c.id = e.course_id "
                                          "WHERE e.user_id = ? ORDER BY c.id"));
    stmt.Bind(1, user.value());
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back({account_sql::ReadCourse(stmt),
                     ParseCourseRole(stmt.Text(4)).value_or(CourseRole::kStudent)});
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<Enrollment> SqlAccountStore<Db>::Enroll(CourseId course, UserId user, CourseRole role,
                                               TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  Enrollment out{course, user, role, FromUnixMillis(ms), "", ""};
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto has_course, c.Prepare("SELECT 1 FROM courses WHERE id = ?"));
    has_course.Bind(1, course.value());
    ASSIGN_OR_RETURN(bool found, has_course.Step());
    if (!found) return NotFoundError("Course not found");
    ASSIGN_OR_RETURN(User u, account_sql::UserWhere(c, "id", user.value()));
    out.email = u.email;
    out.name = u.name;
    ASSIGN_OR_RETURN(auto upd, c.Prepare("UPDATE enrollments SET role = ? "
                                         "WHERE course_id = ? AND user_id = ?"));
    RETURN_IF_ERROR(
        upd.Bind(1, ToString(role)).Bind(2, course.value()).Bind(3, user.value()).Run());
    if (c.Changes() > 0) return OkStatus();
    ASSIGN_OR_RETURN(auto existing, c.Prepare("SELECT created_at FROM enrollments "
                                              "WHERE course_id = ? AND user_id = ?"));
    existing.Bind(1, course.value()).Bind(2, user.value());
    ASSIGN_OR_RETURN(bool enrolled, existing.Step());
    existing.Reset();
    if (enrolled) return OkStatus();  // the same role already (MySQL counts no change as 0)
    ASSIGN_OR_RETURN(auto ins, c.Prepare("INSERT INTO enrollments(course_id, user_id, role, "
                                         "created_at) VALUES (?, ?, ?, ?)"));
    return ins.Bind(1, course.value())
        .Bind(2, user.value())
        .Bind(3, ToString(role))
        .Bind(4, ms)
        .Run();
  }));
  return out;
}

template <class Db>
Result<std::optional<CourseRole>> SqlAccountStore<Db>::GetEnrollment(CourseId course, UserId user) {
  std::optional<CourseRole> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT role FROM enrollments "
                                          "WHERE course_id = ? AND user_id = ?"));
    stmt.Bind(1, course.value()).Bind(2, user.value());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) out = ParseCourseRole(stmt.Text(0));
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<std::vector<Enrollment>> SqlAccountStore<Db>::ListEnrollments(CourseId course) {
  std::vector<Enrollment> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare("SELECT e.user_id, e.role, e.created_at, u.email, u.name FROM "
                               "enrollments e JOIN users u ON u.id = e.user_id "
                               "WHERE e.course_id = ? ORDER BY e.user_id"));
    stmt.Bind(1, course.value());
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back({course, UserId(stmt.Int(0)),
                     ParseCourseRole(stmt.Text(1)).value_or(CourseRole::kStudent),
                     FromUnixMillis(stmt.Int(2)), stmt.Text(3), stmt.Text(4)});
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Status SqlAccountStore<Db>::AddRefreshToken(const NewRefreshToken& token, TimePoint now) {
  return db_.Write([&](auto& c) -> Status {
    return account_sql::InsertRefreshToken(c, token, ToUnixMillis(now));
  });
}

template <class Db>
Result<RefreshTokenRecord> SqlAccountStore<Db>::FindRefreshToken(std::string_view token_hash) {
  std::optional<RefreshTokenRecord> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT id, user_id, family, expires_at, revoked_at "
                                          "FROM refresh_tokens WHERE token_hash = ?"));
    stmt.Bind(1, token_hash);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return OkStatus();
    RefreshTokenRecord r;
    r.id = stmt.Int(0);
    r.user_id = UserId(stmt.Int(1));
    r.family = stmt.Text(2);
    r.expires_at = FromUnixMillis(stmt.Int(3));
    if (!stmt.IsNull(4)) r.revoked_at = FromUnixMillis(stmt.Int(4));
    out = std::move(r);
    return OkStatus();
  }));
  if (!out) return NotFoundError("unknown refresh token");
  return std::move(*out);
}

template <class Db>
Status SqlAccountStore<Db>::RotateRefreshToken(std::int64_t old_id, const NewRefreshToken& next,
                                               TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  return db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto revoke, c.Prepare("UPDATE refresh_tokens SET revoked_at = ? "
                                            "WHERE id = ? AND revoked_at IS NULL"));
    RETURN_IF_ERROR(revoke.Bind(1, ms).Bind(2, old_id).Run());
    if (c.Changes() == 0) return FailedPreconditionError("refresh token already used");
    return account_sql::InsertRefreshToken(c, next, ms);
  });
}

template <class Db>
Status SqlAccountStore<Db>::RevokeRefreshFamily(std::string_view family, TimePoint now) {
  return db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto revoke, c.Prepare("UPDATE refresh_tokens SET revoked_at = ? "
                                            "WHERE family = ? AND revoked_at IS NULL"));
    return revoke.Bind(1, ToUnixMillis(now)).Bind(2, family).Run();
  });
}

template <class Db>
Result<ApiKey> SqlAccountStore<Db>::CreateApiKey(UserId user, CourseId course,
                                                 std::string_view name, std::string_view key_hash,
                                                 TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  ApiKey out;
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto ins, c.Prepare("INSERT INTO api_keys(user_id, course_id, name, "
                                         "key_hash, created_at) VALUES (?, ?, ?, ?, ?)"));
    RETURN_IF_ERROR(ins.Bind(1, user.value())
                        .Bind(2, course.value())
                        .Bind(3, name)
                        .Bind(4, key_hash)
                        .Bind(5, ms)
                        .Run());
    out.id = ApiKeyId(c.LastInsertId());
    return OkStatus();
  }));
  out.user_id = user;
  out.course_id = course;
  out.name = std::string(name);
  out.created_at = FromUnixMillis(ms);
  return out;
}

template <class Db>
Result<ApiKey> SqlAccountStore<Db>::FindApiKey(std::string_view key_hash) {
  std::optional<ApiKey> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT " + std::string(account_sql::kApiKeyColumns) +
                                          " FROM api_keys WHERE key_hash = ?"));
    stmt.Bind(1, key_hash);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) out = account_sql::ReadApiKey(stmt);
    return OkStatus();
  }));
  if (!out) return NotFoundError("unknown API key");
  return std::move(*out);
}

template <class Db>
Result<std::vector<ApiKey>> SqlAccountStore<Db>::ListApiKeys(CourseId course) {
  std::vector<ApiKey> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT " + std::string(account_sql::kApiKeyColumns) +
                                          " FROM api_keys WHERE course_id = ? ORDER BY id"));
    stmt.Bind(1, course.value());
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(account_sql::ReadApiKey(stmt));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Status SqlAccountStore<Db>::RevokeApiKey(CourseId course, ApiKeyId key, TimePoint now) {
  return db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto find,
                     c.Prepare("SELECT revoked_at FROM api_keys WHERE id = ? AND course_id = ?"));
    find.Bind(1, key.value()).Bind(2, course.value());
    ASSIGN_OR_RETURN(bool row, find.Step());
    if (!row) return NotFoundError("API key not found");
    if (!find.IsNull(0)) return OkStatus();
    find.Reset();
    ASSIGN_OR_RETURN(auto revoke, c.Prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?"));
    return revoke.Bind(1, ToUnixMillis(now)).Bind(2, key.value()).Run();
  });
}

template <class Db>
Status SqlAccountStore<Db>::AppendAudit(const AuditEntry& e) {
  const std::string detail = DumpJson(e.detail);
  return db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto ins, c.Prepare("INSERT INTO audit_log(actor, action, entity, entity_id, "
                                         "detail, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
    return ins.Bind(1, e.actor)
        .Bind(2, e.action)
        .Bind(3, e.entity)
        .Bind(4, e.entity_id)
        .Bind(5, detail)
        .Bind(6, ToUnixMillis(e.created_at))
        .Run();
  });
}

template <class Db>
Result<std::vector<AuditEntry>> SqlAccountStore<Db>::ListAudit(int limit, int offset) {
  std::vector<AuditEntry> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT id, actor, action, entity, entity_id, detail, "
                                          "created_at FROM audit_log ORDER BY id DESC "
                                          "LIMIT ? OFFSET ?"));
    stmt.Bind(1, limit).Bind(2, offset);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back({stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Text(3), stmt.Text(4),
                     ParseJsonOrDiscarded(stmt.Text(5)), FromUnixMillis(stmt.Int(6))});
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace ag
