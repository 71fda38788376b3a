-- Accounts (as migrations/sqlite/0003_accounts.sql).
ALTER TABLE users ADD COLUMN disabled_at BIGINT NULL, ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN grades_released_at BIGINT NULL,
  ADD INDEX idx_assignments_course (course_id, created_at);
ALTER TABLE submissions ADD COLUMN user_id BIGINT NULL,
  ADD INDEX idx_submissions_user (assignment_id, user_id, created_at),
  ADD FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE enrollments ADD INDEX idx_enrollments_user (user_id);

CREATE TABLE refresh_tokens (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  token_hash CHAR(64) NOT NULL UNIQUE,
  family     CHAR(32) NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  INDEX idx_refresh_tokens_user (user_id),
  INDEX idx_refresh_tokens_family (family),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_keys (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  course_id  BIGINT NOT NULL,
  name       VARCHAR(255) NOT NULL,
  key_hash   CHAR(64) NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT NULL,
  INDEX idx_api_keys_course (course_id),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  FOREIGN KEY (course_id) REFERENCES courses(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE audit_log ADD INDEX idx_audit_log_created (created_at);
