-- Accounts (issue 5): disabled users, refresh tokens and API keys stored hashed, the owner of a
-- submission, and the release of an assignment's grades to its students.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN grades_released_at INTEGER;
ALTER TABLE submissions ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX idx_submissions_user ON submissions(assignment_id, user_id, created_at);
CREATE INDEX idx_assignments_course ON assignments(course_id, created_at);
CREATE INDEX idx_enrollments_user ON enrollments(user_id);

-- One row per refresh token, by the SHA-256 of the token (the token itself is never stored).
-- Rotation revokes the old row and adds one in the same family; a revoked token presented
-- again revokes the whole family (it was stolen, or replayed).
CREATE TABLE refresh_tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  family     TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_refresh_tokens_user ON refresh_tokens(user_id);
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens(family);

-- Keys for machine clients: each acts as the user who made it, within one course only.
CREATE TABLE api_keys (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  course_id  INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX idx_api_keys_course ON api_keys(course_id);

CREATE INDEX idx_audit_log_created ON audit_log(created_at);
