-- Answers graded by people, per assignment (as migrations/sqlite/0002_graded_answers.sql).
CREATE TABLE graded_answers (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  assignment_id BIGINT NOT NULL,
  answer_text   MEDIUMTEXT NOT NULL,
  score         DOUBLE NULL,
  points        MEDIUMTEXT NOT NULL DEFAULT ('{}'),
  source        VARCHAR(16) NOT NULL CHECK (source IN ('import', 'override')),
  submission_id BIGINT NULL,
  created_at    BIGINT NOT NULL,
  INDEX graded_answers_assignment (assignment_id, id),
  FOREIGN KEY (assignment_id) REFERENCES assignments(id) ON DELETE CASCADE,
  FOREIGN KEY (submission_id) REFERENCES submissions(id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
