-- Answers graded by people, per assignment: the examples the local grader learns from.
-- They come from an instructor's import (a CSV or JSON of graded answers) and from every
-- human override of a grade. `points` holds per-criterion points as a JSON object when the
-- grader of record gave them; `score` the total when only that is known.
CREATE TABLE graded_answers (
  id            INTEGER PRIMARY KEY,
  assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
  answer_text   TEXT    NOT NULL,
  score         REAL,
  points        TEXT    NOT NULL DEFAULT '{}',
  source        TEXT    NOT NULL CHECK (source IN ('import', 'override')),
  submission_id INTEGER REFERENCES submissions(id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX graded_answers_assignment ON graded_answers(assignment_id, id);
