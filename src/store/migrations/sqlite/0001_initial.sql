-- The initial schema (DESIGN.md section 5). Times are Unix milliseconds (UTC).

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL CHECK (role IN ('admin', 'instructor', 'ta', 'student')),
  password_hash TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);

CREATE TABLE courses (
  id         INTEGER PRIMARY KEY,
  code       TEXT NOT NULL UNIQUE,
  title      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE enrollments (
  course_id  INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role       TEXT NOT NULL CHECK (role IN ('instructor', 'ta', 'student')),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (course_id, user_id)
);

CREATE TABLE assignments (
  id               INTEGER PRIMARY KEY,
  course_id        INTEGER REFERENCES courses(id) ON DELETE SET NULL,
  title            TEXT NOT NULL,
  question         TEXT NOT NULL DEFAULT '',
  reference_answer TEXT NOT NULL DEFAULT '',
  rubric           TEXT NOT NULL,  -- JSON, as the instructor sent it
  rubric_version   INTEGER NOT NULL DEFAULT 1,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX idx_assignments_created ON assignments(created_at);

CREATE TABLE rubric_criteria (
  assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
  rubric_version INTEGER NOT NULL,
  position       INTEGER NOT NULL,
  key            TEXT NOT NULL,
  description    TEXT NOT NULL,
  max_points     REAL NOT NULL,
  levels         TEXT NOT NULL DEFAULT '[]',  -- JSON
  PRIMARY KEY (assignment_id, rubric_version, key)
);

CREATE TABLE materials (
  id            INTEGER PRIMARY KEY,
  assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
  filename      TEXT NOT NULL,
  media_type    TEXT NOT NULL DEFAULT '',
  blob_key      TEXT NOT NULL,
  sha256        TEXT NOT NULL,
  size_bytes    INTEGER NOT NULL,
  status        TEXT NOT NULL DEFAULT 'indexed',
  chunk_count   INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);
CREATE INDEX idx_materials_assignment ON materials(assignment_id);

CREATE TABLE chunks (
  id            INTEGER PRIMARY KEY,
  material_id   INTEGER NOT NULL REFERENCES materials(id) ON DELETE CASCADE,
  assignment_id INTEGER NOT NULL,
  position      INTEGER NOT NULL,
  heading       TEXT NOT NULL DEFAULT '',
  text          TEXT NOT NULL
);
CREATE INDEX idx_chunks_assignment ON chunks(assignment_id, material_id, position);

CREATE TABLE submissions (
  id             INTEGER PRIMARY KEY,
  assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
  student_id     TEXT NOT NULL DEFAULT '',
  filename       TEXT NOT NULL,
  blob_key       TEXT NOT NULL,
  sha256         TEXT NOT NULL,
  extracted_text TEXT NOT NULL,
  status         TEXT NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'grading', 'done', 'needs_review', 'error')),
  error          TEXT NOT NULL DEFAULT '',
  attempts       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
-- The deployment guide's indexes, and the one the sweeper and the per-assignment list use.
CREATE INDEX idx_submissions_status ON submissions(status);
CREATE INDEX idx_submissions_created ON submissions(created_at);
CREATE INDEX idx_submissions_assignment ON submissions(assignment_id, created_at);

CREATE TABLE grades (
  id                  INTEGER PRIMARY KEY,
  submission_id       INTEGER NOT NULL UNIQUE REFERENCES submissions(id) ON DELETE CASCADE,
  rubric_version      INTEGER NOT NULL,
  score               REAL NOT NULL,
  max_score           REAL NOT NULL,
  breakdown           TEXT NOT NULL,  -- JSON {key: {points, max_points, comment}}
  feedback            TEXT NOT NULL,
  citations           TEXT NOT NULL,  -- JSON [{reference_id, text, relevance, verified}]
  grader              TEXT NOT NULL,
  model               TEXT NOT NULL DEFAULT '',
  prompt_hash         TEXT NOT NULL DEFAULT '',
  retrieved_chunk_ids TEXT NOT NULL DEFAULT '[]',
  parameters          TEXT NOT NULL DEFAULT '{}',
  input_tokens        INTEGER NOT NULL DEFAULT 0,
  output_tokens       INTEGER NOT NULL DEFAULT 0,
  latency_ms          REAL NOT NULL DEFAULT 0,
  confidence          REAL NOT NULL DEFAULT 1,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX idx_grades_score ON grades(score);

CREATE TABLE grade_events (
  id             INTEGER PRIMARY KEY,
  submission_id  INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('grade', 'override', 'regrade')),
  actor          TEXT NOT NULL DEFAULT '',
  rubric_version INTEGER NOT NULL,
  score          REAL NOT NULL,
  detail         TEXT NOT NULL DEFAULT '{}',
  created_at     INTEGER NOT NULL
);
CREATE INDEX idx_grade_events_submission ON grade_events(submission_id, created_at);

-- The embedded job queue. One row per submission that waits, runs or died; a finished job is
-- deleted. ready_at is when a queued job may run, or when a leased job's lease expires.
CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY,
  queue         TEXT NOT NULL DEFAULT 'grading',
  submission_id INTEGER NOT NULL UNIQUE REFERENCES submissions(id) ON DELETE CASCADE,
  state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased', 'dead')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  ready_at      INTEGER NOT NULL,
  lease_owner   TEXT NOT NULL DEFAULT '',
  lease_token   INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX idx_jobs_ready ON jobs(queue, ready_at) WHERE state <> 'dead';

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  actor      TEXT NOT NULL DEFAULT '',
  action     TEXT NOT NULL,
  entity     TEXT NOT NULL,
  entity_id  TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_audit_log_entity ON audit_log(entity, entity_id);
