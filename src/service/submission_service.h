// Taking in a submission: its file kept as a blob, its text extracted, the row committed as
// queued with its grading job. Once Submit returns OK the submission is durable (it survives a
// kill -9) and will be graded or failed.
#pragma once

#include <string>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "obs/log.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace ag {

struct SubmitRequest {
  AssignmentId assignment_id;
  std::string student_id;
  std::string filename;
  std::string_view bytes;
};

class SubmissionService {
 public:
  SubmissionService(Store& store, BlobStore& blobs, JobQueue& queue, const Clock& clock,
                    Logger& log)
      : store_(store), blobs_(blobs), queue_(queue), clock_(clock), log_(log) {}

  // NotFound when the assignment does not exist; InvalidArgument when the file is unusable.
  Result<Submission> Submit(const SubmitRequest& request);

 private:
  Store& store_;
  BlobStore& blobs_;
  JobQueue& queue_;
  const Clock& clock_;
  Logger& log_;
};

}  // namespace ag
