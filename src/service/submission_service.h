// Taking in a submission: its file kept as a blob, its text extracted, the row committed as
// queued with its grading job. Once the submission is reported (Submit returns, or SubmitAsync's
// callback runs with a value) it is durable: it survives a kill -9 and will be graded or failed.
//
// Writes go through one intake thread that takes every submission waiting at that moment and
// writes them together (one blob commit, one store commit for the lot), so that the commit cost
// is shared under load while a lone submission is written at once.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

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

using SubmitCallback = std::function<void(Result<Submission>)>;

struct IntakeOptions {
  std::size_t max_batch = 64;  // submissions written in one commit at most
};

class SubmissionService {
 public:
  SubmissionService(Store& store, BlobStore& blobs, JobQueue& queue, const Clock& clock,
                    Logger& log, IntakeOptions options = {});
  // Writes what is still waiting, then stops the intake thread.
  ~SubmissionService();

  // NotFound when the assignment does not exist; InvalidArgument when the file is unusable.
  Result<Submission> Submit(const SubmitRequest& request);

  // The same, reporting through `done`: at once (on this thread) for a request that fails
  // validation, else on the intake thread once the submission is written. `request.bytes` need
  // not outlive the call.
  void SubmitAsync(const SubmitRequest& request, SubmitCallback done);

 private:
  struct Pending {
    NewSubmission submission;
    std::string bytes;
    SubmitCallback done;
  };
  void IntakeLoop(std::stop_token stop);
  void WriteBatch(std::vector<Pending>& batch);

  Store& store_;
  BlobStore& blobs_;
  JobQueue& queue_;
  const Clock& clock_;
  Logger& log_;
  IntakeOptions options_;

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Pending> waiting_;
  std::jthread intake_;  // last: it uses everything above
};

}  // namespace ag
