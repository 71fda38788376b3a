// The JobQueue port: grading jobs with at-least-once delivery.
//
// Contract, for every adapter (the embedded SQLite table, Redis streams):
// - A job names one submission. Enqueue is idempotent: a submission that already has a waiting
//   or running job keeps it; one whose job died gets it back as a fresh job.
// - Lease hands a ready job to one worker for `lease` and counts an attempt. The worker renews
//   the lease with Heartbeat while it works; a lease that is not renewed expires and the job is
//   handed out again (its worker is presumed dead). Heartbeat, Ack, Fail and Release answer
//   FailedPrecondition when the lease was lost (expired and taken by another worker): the
//   caller stops and leaves the job to its new owner.
// - Fail with retry schedules the job after the retry policy's backoff, or makes it dead when
//   it has used its attempts; a dead job keeps its reason until RetryDead or PurgeDead.
// - Every method is thread-safe; time comes from the injected clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"

namespace ag {

struct LeasedJob {
  JobId id;
  SubmissionId submission_id;
  int attempts = 0;              // including this one
  std::int64_t lease_token = 0;  // proves ownership in Heartbeat/Ack/Fail/Release
  TimePoint lease_expires_at;
};

enum class FailOutcome {
  kRetryScheduled,  // it will run again at `retry_at`
  kDead,            // no attempts left, or not retryable
};

struct FailResult {
  FailOutcome outcome = FailOutcome::kDead;
  TimePoint retry_at;
};

struct DeadJob {
  JobId id;
  SubmissionId submission_id;
  int attempts = 0;
  std::string last_error;
  TimePoint updated_at;
};

struct QueueStats {
  std::int64_t ready = 0;    // queued and due now
  std::int64_t delayed = 0;  // queued, waiting for a retry's backoff
  std::int64_t leased = 0;   // being worked on
  std::int64_t dead = 0;
  // Age of the oldest ready job; zero when none is ready.
  std::chrono::milliseconds oldest_ready_age{0};
  std::int64_t depth() const { return ready + delayed; }
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  virtual Status Ping() = 0;

  // Makes a job for `submission` ready at `not_before` (now when it is in the past).
  virtual Status Enqueue(SubmissionId submission, TimePoint not_before) = 0;

  // The next ready job (the oldest first), leased to `worker` until now + `lease`; nullopt when
  // none is ready after waiting up to `wait` for one. An expired lease counts as ready.
  virtual Result<std::optional<LeasedJob>> Lease(std::string_view worker,
                                                 std::chrono::milliseconds lease,
                                                 std::chrono::milliseconds wait) = 0;

  // Extends the lease to now + `lease`.
  virtual Status Heartbeat(LeasedJob& job, std::chrono::milliseconds lease) = 0;

  // The work is done: the job is removed.
  virtual Status Ack(const LeasedJob& job) = 0;

  // The attempt failed with `reason`. When `retryable` and attempts remain, the job runs again
  // after a backoff; otherwise it is dead.
  virtual Result<FailResult> Fail(const LeasedJob& job, std::string_view reason,
                                  bool retryable) = 0;

  // Gives the job back untouched (the attempt does not count): for a graceful shutdown.
  virtual Status Release(const LeasedJob& job) = 0;

  virtual Result<QueueStats> Stats() = 0;
  virtual Result<std::vector<DeadJob>> ListDead(int limit) = 0;
  // Dead jobs (all of them, or those of `only`) become ready again with fresh attempts.
  // Returns the submissions that were revived.
  virtual Result<std::vector<SubmissionId>> RetryDead(std::optional<SubmissionId> only) = 0;
  // Deletes dead jobs; returns how many.
  virtual Result<int> PurgeDead() = 0;
  // Deletes waiting (not leased) jobs; returns their submissions, which the caller marks failed.
  virtual Result<std::vector<SubmissionId>> PurgeWaiting() = 0;
};

}  // namespace ag
