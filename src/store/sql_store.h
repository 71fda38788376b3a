// The Store port on SQL, once for every database: SQLite embedded (SqliteStore), MySQL/MariaDB
// scaled out (MysqlStore). The statements are the subset both dialects share (no upsert, no
// RETURNING, `key` quoted with backticks), so the adapters cannot drift apart; `Db` supplies
// Read and Write (a transaction) and connections whose statements bind and step alike
// (store/sqlite_db.h, store/mysql_db.h). The implementation is in sql_store_impl.h, instantiated
// by each adapter's .cc.
#pragma once

#include <string>

#include "store/store.h"

namespace ag {

struct SqlStoreOptions {
  // When the embedded job queue lives in the same database, CreateSubmission inserts the
  // grading job in the submission's own transaction (and reports job_enqueued).
  bool enqueue_jobs = true;
  std::string queue_name = "grading";
};

template <class Db>
class SqlStore : public Store {
 public:
  SqlStore(Db& db, SqlStoreOptions options) : db_(db), options_(std::move(options)) {}
  Status Ping() override;
  Result<Assignment> CreateAssignment(const NewAssignment& a, TimePoint now) override;
  Result<Assignment> GetAssignment(AssignmentId id) override;
  Result<bool> AssignmentExists(AssignmentId id) override;
  Result<std::vector<Assignment>> ListAssignments(int limit, int offset) override;
  Result<std::vector<Assignment>> ListCourseAssignments(const std::vector<CourseId>& courses,
                                                        int limit, int offset) override;
  Status SetGradesReleased(AssignmentId id, bool released, TimePoint now) override;
  Result<Material> AddMaterial(const NewMaterial& m, const std::vector<NewChunk>& chunks,
                               TimePoint now) override;
  Result<std::vector<Chunk>> ListChunks(AssignmentId assignment) override;
  Result<ChunksVersion> GetChunksVersion(AssignmentId assignment) override;
  Result<int> AddGradedAnswers(AssignmentId assignment, const std::vector<NewGradedAnswer>& answers,
                               TimePoint now) override;
  Result<std::vector<GradedAnswer>> ListGradedAnswers(AssignmentId assignment) override;
  Result<GradedAnswersVersion> GetGradedAnswersVersion(AssignmentId assignment) override;
  Result<GradedAnswersVersion> GetAllGradedAnswersVersion() override;
  Result<std::vector<AssignmentId>> ListGradedAssignments() override;
  Result<CreatedSubmission> CreateSubmission(const NewSubmission& s, TimePoint now) override;
  std::vector<Result<CreatedSubmission>> CreateSubmissions(const std::vector<NewSubmission>& batch,
                                                           TimePoint now) override;
  Result<Submission> GetSubmission(SubmissionId id) override;
  Result<std::vector<Submission>> ListSubmissions(AssignmentId assignment, int limit,
                                                  int offset) override;
  Result<std::vector<Submission>> ListUserSubmissions(AssignmentId assignment, UserId user,
                                                      int limit, int offset) override;
  Result<std::vector<std::string>> ListFirstAnswerTexts(AssignmentId assignment,
                                                        int limit) override;
  Result<std::int64_t> CountSubmissions(AssignmentId assignment) override;
  Status MarkGrading(SubmissionId id, TimePoint now) override;
  Status MarkRetrying(SubmissionId id, std::string_view reason, TimePoint now) override;
  Status MarkFailed(SubmissionId id, std::string_view reason, TimePoint now) override;
  Result<int> Requeue(const std::vector<SubmissionId>& ids, TimePoint now) override;
  Result<SaveGradeOutcome> SaveGrade(const SaveGradeRequest& request) override;
  Result<Grade> GetGrade(SubmissionId submission) override;
  Status OverrideGrade(const OverrideGradeRequest& request) override;
  Result<std::vector<SubmissionId>> ListUnfinished(TimePoint updated_before, SubmissionId after,
                                                   int limit) override;
  Result<StatusCounts> CountSubmissionsByStatus() override;

 private:
  // COUNT(*) and MAX(id) of a table's rows of the assignment (a version of them).
  Result<std::pair<std::int64_t, std::int64_t>> CountAndLastId(std::string_view table,
                                                               AssignmentId assignment);
  Status UpdateUnlessFinal(SubmissionId id, SubmissionStatus to, std::string_view reason,
                           TimePoint now, bool count_attempt);

  Db& db_;
  SqlStoreOptions options_;
};

}  // namespace ag
