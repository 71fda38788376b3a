-- The initial schema in the MySQL/MariaDB dialect: the same tables, columns and indexes as
-- migrations/sqlite/0001_initial.sql (times are Unix milliseconds, UTC), less the embedded job
-- queue's table (scaled out, the queue is Redis). InnoDB, utf8mb4 with binary collation, so
-- text compares as it does in SQLite. Long texts are MEDIUMTEXT (16 MiB): TEXT stops at 64 KiB.
-- Defaults of text columns are expressions, DEFAULT (''), which MySQL 8 and MariaDB both take.

CREATE TABLE users (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email         VARCHAR(255) NOT NULL UNIQUE,
  name          VARCHAR(255) NOT NULL DEFAULT '',
  role          VARCHAR(16) NOT NULL CHECK (role IN ('admin', 'instructor', 'ta', 'student')),
  password_hash VARCHAR(255) NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE courses (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code       VARCHAR(255) NOT NULL UNIQUE,
  title      TEXT NOT NULL,
  created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE enrollments (
  course_id  BIGINT NOT NULL,
  user_id    BIGINT NOT NULL,
  role       VARCHAR(16) NOT NULL CHECK (role IN ('instructor', 'ta', 'student')),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (course_id, user_id),
  FOREIGN KEY (course_id) REFERENCES courses(id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE assignments (
  id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  course_id        BIGINT NULL,
  title            TEXT NOT NULL,
  question         MEDIUMTEXT NOT NULL DEFAULT (''),
  reference_answer MEDIUMTEXT NOT NULL DEFAULT (''),
  rubric           MEDIUMTEXT NOT NULL,
  rubric_version   INT NOT NULL DEFAULT 1,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  INDEX idx_assignments_created (created_at),
  FOREIGN KEY (course_id) REFERENCES courses(id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE rubric_criteria (
  assignment_id  BIGINT NOT NULL,
  rubric_version INT NOT NULL,
  position       INT NOT NULL,
  `key`          VARCHAR(255) NOT NULL,
  description    TEXT NOT NULL,
  max_points     DOUBLE NOT NULL,
  levels         MEDIUMTEXT NOT NULL DEFAULT ('[]'),
  PRIMARY KEY (assignment_id, rubric_version, `key`),
  FOREIGN KEY (assignment_id) REFERENCES assignments(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE materials (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  assignment_id BIGINT NOT NULL,
  filename      TEXT NOT NULL,
  media_type    VARCHAR(255) NOT NULL DEFAULT '',
  blob_key      VARCHAR(128) NOT NULL,
  sha256        CHAR(64) NOT NULL,
  size_bytes    BIGINT NOT NULL,
  status        VARCHAR(32) NOT NULL DEFAULT 'indexed',
  chunk_count   INT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  INDEX idx_materials_assignment (assignment_id),
  FOREIGN KEY (assignment_id) REFERENCES assignments(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE chunks (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  material_id   BIGINT NOT NULL,
  assignment_id BIGINT NOT NULL,
  position      INT NOT NULL,
  heading       TEXT NOT NULL DEFAULT (''),
  text          MEDIUMTEXT NOT NULL,
  INDEX idx_chunks_assignment (assignment_id, material_id, position),
  FOREIGN KEY (material_id) REFERENCES materials(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE submissions (
  id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  assignment_id  BIGINT NOT NULL,
  student_id     VARCHAR(255) NOT NULL DEFAULT '',
  filename       TEXT NOT NULL,
  blob_key       VARCHAR(128) NOT NULL,
  sha256         CHAR(64) NOT NULL,
  extracted_text MEDIUMTEXT NOT NULL,
  status         VARCHAR(16) NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'grading', 'done', 'needs_review', 'error')),
  error          TEXT NOT NULL DEFAULT (''),
  attempts       INT NOT NULL DEFAULT 0,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  -- The deployment guide's indexes, and the one the sweeper and the per-assignment list use.
  INDEX idx_submissions_status (status),
  INDEX idx_submissions_created (created_at),
  INDEX idx_submissions_assignment (assignment_id, created_at),
  FOREIGN KEY (assignment_id) REFERENCES assignments(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE grades (
  id                  BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  submission_id       BIGINT NOT NULL UNIQUE,
  rubric_version      INT NOT NULL,
  score               DOUBLE NOT NULL,
  max_score           DOUBLE NOT NULL,
  breakdown           MEDIUMTEXT NOT NULL,
  feedback            MEDIUMTEXT NOT NULL,
  citations           MEDIUMTEXT NOT NULL,
  grader              VARCHAR(64) NOT NULL,
  model               VARCHAR(255) NOT NULL DEFAULT '',
  prompt_hash         VARCHAR(128) NOT NULL DEFAULT '',
  retrieved_chunk_ids MEDIUMTEXT NOT NULL DEFAULT ('[]'),
  parameters          MEDIUMTEXT NOT NULL DEFAULT ('{}'),
  input_tokens        INT NOT NULL DEFAULT 0,
  output_tokens       INT NOT NULL DEFAULT 0,
  latency_ms          DOUBLE NOT NULL DEFAULT 0,
  confidence          DOUBLE NOT NULL DEFAULT 1,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  INDEX idx_grades_score (score),
  FOREIGN KEY (submission_id) REFERENCES submissions(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE grade_events (
  id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  submission_id  BIGINT NOT NULL,
  kind           VARCHAR(16) NOT NULL CHECK (kind IN ('grade', 'override', 'regrade')),
  actor          VARCHAR(255) NOT NULL DEFAULT '',
  rubric_version INT NOT NULL,
  score          DOUBLE NOT NULL,
  detail         MEDIUMTEXT NOT NULL DEFAULT ('{}'),
  created_at     BIGINT NOT NULL,
  INDEX idx_grade_events_submission (submission_id, created_at),
  FOREIGN KEY (submission_id) REFERENCES submissions(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  actor      VARCHAR(255) NOT NULL DEFAULT '',
  action     VARCHAR(64) NOT NULL,
  entity     VARCHAR(64) NOT NULL,
  entity_id  VARCHAR(64) NOT NULL,
  detail     MEDIUMTEXT NOT NULL DEFAULT ('{}'),
  created_at BIGINT NOT NULL,
  INDEX idx_audit_log_entity (entity, entity_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
