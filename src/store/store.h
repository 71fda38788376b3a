// The Store port: assignments, course material, submissions and grades in SQL.
//
// Contract, for every adapter (SQLite embedded, MySQL/MariaDB scaled out):
// - Every method is thread-safe and returns an error value, never throws.
// - A "Get" answers NotFound when the row does not exist; Unavailable when the database cannot
//   be reached or is busy past its timeout (the caller may retry); Internal for anything else.
// - Writes that belong together (a material and its chunks; a grade, its audit event and the
//   submission's status) commit in one transaction: all of them or none.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/grade.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/rubric.h"
#include "core/status.h"
#include "core/submission_status.h"

namespace ag {

struct NewAssignment {
  std::string title;
  std::string question;          // may be empty
  std::string reference_answer;  // may be empty
  Json rubric_json;              // as the instructor sent it, already validated
  // None: only admins see it (and everyone with auth off).
  std::optional<CourseId> course_id = std::nullopt;
};

struct Assignment {
  AssignmentId id;
  std::string title;
  std::string question;
  std::string reference_answer;
  Json rubric_json;
  Rubric rubric;
  int rubric_version = 1;
  TimePoint created_at;
  std::optional<CourseId> course_id;
  // Since when its students see their grades; none: not released.
  std::optional<TimePoint> grades_released_at;
};

struct NewChunk {
  int position = 0;  // order within the material, from 0
  std::string heading;
  std::string text;
};

struct NewMaterial {
  AssignmentId assignment_id;
  std::string filename;
  std::string blob_key;
  std::string sha256;
  std::string media_type;
  std::int64_t size_bytes = 0;
};

struct Material {
  MaterialId id;
  AssignmentId assignment_id;
  std::string filename;
  std::string blob_key;
  std::string sha256;
  std::string status;  // "indexed"
  int chunk_count = 0;
  TimePoint created_at;
};

struct Chunk {
  ChunkId id;
  MaterialId material_id;
  AssignmentId assignment_id;
  int position = 0;
  std::string heading;
  std::string text;
  std::string filename;  // of its material
};

struct NewSubmission {
  AssignmentId assignment_id;
  std::string student_id;  // may be empty: the original API had no students
  std::string filename;
  std::string blob_key;
  std::string sha256;
  std::string text;                              // extracted
  std::optional<UserId> user_id = std::nullopt;  // the account that submitted, if any
};

struct Submission {
  SubmissionId id;
  AssignmentId assignment_id;
  std::string student_id;
  std::string filename;
  std::string blob_key;
  std::string sha256;
  std::string text;
  SubmissionStatus status = SubmissionStatus::kQueued;
  std::string error;  // the last failure's reason; kept while a retry is pending
  int attempts = 0;
  TimePoint created_at;
  TimePoint updated_at;
  // From the current grade, when there is one.
  std::optional<double> score;
  std::optional<std::string> feedback;
  std::optional<UserId> user_id;
};

struct CreatedSubmission {
  Submission submission;
  // True when the store enqueued the grading job in the same transaction (the embedded queue
  // shares the database); otherwise the caller enqueues it, and the sweeper covers a crash
  // between the two writes.
  bool job_enqueued = false;
};

// What produced a grade, kept so that it can be audited or reproduced.
struct ChunksVersion {
  std::int64_t count = 0;
  std::int64_t last_id = 0;
  bool operator==(const ChunksVersion&) const = default;
};

// An answer graded by a person: an example for the local grader. `points` per criterion key
// when known; `score` the total when only that is known (at least one of the two is set).
struct NewGradedAnswer {
  std::string answer_text;
  std::optional<double> score;
  std::map<std::string, double> points;
  std::string source = "import";  // "import" or "override"
  std::optional<SubmissionId> submission_id;
};
struct GradedAnswer {
  std::int64_t id = 0;
  AssignmentId assignment_id;
  std::string answer_text;
  std::optional<double> score;
  std::map<std::string, double> points;
  std::string source;
  std::optional<SubmissionId> submission_id;
  TimePoint created_at;
};
// Changes whenever an assignment's graded answers do: models trained on them are cached by it.
struct GradedAnswersVersion {
  std::int64_t count = 0;
  std::int64_t last_id = 0;
  bool operator==(const GradedAnswersVersion&) const = default;
};

struct GradeProvenance {
  std::string grader;  // "local-overlap", "llm"
  std::string model;
  std::string prompt_hash;
  std::vector<ChunkId> retrieved_chunk_ids;
  Json parameters = Json::object();
  int input_tokens = 0;
  int output_tokens = 0;
  double latency_ms = 0;
  double confidence = 1.0;  // 0..1
};

struct Grade {
  GradeId id;
  SubmissionId submission_id;
  int rubric_version = 1;
  GradeResult result;
  GradeProvenance provenance;
  TimePoint created_at;
};

struct SaveGradeRequest {
  SubmissionId submission_id;
  int rubric_version = 1;
  GradeResult result;
  GradeProvenance provenance;
  SubmissionStatus final_status = SubmissionStatus::kDone;  // or kNeedsReview
  TimePoint now;
};

// A person's grade replacing the grader's (or given where grading failed).
struct OverrideGradeRequest {
  SubmissionId submission_id;
  int rubric_version = 1;
  GradeResult result;  // validated against the rubric by the caller
  std::string actor;   // who; empty until accounts exist
  std::string reason;
  // The answer as a graded example of its assignment (source "override"); it replaces the
  // example an earlier override of the same submission made.
  NewGradedAnswer example;
  TimePoint now;
};

enum class SaveGradeOutcome {
  kWritten,        // the grade is now the current one
  kAlreadyGraded,  // a grade for this rubric version existed: nothing changed
};

struct StatusCounts {
  std::int64_t queued = 0, grading = 0, done = 0, needs_review = 0, error = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // OK when a trivial query succeeds.
  virtual Status Ping() = 0;

  virtual Result<Assignment> CreateAssignment(const NewAssignment& a, TimePoint now) = 0;
  // NotFound when absent.
  virtual Result<Assignment> GetAssignment(AssignmentId id) = 0;
  // Cheaper than GetAssignment when only existence matters (the intake's first check).
  virtual Result<bool> AssignmentExists(AssignmentId id) = 0;
  // Newest first.
  virtual Result<std::vector<Assignment>> ListAssignments(int limit, int offset) = 0;
  // Newest first, of these courses only.
  virtual Result<std::vector<Assignment>> ListCourseAssignments(
      const std::vector<CourseId>& courses, int limit, int offset) = 0;
  // Releases the assignment's grades to its students (kept: the first release time), or
  // withdraws them. NotFound when absent.
  virtual Status SetGradesReleased(AssignmentId id, bool released, TimePoint now) = 0;

  // Inserts the material and all its chunks in one transaction. NotFound when the assignment
  // does not exist.
  virtual Result<Material> AddMaterial(const NewMaterial& m, const std::vector<NewChunk>& chunks,
                                       TimePoint now) = 0;
  // Every chunk of the assignment's materials, by material then position.
  virtual Result<std::vector<Chunk>> ListChunks(AssignmentId assignment) = 0;
  // Changes whenever the assignment's chunks do (count, largest id): indexes built from them
  // are cached by it.
  virtual Result<ChunksVersion> GetChunksVersion(AssignmentId assignment) = 0;

  // Adds graded answers to an assignment, all or none. NotFound when the assignment does not
  // exist. Returns how many were added.
  virtual Result<int> AddGradedAnswers(AssignmentId assignment,
                                       const std::vector<NewGradedAnswer>& answers,
                                       TimePoint now) = 0;
  // Oldest first.
  virtual Result<std::vector<GradedAnswer>> ListGradedAnswers(AssignmentId assignment) = 0;
  virtual Result<GradedAnswersVersion> GetGradedAnswersVersion(AssignmentId assignment) = 0;
  // Over every assignment: the version, and the assignments that have graded answers.
  virtual Result<GradedAnswersVersion> GetAllGradedAnswersVersion() = 0;
  virtual Result<std::vector<AssignmentId>> ListGradedAssignments() = 0;

  // Inserts the submission as queued. NotFound when the assignment does not exist.
  virtual Result<CreatedSubmission> CreateSubmission(const NewSubmission& s, TimePoint now) = 0;
  // As CreateSubmission for each, with a result each: one's failure does not fail the others.
  // Adapters commit them together where they can (the intake batches under load).
  virtual std::vector<Result<CreatedSubmission>> CreateSubmissions(
      const std::vector<NewSubmission>& batch, TimePoint now) = 0;
  // With score and feedback of the current grade. NotFound when absent.
  virtual Result<Submission> GetSubmission(SubmissionId id) = 0;
  // Newest first, with score and feedback, without the text (a list can be long and each text
  // large).
  virtual Result<std::vector<Submission>> ListSubmissions(AssignmentId assignment, int limit,
                                                          int offset) = 0;
  // The extracted texts of the assignment's first `limit` submissions, oldest first. An
  // assignment's first submissions stay its first, so the same limit gives the same texts
  // (the local grader's peer answers, scoring/peer_pool.h).
  virtual Result<std::vector<std::string>> ListFirstAnswerTexts(AssignmentId assignment,
                                                                int limit) = 0;
  // How many submissions the assignment has (the size of its pool of peers follows from it).
  virtual Result<std::int64_t> CountSubmissions(AssignmentId assignment) = 0;
  // The same, of one account's submissions only.
  virtual Result<std::vector<Submission>> ListUserSubmissions(AssignmentId assignment, UserId user,
                                                              int limit, int offset) = 0;

  // queued|grading|error -> grading and counts an attempt. FailedPrecondition when the
  // submission is final (done or needs_review); NotFound when absent.
  virtual Status MarkGrading(SubmissionId id, TimePoint now) = 0;
  // Back to queued with the reason of the failed attempt, unless final.
  virtual Status MarkRetrying(SubmissionId id, std::string_view reason, TimePoint now) = 0;
  // -> error with the reason, unless final (a finished submission never flips to error).
  virtual Status MarkFailed(SubmissionId id, std::string_view reason, TimePoint now) = 0;
  // error -> queued for the ids given (operator retry); returns how many changed.
  virtual Result<int> Requeue(const std::vector<SubmissionId>& ids, TimePoint now) = 0;

  // Idempotent: writes the grade as the submission's current grade, an audit event, and the
  // submission's final status, in one transaction. A grade for the same or a newer rubric
  // version that already exists is kept (kAlreadyGraded). NotFound when the submission is absent.
  virtual Result<SaveGradeOutcome> SaveGrade(const SaveGradeRequest& request) = 0;
  // The current grade. NotFound when the submission has none.
  virtual Result<Grade> GetGrade(SubmissionId submission) = 0;
  // In one transaction: the person's grade becomes the current one whatever existed (grader
  // "human"; the previous grader and score kept in its parameters), an 'override' grade event,
  // the submission done (whatever its status: a job still queued or running then finds it
  // graded and leaves it), and the answer as a graded example. NotFound when absent.
  virtual Status OverrideGrade(const OverrideGradeRequest& request) = 0;

  // Submissions still queued or grading whose last change is older than `updated_before`, with
  // ids above `after`, by id: candidates for the sweeper, read page by page.
  virtual Result<std::vector<SubmissionId>> ListUnfinished(TimePoint updated_before,
                                                           SubmissionId after, int limit) = 0;
  virtual Result<StatusCounts> CountSubmissionsByStatus() = 0;
};

}  // namespace ag
