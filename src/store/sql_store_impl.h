// SqlStore's implementation; included only by the adapters' .cc files, which instantiate it.
#pragma once

#include <map>

#include "store/sql_store.h"

namespace ag {
namespace {

constexpr std::string_view kAssignmentColumns =
    "id, title, question, reference_answer, rubric, rubric_version, created_at, course_id, "
    "grades_released_at";

template <class Stmt>
Result<Assignment> ReadAssignment(const Stmt& s) {
  Assignment a;
  a.id = AssignmentId(s.Int(0));
  a.title = s.Text(1);
  a.question = s.Text(2);
  a.reference_answer = s.Text(3);
  a.rubric_json = ParseJsonOrDiscarded(s.Text(4));
  auto rubric = Rubric::FromJson(a.rubric_json);
  if (!rubric.ok()) {
    return InternalError("stored rubric of assignment " + a.id.ToString() +
                         " is invalid: " + rubric.status().message());
  }
  a.rubric = std::move(rubric).value();
  a.rubric_version = static_cast<int>(s.Int(5));
  a.created_at = FromUnixMillis(s.Int(6));
  if (!s.IsNull(7)) a.course_id = CourseId(s.Int(7));
  if (!s.IsNull(8)) a.grades_released_at = FromUnixMillis(s.Int(8));
  return a;
}

// Column 6 is the text, or '' in lists (kListSelect).
constexpr std::string_view kSubmissionSelect =
    "SELECT s.id, s.assignment_id, s.student_id, s.filename, s.blob_key, s.sha256, "
    "s.extracted_text, s.status, s.error, s.attempts, s.created_at, s.updated_at, "
    "g.score, g.feedback, s.user_id FROM submissions s "
    "LEFT JOIN grades g ON g.submission_id = s.id ";
constexpr std::string_view kListSelect =
    "SELECT s.id, s.assignment_id, s.student_id, s.filename, s.blob_key, s.sha256, "
    "'', s.status, s.error, s.attempts, s.created_at, s.updated_at, "
    "g.score, g.feedback, s.user_id FROM submissions s "
    "LEFT JOIN grades g ON g.submission_id = s.id ";

template <class Stmt>
Submission ReadSubmission(const Stmt& s) {
  Submission out;
  out.id = SubmissionId(s.Int(0));
  out.assignment_id = AssignmentId(s.Int(1));
  out.student_id = s.Text(2);
  out.filename = s.Text(3);
  out.blob_key = s.Text(4);
  out.sha256 = s.Text(5);
  out.text = s.Text(6);
  out.status = ParseSubmissionStatus(s.Text(7)).value_or(SubmissionStatus::kError);
  out.error = s.Text(8);
  out.attempts = static_cast<int>(s.Int(9));
  out.created_at = FromUnixMillis(s.Int(10));
  out.updated_at = FromUnixMillis(s.Int(11));
  if (!s.IsNull(12)) out.score = s.Real(12);
  if (!s.IsNull(13)) out.feedback = s.Text(13);
  if (!s.IsNull(14)) out.user_id = UserId(s.Int(14));
  return out;
}

std::string ChunkIdsToJson(const std::vector<ChunkId>& ids) {
  Json j = Json::array();
  for (ChunkId id : ids) j.push_back(id.value());
  return DumpJson(j);
}

std::vector<ChunkId> ChunkIdsFromJson(const std::string& text) {
  std::vector<ChunkId> out;
  Json j = ParseJsonOrDiscarded(text);
  if (j.is_array()) {
    for (const auto& v : j) {
      if (v.is_number_integer()) out.emplace_back(v.get<std::int64_t>());
    }
  }
  return out;
}

// The status of submission `id`, or NotFound.
template <class Conn>
Result<SubmissionStatus> CurrentStatus(Conn& c, SubmissionId id) {
  ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT status FROM submissions WHERE id = ?"));
  stmt.Bind(1, id.value());
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return NotFoundError("submission " + id.ToString() + " not found");
  return ParseSubmissionStatus(stmt.Text(0)).value_or(SubmissionStatus::kError);
}

// One row of the grade's history (kind: grade, override, regrade).
template <class Conn>
Status InsertGradeEvent(Conn& c, SubmissionId submission, std::string_view kind,
                        const std::string& actor, int rubric_version, double score,
                        const std::string& detail, std::int64_t ms) {
  ASSIGN_OR_RETURN(auto ev,
                   c.Prepare("INSERT INTO grade_events(submission_id, kind, actor, rubric_version, "
                             "score, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  return ev.Bind(1, submission.value())
      .Bind(2, kind)
      .Bind(3, actor)
      .Bind(4, rubric_version)
      .Bind(5, score)
      .Bind(6, detail)
      .Bind(7, ms)
      .Run();
}

template <class Conn>
Status InsertGradedAnswer(Conn& c, std::int64_t assignment, const NewGradedAnswer& a,
                          std::int64_t ms) {
  ASSIGN_OR_RETURN(auto ins, c.Prepare("INSERT INTO graded_answers(assignment_id, answer_text, "
                                       "score, points, source, submission_id, created_at) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  Json points = Json::object();
  for (const auto& [k, v] : a.points) points[k] = v;
  const std::string points_json = DumpJson(points);  // bound by reference until Run
  ins.Bind(1, assignment).Bind(2, a.answer_text);
  if (a.score) {
    ins.Bind(3, *a.score);
  } else {
    ins.BindNull(3);
  }
  ins.Bind(4, points_json).Bind(5, a.source);
  if (a.submission_id) {
    ins.Bind(6, a.submission_id->value());
  } else {
    ins.BindNull(6);
  }
  return ins.Bind(7, ms).Run();
}

// Columns 1 to 16 of the grade written by SaveGrade, in the order its INSERT and UPDATE name
// them.
template <class Stmt>
void BindGradeColumns(Stmt& s, const SaveGradeRequest& r, const std::string& breakdown,
                      const std::string& citations, const std::string& chunk_ids,
                      const std::string& parameters, std::int64_t ms) {
  const GradeProvenance& p = r.provenance;
  s.Bind(1, r.rubric_version)
      .Bind(2, r.result.score)
      .Bind(3, r.result.max_score)
      .Bind(4, breakdown)
      .Bind(5, r.result.feedback)
      .Bind(6, citations)
      .Bind(7, p.grader)
      .Bind(8, p.model)
      .Bind(9, p.prompt_hash)
      .Bind(10, chunk_ids)
      .Bind(11, parameters)
      .Bind(12, p.input_tokens)
      .Bind(13, p.output_tokens)
      .Bind(14, p.latency_ms)
      .Bind(15, p.confidence)
      .Bind(16, ms);
}

}  // namespace

template <class Db>
Status SqlStore<Db>::Ping() {
  return db_.Read([](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT 1"));
    return stmt.Run();
  });
}

template <class Db>
Result<Assignment> SqlStore<Db>::CreateAssignment(const NewAssignment& a, TimePoint now) {
  auto rubric = Rubric::FromJson(a.rubric_json);
  if (!rubric.ok()) return rubric.status();
  Assignment out;
  const std::string rubric_text = DumpJson(a.rubric_json);
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(
        auto ins,
        c.Prepare(
            "INSERT INTO assignments(title, question, reference_answer, rubric, rubric_version, "
            "created_at, updated_at, course_id) VALUES (?, ?, ?, ?, 1, ?, ?, ?)"));
    const std::int64_t ms = ToUnixMillis(now);
    ins.Bind(1, a.title)
        .Bind(2, a.question)
        .Bind(3, a.reference_answer)
        .Bind(4, rubric_text)
        .Bind(5, ms)
        .Bind(6, ms);
    if (a.course_id) {
      ASSIGN_OR_RETURN(auto course, c.Prepare("SELECT 1 FROM courses WHERE id = ?"));
      course.Bind(1, a.course_id->value());
      ASSIGN_OR_RETURN(bool found, course.Step());
      course.Reset();
      if (!found) return NotFoundError("Course not found");
      ins.Bind(7, a.course_id->value());
    } else {
      ins.BindNull(7);
    }
    RETURN_IF_ERROR(ins.Run());
    out.id = AssignmentId(c.LastInsertId());
    ASSIGN_OR_RETURN(auto crit, c.Prepare("INSERT INTO rubric_criteria(assignment_id, "
                                          "rubric_version, position, `key`, description, "
                                          "max_points, levels) VALUES (?, 1, ?, ?, ?, ?, ?)"));
    int position = 0;
    for (const Criterion& k : rubric->criteria()) {
      Json levels = Json::array();
      for (const auto& l : k.levels) {
        levels.push_back({{"points", JsonNumber(l.points)}, {"description", l.description}});
      }
      const std::string levels_text = DumpJson(levels);
      RETURN_IF_ERROR(crit.Bind(1, out.id.value())
                          .Bind(2, position++)
                          .Bind(3, k.key)
                          .Bind(4, k.description)
                          .Bind(5, k.max_points)
                          .Bind(6, levels_text)
                          .Run());
    }
    return OkStatus();
  }));
  out.title = a.title;
  out.question = a.question;
  out.reference_answer = a.reference_answer;
  out.rubric_json = a.rubric_json;
  out.rubric = std::move(rubric).value();
  out.rubric_version = 1;
  out.created_at = FromUnixMillis(ToUnixMillis(now));
  out.course_id = a.course_id;
  return out;
}

template <class Db>
Result<Assignment> SqlStore<Db>::GetAssignment(AssignmentId id) {
  std::optional<Result<Assignment>> found;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT " + std::string(kAssignmentColumns) +
                                          " FROM assignments WHERE id = ?"));
    stmt.Bind(1, id.value());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) found = ReadAssignment(stmt);
    return OkStatus();
  }));
  if (!found) return NotFoundError("Assignment not found");
  return std::move(*found);
}

template <class Db>
Result<bool> SqlStore<Db>::AssignmentExists(AssignmentId id) {
  bool found = false;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT 1 FROM assignments WHERE id = ?"));
    stmt.Bind(1, id.value());
    ASSIGN_OR_RETURN(found, stmt.Step());
    return OkStatus();
  }));
  return found;
}

template <class Db>
Result<std::vector<Assignment>> SqlStore<Db>::ListAssignments(int limit, int offset) {
  std::vector<Assignment> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT " + std::string(kAssignmentColumns) +
                                          " FROM assignments ORDER BY created_at DESC, id DESC "
                                          "LIMIT ? OFFSET ?"));
    stmt.Bind(1, limit).Bind(2, offset);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(auto a, ReadAssignment(stmt));
      out.push_back(std::move(a));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<std::vector<Assignment>> SqlStore<Db>::ListCourseAssignments(
    const std::vector<CourseId>& courses, int limit, int offset) {
  std::vector<Assignment> out;
  if (courses.empty()) return out;
  std::string in;
  for (std::size_t i = 0; i < courses.size(); ++i) in += i ? ", ?" : "?";
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    std::string sql = "SELECT ";
    sql.append(kAssignmentColumns)
        .append(" FROM assignments WHERE course_id IN (")
        .append(in)
        .append(") ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?");
    ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
    int i = 1;
    for (CourseId course : courses) stmt.Bind(i++, course.value());
    stmt.Bind(i, limit);
    stmt.Bind(i + 1, offset);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(auto a, ReadAssignment(stmt));
      out.push_back(std::move(a));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Status SqlStore<Db>::SetGradesReleased(AssignmentId id, bool released, TimePoint now) {
  return db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto find,
                     c.Prepare("SELECT grades_released_at FROM assignments WHERE id = ?"));
    find.Bind(1, id.value());
    ASSIGN_OR_RETURN(bool row, find.Step());
    if (!row) return NotFoundError("Assignment not found");
    const bool was_released = !find.IsNull(0);
    find.Reset();
    if (was_released == released) return OkStatus();
    ASSIGN_OR_RETURN(auto upd, c.Prepare("UPDATE assignments SET grades_released_at = ?, "
                                         "updated_at = ? WHERE id = ?"));
    const std::int64_t ms = ToUnixMillis(now);
    if (released) {
      upd.Bind(1, ms);
    } else {
      upd.BindNull(1);
    }
    return upd.Bind(2, ms).Bind(3, id.value()).Run();
  });
}

template <class Db>
Result<Material> SqlStore<Db>::AddMaterial(const NewMaterial& m,
                                           const std::vector<NewChunk>& chunks, TimePoint now) {
  Material out;
  const std::int64_t ms = ToUnixMillis(now);
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto exists, c.Prepare("SELECT 1 FROM assignments WHERE id = ?"));
    exists.Bind(1, m.assignment_id.value());
    ASSIGN_OR_RETURN(bool row, exists.Step());
    if (!row) return NotFoundError("Assignment not found");
    ASSIGN_OR_RETURN(
        auto ins,
        c.Prepare("INSERT INTO materials(assignment_id, filename, media_type, blob_key, sha256, "
                  "size_bytes, "
                  "status, chunk_count, created_at) VALUES (?, ?, ?, ?, ?, ?, 'indexed', ?, ?)"));
    RETURN_IF_ERROR(ins.Bind(1, m.assignment_id.value())
                        .Bind(2, m.filename)
                        .Bind(3, m.media_type)
                        .Bind(4, m.blob_key)
                        .Bind(5, m.sha256)
                        .Bind(6, m.size_bytes)
                        .Bind(7, static_cast<std::int64_t>(chunks.size()))
                        .Bind(8, ms)
                        .Run());
    out.id = MaterialId(c.LastInsertId());
    ASSIGN_OR_RETURN(
        auto chunk,
        c.Prepare("INSERT INTO chunks(material_id, assignment_id, position, heading, text) "
                  "VALUES (?, ?, ?, ?, ?)"));
    for (const NewChunk& k : chunks) {
      RETURN_IF_ERROR(chunk.Bind(1, out.id.value())
                          .Bind(2, m.assignment_id.value())
                          .Bind(3, k.position)
                          .Bind(4, k.heading)
                          .Bind(5, k.text)
                          .Run());
    }
    return OkStatus();
  }));
  out.assignment_id = m.assignment_id;
  out.filename = m.filename;
  out.blob_key = m.blob_key;
  out.sha256 = m.sha256;
  out.status = "indexed";
  out.chunk_count = static_cast<int>(chunks.size());
  out.created_at = FromUnixMillis(ms);
  return out;
}

template <class Db>
Result<std::vector<Chunk>> SqlStore<Db>::ListChunks(AssignmentId assignment) {
  std::vector<Chunk> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare(
            "SELECT c.id, c.material_id, c.assignment_id, c.position, c.heading, c.text, "
            "m.filename "
            "FROM chunks c JOIN materials m ON m.id = c.material_id WHERE c.assignment_id = ? "
            "ORDER BY c.material_id, c.position"));
    stmt.Bind(1, assignment.value());
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back({ChunkId(stmt.Int(0)), MaterialId(stmt.Int(1)), AssignmentId(stmt.Int(2)),
                     static_cast<int>(stmt.Int(3)), stmt.Text(4), stmt.Text(5), stmt.Text(6)});
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<CreatedSubmission> SqlStore<Db>::CreateSubmission(const NewSubmission& s, TimePoint now) {
  return std::move(CreateSubmissions({s}, now).front());
}

template <class Db>
std::vector<Result<CreatedSubmission>> SqlStore<Db>::CreateSubmissions(
    const std::vector<NewSubmission>& batch, TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  std::vector<Status> statuses(batch.size());
  std::vector<SubmissionId> ids(batch.size());
  // One write for the lot: the rows of a missing assignment are refused one by one, and nothing
  // else can fail for a single row, so no per-row savepoint is needed.
  Status written = db_.Write([&](auto& c) -> Status {
    std::map<std::int64_t, bool> exists;  // per assignment, checked once per batch
    ASSIGN_OR_RETURN(auto find, c.Prepare("SELECT 1 FROM assignments WHERE id = ?"));
    ASSIGN_OR_RETURN(
        auto ins,
        c.Prepare("INSERT INTO submissions(assignment_id, student_id, filename, blob_key, sha256, "
                  "extracted_text, status, created_at, updated_at, user_id) "
                  "VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)"));
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const NewSubmission& s = batch[i];
      auto known = exists.find(s.assignment_id.value());
      if (known == exists.end()) {
        find.Bind(1, s.assignment_id.value());
        ASSIGN_OR_RETURN(bool row, find.Step());
        find.Reset();
        known = exists.emplace(s.assignment_id.value(), row).first;
      }
      if (!known->second) {
        statuses[i] = NotFoundError("Assignment not found");
        continue;
      }
      ins.Bind(1, s.assignment_id.value())
          .Bind(2, s.student_id)
          .Bind(3, s.filename)
          .Bind(4, s.blob_key)
          .Bind(5, s.sha256)
          .Bind(6, s.text)
          .Bind(7, ms)
          .Bind(8, ms);
      if (s.user_id) {
        ins.Bind(9, s.user_id->value());
      } else {
        ins.BindNull(9);
      }
      RETURN_IF_ERROR(ins.Run());
      ids[i] = SubmissionId(c.LastInsertId());
    }
    if (!options_.enqueue_jobs) return OkStatus();
    ASSIGN_OR_RETURN(
        auto job,
        c.Prepare("INSERT INTO jobs(queue, submission_id, state, attempts, ready_at, created_at, "
                  "updated_at) VALUES (?, ?, 'queued', 0, ?, ?, ?)"));
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!statuses[i].ok()) continue;
      RETURN_IF_ERROR(job.Bind(1, options_.queue_name)
                          .Bind(2, ids[i].value())
                          .Bind(3, ms)
                          .Bind(4, ms)
                          .Bind(5, ms)
                          .Run());
    }
    return OkStatus();
  });
  std::vector<Result<CreatedSubmission>> out;
  out.reserve(batch.size());
  bool any = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!written.ok()) {
      out.emplace_back(written);
      continue;
    }
    if (!statuses[i].ok()) {
      out.emplace_back(statuses[i]);
      continue;
    }
    any = true;
    CreatedSubmission created;
    created.job_enqueued = options_.enqueue_jobs;
    Submission& sub = created.submission;
    const NewSubmission& s = batch[i];
    sub.id = ids[i];
    sub.assignment_id = s.assignment_id;
    sub.student_id = s.student_id;
    sub.filename = s.filename;
    sub.blob_key = s.blob_key;
    sub.sha256 = s.sha256;
    sub.text = s.text;
    sub.user_id = s.user_id;
    sub.status = SubmissionStatus::kQueued;
    sub.created_at = sub.updated_at = FromUnixMillis(ms);
    out.emplace_back(std::move(created));
  }
  if constexpr (requires(Db & d) { d.NotifyWork(); }) {
    if (any && options_.enqueue_jobs) db_.NotifyWork();
  }
  return out;
}

template <class Db>
Result<Submission> SqlStore<Db>::GetSubmission(SubmissionId id) {
  std::optional<Submission> found;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare(std::string(kSubmissionSelect) + "WHERE s.id = ?"));
    stmt.Bind(1, id.value());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) found = ReadSubmission(stmt);
    return OkStatus();
  }));
  if (!found) return NotFoundError("Submission not found");
  return std::move(*found);
}

template <class Db>
Result<std::vector<Submission>> SqlStore<Db>::ListSubmissions(AssignmentId assignment, int limit,
                                                              int offset) {
  std::vector<Submission> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare(std::string(kListSelect) +
                               "WHERE s.assignment_id = ? "
                               "ORDER BY s.created_at DESC, s.id DESC LIMIT ? OFFSET ?"));
    stmt.Bind(1, assignment.value()).Bind(2, limit).Bind(3, offset);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(ReadSubmission(stmt));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<std::vector<std::string>> SqlStore<Db>::ListFirstAnswerTexts(AssignmentId assignment,
                                                                    int limit) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT extracted_text FROM submissions "
                                          "WHERE assignment_id = ? ORDER BY id LIMIT ?"));
    stmt.Bind(1, assignment.value()).Bind(2, limit);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(stmt.Text(0));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<std::int64_t> SqlStore<Db>::CountSubmissions(AssignmentId assignment) {
  std::int64_t n = 0;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    // COUNT alone: the assignment index answers it (MAX(id) would read every row); once a grade.
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare("SELECT COUNT(*) FROM submissions WHERE assignment_id = ?"));
    stmt.Bind(1, assignment.value());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) n = stmt.Int(0);
    return OkStatus();
  }));
  return n;
}

template <class Db>
Result<std::vector<Submission>> SqlStore<Db>::ListUserSubmissions(AssignmentId assignment,
                                                                  UserId user, int limit,
                                                                  int offset) {
  std::vector<Submission> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare(std::string(kListSelect) +
                               "WHERE s.assignment_id = ? AND s.user_id = ? "
                               "ORDER BY s.created_at DESC, s.id DESC LIMIT ? OFFSET ?"));
    stmt.Bind(1, assignment.value()).Bind(2, user.value()).Bind(3, limit).Bind(4, offset);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(ReadSubmission(stmt));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Status SqlStore<Db>::UpdateUnlessFinal(SubmissionId id, SubmissionStatus to,
                                       std::string_view reason, TimePoint now, bool count_attempt) {
  return db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare(
            "UPDATE submissions SET status = ?, error = ?, attempts = attempts + ?, updated_at = ? "
            "WHERE id = ? AND status NOT IN ('done', 'needs_review')"));
    RETURN_IF_ERROR(stmt.Bind(1, ToString(to))
                        .Bind(2, reason)
                        .Bind(3, count_attempt ? 1 : 0)
                        .Bind(4, ToUnixMillis(now))
                        .Bind(5, id.value())
                        .Run());
    if (c.Changes() == 1) return OkStatus();
    ASSIGN_OR_RETURN(auto status, CurrentStatus(c, id));
    return FailedPreconditionError("submission " + id.ToString() + " is already " +
                                   std::string(ToString(status)));
  });
}

template <class Db>
Status SqlStore<Db>::MarkGrading(SubmissionId id, TimePoint now) {
  return UpdateUnlessFinal(id, SubmissionStatus::kGrading, "", now, /*count_attempt=*/true);
}

template <class Db>
Status SqlStore<Db>::MarkRetrying(SubmissionId id, std::string_view reason, TimePoint now) {
  return UpdateUnlessFinal(id, SubmissionStatus::kQueued, reason, now, false);
}

template <class Db>
Status SqlStore<Db>::MarkFailed(SubmissionId id, std::string_view reason, TimePoint now) {
  return UpdateUnlessFinal(id, SubmissionStatus::kError, reason, now, false);
}

template <class Db>
Result<int> SqlStore<Db>::Requeue(const std::vector<SubmissionId>& ids, TimePoint now) {
  int changed = 0;
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt, c.Prepare("UPDATE submissions SET status = 'queued', error = '', updated_at = ? "
                             "WHERE id = ? AND status = 'error'"));
    for (SubmissionId id : ids) {
      RETURN_IF_ERROR(stmt.Bind(1, ToUnixMillis(now)).Bind(2, id.value()).Run());
      changed += c.Changes();
    }
    return OkStatus();
  }));
  return changed;
}

template <class Db>
Result<SaveGradeOutcome> SqlStore<Db>::SaveGrade(const SaveGradeRequest& r) {
  SaveGradeOutcome outcome = SaveGradeOutcome::kAlreadyGraded;
  const std::int64_t ms = ToUnixMillis(r.now);
  const std::string breakdown = DumpJson(BreakdownToJson(r.result.breakdown));
  const std::string citations = DumpJson(CitationsToJson(r.result.citations));
  const std::string chunk_ids = ChunkIdsToJson(r.provenance.retrieved_chunk_ids);
  const std::string parameters = DumpJson(r.provenance.parameters);
  const std::string_view final_status = ToString(r.final_status);
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    RETURN_IF_ERROR(CurrentStatus(c, r.submission_id));
    // The grade is keyed by submission; a newer rubric version replaces it, the same one never
    // does, so a redelivered job cannot write a second grade. A read, then an insert or a
    // conditional update: the same SQL on every database. (On MySQL a concurrent insert of the
    // same submission's grade fails on the unique key, and the transaction runs again.)
    ASSIGN_OR_RETURN(auto existing,
                     c.Prepare("SELECT rubric_version FROM grades WHERE submission_id = ?"));
    existing.Bind(1, r.submission_id.value());
    ASSIGN_OR_RETURN(bool has_grade, existing.Step());
    const GradeProvenance& p = r.provenance;
    bool written = false;
    if (!has_grade) {
      ASSIGN_OR_RETURN(
          auto ins,
          c.Prepare("INSERT INTO grades(rubric_version, score, max_score, breakdown, feedback, "
                    "citations, grader, model, prompt_hash, retrieved_chunk_ids, parameters, "
                    "input_tokens, output_tokens, latency_ms, confidence, updated_at, "
                    "submission_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      BindGradeColumns(ins, r, breakdown, citations, chunk_ids, parameters, ms);
      RETURN_IF_ERROR(ins.Bind(17, r.submission_id.value()).Bind(18, ms).Run());
      written = true;
    } else if (existing.Int(0) < r.rubric_version) {
      ASSIGN_OR_RETURN(
          auto up,
          c.Prepare("UPDATE grades SET rubric_version = ?, score = ?, max_score = ?, "
                    "breakdown = ?, feedback = ?, citations = ?, grader = ?, model = ?, "
                    "prompt_hash = ?, retrieved_chunk_ids = ?, parameters = ?, input_tokens = ?, "
                    "output_tokens = ?, latency_ms = ?, confidence = ?, updated_at = ? "
                    "WHERE submission_id = ? AND rubric_version < ?"));
      BindGradeColumns(up, r, breakdown, citations, chunk_ids, parameters, ms);
      RETURN_IF_ERROR(up.Bind(17, r.submission_id.value()).Bind(18, r.rubric_version).Run());
      written = c.Changes() == 1;
    }
    if (written) {
      outcome = SaveGradeOutcome::kWritten;
      const std::string detail =
          DumpJson(Json{{"grader", p.grader}, {"model", p.model}, {"prompt_hash", p.prompt_hash}});
      RETURN_IF_ERROR(InsertGradeEvent(c, r.submission_id, "grade", p.grader, r.rubric_version,
                                       r.result.score, detail, ms));
    }
    // Also when the grade already existed: a crash between the two writes cannot happen inside
    // one transaction, but an older binary's data might need the status healed.
    ASSIGN_OR_RETURN(auto st,
                     c.Prepare("UPDATE submissions SET status = ?, error = '', updated_at = ? "
                               "WHERE id = ? AND status NOT IN ('done', 'needs_review')"));
    return st.Bind(1, final_status).Bind(2, ms).Bind(3, r.submission_id.value()).Run();
  }));
  return outcome;
}

template <class Db>
Status SqlStore<Db>::OverrideGrade(const OverrideGradeRequest& r) {
  const std::int64_t ms = ToUnixMillis(r.now);
  const std::string breakdown = DumpJson(BreakdownToJson(r.result.breakdown));
  const std::string citations = DumpJson(CitationsToJson(r.result.citations));
  return db_.Write([&](auto& c) -> Status {
    RETURN_IF_ERROR(CurrentStatus(c, r.submission_id));
    Json previous = nullptr;
    std::string chunk_ids = "[]";
    {
      ASSIGN_OR_RETURN(auto prev, c.Prepare("SELECT score, grader, retrieved_chunk_ids FROM grades "
                                            "WHERE submission_id = ?"));
      prev.Bind(1, r.submission_id.value());
      ASSIGN_OR_RETURN(bool row, prev.Step());
      if (row) {
        previous = {{"score", JsonNumber(prev.Real(0))}, {"grader", prev.Text(1)}};
        chunk_ids = prev.Text(2);
      }
    }
    const std::string parameters =
        DumpJson(Json{{"overrides", previous}, {"reason", r.reason}, {"actor", r.actor}});
    // A person's grade: grader 'human', no model, and the machine's grade it replaces kept in
    // the parameters.
    std::string_view sql =
        previous.is_null()
            ? "INSERT INTO grades(rubric_version, score, max_score, breakdown, feedback, "
              "citations, retrieved_chunk_ids, parameters, updated_at, submission_id, created_at, "
              "grader, model, prompt_hash, input_tokens, output_tokens, latency_ms, confidence) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'human', '', '', 0, 0, 0, 1)"
            : "UPDATE grades SET rubric_version = ?, score = ?, max_score = ?, breakdown = ?, "
              "feedback = ?, citations = ?, retrieved_chunk_ids = ?, parameters = ?, "
              "updated_at = ?, grader = 'human', model = '', prompt_hash = '', input_tokens = 0, "
              "output_tokens = 0, latency_ms = 0, confidence = 1 "
              "WHERE submission_id = ?";
    ASSIGN_OR_RETURN(auto up, c.Prepare(sql));
    up.Bind(1, r.rubric_version)
        .Bind(2, r.result.score)
        .Bind(3, r.result.max_score)
        .Bind(4, breakdown)
        .Bind(5, r.result.feedback)
        .Bind(6, citations)
        .Bind(7, chunk_ids)
        .Bind(8, parameters)
        .Bind(9, ms)
        .Bind(10, r.submission_id.value());
    if (previous.is_null()) up.Bind(11, ms);  // created_at
    RETURN_IF_ERROR(up.Run());
    const std::string detail = DumpJson(Json{{"previous", previous}, {"reason", r.reason}});
    RETURN_IF_ERROR(InsertGradeEvent(c, r.submission_id, "override", r.actor, r.rubric_version,
                                     r.result.score, detail, ms));
    ASSIGN_OR_RETURN(auto st, c.Prepare("UPDATE submissions SET status = 'done', error = '', "
                                        "updated_at = ? WHERE id = ?"));
    RETURN_IF_ERROR(st.Bind(1, ms).Bind(2, r.submission_id.value()).Run());

    ASSIGN_OR_RETURN(auto assignment,
                     c.Prepare("SELECT assignment_id FROM submissions WHERE id = ?"));
    assignment.Bind(1, r.submission_id.value());
    ASSIGN_OR_RETURN(bool found, assignment.Step());
    if (!found) return NotFoundError("Submission not found");
    const std::int64_t assignment_id = assignment.Int(0);
    ASSIGN_OR_RETURN(auto drop, c.Prepare("DELETE FROM graded_answers WHERE submission_id = ? "
                                          "AND source = 'override'"));
    RETURN_IF_ERROR(drop.Bind(1, r.submission_id.value()).Run());
    NewGradedAnswer example = r.example;
    example.source = "override";
    example.submission_id = r.submission_id;
    return InsertGradedAnswer(c, assignment_id, example, ms);
  });
}

template <class Db>
Result<Grade> SqlStore<Db>::GetGrade(SubmissionId submission) {
  std::optional<Result<Grade>> found;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare(
            "SELECT id, submission_id, rubric_version, score, max_score, breakdown, feedback, "
            "citations, grader, model, prompt_hash, retrieved_chunk_ids, parameters, input_tokens, "
            "output_tokens, latency_ms, confidence, created_at FROM grades WHERE submission_id = "
            "?"));
    stmt.Bind(1, submission.value());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return OkStatus();
    Grade g;
    g.id = GradeId(stmt.Int(0));
    g.submission_id = SubmissionId(stmt.Int(1));
    g.rubric_version = static_cast<int>(stmt.Int(2));
    g.result.score = stmt.Real(3);
    g.result.max_score = stmt.Real(4);
    auto breakdown = BreakdownFromJson(ParseJsonOrDiscarded(stmt.Text(5)));
    if (!breakdown.ok()) {
      found = breakdown.status();
      return OkStatus();
    }
    g.result.breakdown = std::move(breakdown).value();
    g.result.feedback = stmt.Text(6);
    auto citations = CitationsFromJson(ParseJsonOrDiscarded(stmt.Text(7)));
    if (!citations.ok()) {
      found = citations.status();
      return OkStatus();
    }
    g.result.citations = std::move(citations).value();
    g.provenance.grader = stmt.Text(8);
    g.provenance.model = stmt.Text(9);
    g.provenance.prompt_hash = stmt.Text(10);
    g.provenance.retrieved_chunk_ids = ChunkIdsFromJson(stmt.Text(11));
    g.provenance.parameters = ParseJsonOrDiscarded(stmt.Text(12));
    g.provenance.input_tokens = static_cast<int>(stmt.Int(13));
    g.provenance.output_tokens = static_cast<int>(stmt.Int(14));
    g.provenance.latency_ms = stmt.Real(15);
    g.provenance.confidence = stmt.Real(16);
    g.created_at = FromUnixMillis(stmt.Int(17));
    found = std::move(g);
    return OkStatus();
  }));
  if (!found) return NotFoundError("Grade not found");
  return std::move(*found);
}

template <class Db>
Result<std::vector<SubmissionId>> SqlStore<Db>::ListUnfinished(TimePoint updated_before,
                                                               SubmissionId after, int limit) {
  std::vector<SubmissionId> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare(
            "SELECT id FROM submissions WHERE status IN ('queued', 'grading') AND updated_at < ? "
            "AND id > ? ORDER BY id LIMIT ?"));
    stmt.Bind(1, ToUnixMillis(updated_before)).Bind(2, after.value()).Bind(3, limit);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.emplace_back(stmt.Int(0));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<StatusCounts> SqlStore<Db>::CountSubmissionsByStatus() {
  StatusCounts out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare("SELECT status, COUNT(*) FROM submissions GROUP BY status"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      const auto status = ParseSubmissionStatus(stmt.Text(0));
      const std::int64_t n = stmt.Int(1);
      if (!status) continue;
      switch (*status) {
        case SubmissionStatus::kQueued:
          out.queued = n;
          break;
        case SubmissionStatus::kGrading:
          out.grading = n;
          break;
        case SubmissionStatus::kDone:
          out.done = n;
          break;
        case SubmissionStatus::kNeedsReview:
          out.needs_review = n;
          break;
        case SubmissionStatus::kError:
          out.error = n;
          break;
      }
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace ag

namespace ag {

template <class Db>
Result<int> SqlStore<Db>::AddGradedAnswers(AssignmentId assignment,
                                           const std::vector<NewGradedAnswer>& answers,
                                           TimePoint now) {
  const std::int64_t ms = ToUnixMillis(now);
  RETURN_IF_ERROR(db_.Write([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto exists, c.Prepare("SELECT 1 FROM assignments WHERE id = ?"));
    exists.Bind(1, assignment.value());
    ASSIGN_OR_RETURN(bool row, exists.Step());
    if (!row) return NotFoundError("Assignment not found");
    for (const NewGradedAnswer& a : answers) {
      RETURN_IF_ERROR(InsertGradedAnswer(c, assignment.value(), a, ms));
    }
    return OkStatus();
  }));
  return static_cast<int>(answers.size());
}

template <class Db>
Result<std::vector<GradedAnswer>> SqlStore<Db>::ListGradedAnswers(AssignmentId assignment) {
  std::vector<GradedAnswer> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare("SELECT id, answer_text, score, points, source, submission_id, "
                               "created_at FROM graded_answers WHERE assignment_id = ? "
                               "ORDER BY id"));
    stmt.Bind(1, assignment.value());
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      GradedAnswer g;
      g.id = stmt.Int(0);
      g.assignment_id = assignment;
      g.answer_text = stmt.Text(1);
      if (!stmt.IsNull(2)) g.score = stmt.Real(2);
      const Json points = Json::parse(stmt.Text(3), nullptr, false);
      if (points.is_object()) {
        for (const auto& [k, v] : points.items()) {
          if (v.is_number()) g.points[k] = v.template get<double>();
        }
      }
      g.source = stmt.Text(4);
      if (!stmt.IsNull(5)) g.submission_id = SubmissionId(stmt.Int(5));
      g.created_at = FromUnixMillis(stmt.Int(6));
      out.push_back(std::move(g));
    }
    return OkStatus();
  }));
  return out;
}

template <class Db>
Result<GradedAnswersVersion> SqlStore<Db>::GetGradedAnswersVersion(AssignmentId assignment) {
  ASSIGN_OR_RETURN(auto v, CountAndLastId("graded_answers", assignment));
  return GradedAnswersVersion{v.first, v.second};
}

template <class Db>
Result<ChunksVersion> SqlStore<Db>::GetChunksVersion(AssignmentId assignment) {
  ASSIGN_OR_RETURN(auto v, CountAndLastId("chunks", assignment));
  return ChunksVersion{v.first, v.second};
}

template <class Db>
Result<std::pair<std::int64_t, std::int64_t>> SqlStore<Db>::CountAndLastId(
    std::string_view table, AssignmentId assignment) {
  std::pair<std::int64_t, std::int64_t> v{0, 0};
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM " +
                                          std::string(table) + " WHERE assignment_id = ?"));
    stmt.Bind(1, assignment.value());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) v = {stmt.Int(0), stmt.Int(1)};
    return OkStatus();
  }));
  return v;
}

template <class Db>
Result<GradedAnswersVersion> SqlStore<Db>::GetAllGradedAnswersVersion() {
  GradedAnswersVersion v;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM graded_answers"));
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) v = {stmt.Int(0), stmt.Int(1)};
    return OkStatus();
  }));
  return v;
}

template <class Db>
Result<std::vector<AssignmentId>> SqlStore<Db>::ListGradedAssignments() {
  std::vector<AssignmentId> out;
  RETURN_IF_ERROR(db_.Read([&](auto& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT DISTINCT assignment_id FROM graded_answers "
                                          "ORDER BY assignment_id"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(AssignmentId(stmt.Int(0)));
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace ag
