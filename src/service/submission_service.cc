#include "service/submission_service.h"

#include "rag/extract.h"

namespace ag {

Result<Submission> SubmissionService::Submit(const SubmitRequest& r) {
  RETURN_IF_ERROR(store_.GetAssignment(r.assignment_id));
  ASSIGN_OR_RETURN(ExtractedText extracted, ExtractText(r.filename, r.bytes));
  ASSIGN_OR_RETURN(std::string key, blobs_.Put(r.bytes));
  NewSubmission s{r.assignment_id, r.student_id, r.filename, key, key, std::move(extracted.text)};
  ASSIGN_OR_RETURN(CreatedSubmission created, store_.CreateSubmission(s, clock_.Now()));
  if (!created.job_enqueued) {
    // The row is committed; if this enqueue is lost, the sweeper enqueues it later.
    if (Status q = queue_.Enqueue(created.submission.id, clock_.Now()); !q.ok()) {
      log_.Warn("enqueue failed; the sweeper will retry",
                {{"submission_id", created.submission.id.value()}, {"error", q.ToString()}});
    }
  }
  return std::move(created.submission);
}

}  // namespace ag
