// Taking in a submission: its file kept as a blob, its text extracted, the row committed as
// queued with its grading job. Once the submission is reported (Submit returns, or SubmitAsync's
// callback runs with a value) it is durable: it survives a kill -9 and will be graded or failed.
//
// Writes go through a pipeline of three threads, each taking everything waiting for it at that
// moment: the blobs of a batch are written in one commit, then (by the next thread) the
// submissions and their jobs in one commit, then (by the last) the callbacks run, which render
// and log the answers. So the commit cost is shared under load while a lone submission is written
// at once, and the three steps of successive batches overlap. A blob is committed before its
// submission's row is.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "core/handoff_queue.h"
#include "obs/log.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace ag {

struct SubmitRequest {
  AssignmentId assignment_id;
  std::string student_id;
  std::string filename;
  std::string_view bytes;
  std::optional<UserId> user_id;  // the submitting account, when a student submits
};

using SubmitCallback = std::function<void(Result<Submission>)>;

struct IntakeOptions {
  std::size_t max_batch = 64;  // submissions written in one commit at most
};

class SubmissionService {
 public:
  SubmissionService(Store& store, BlobStore& blobs, JobQueue& queue, const Clock& clock,
                    Logger& log, IntakeOptions options = {});
  // Drain() if not done yet.
  ~SubmissionService();

  // Writes and reports everything accepted so far, then stops the pipeline; later submissions
  // fail with Unavailable. For shutdown: run it while whatever the callbacks touch is alive.
  void Drain();

  // NotFound when the assignment does not exist; InvalidArgument when the file is unusable.
  Result<Submission> Submit(const SubmitRequest& request);

  // The same, reporting through `done`: at once (on this thread) for a request that fails
  // validation, else on the pipeline's last thread once the submission is written.
  // `request.bytes` need not outlive the call.
  void SubmitAsync(const SubmitRequest& request, SubmitCallback done);

 private:
  struct Pending {
    NewSubmission submission;
    std::string bytes;
    SubmitCallback done;
  };
  using Report = std::pair<SubmitCallback, Result<Submission>>;
  void WriteBlobs();
  void WriteRows();
  void RunCallbacks();

  Store& store_;
  BlobStore& blobs_;
  JobQueue& queue_;
  const Clock& clock_;
  Logger& log_;
  IntakeOptions options_;

  std::mutex accepting_mu_;  // orders submissions against Drain's close
  bool accepting_ = true;
  std::mutex drain_mu_;
  bool drained_ = false;

  HandoffQueue<Pending> waiting_;     // validated, to be written
  HandoffQueue<Pending> blobs_done_;  // blobs written, rows to be written
  HandoffQueue<Report> reports_;      // written or failed, to be reported

  // Last: they use everything above. Declared in pipeline order, destroyed in reverse.
  std::jthread callbacks_thread_;
  std::jthread rows_thread_;
  std::jthread blobs_thread_;
};

}  // namespace ag
