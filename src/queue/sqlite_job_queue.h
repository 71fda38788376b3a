#pragma once

#include "core/retry_policy.h"
#include "queue/job_queue.h"
#include "store/sqlite_db.h"

namespace ag {

struct SqliteJobQueueOptions {
  std::string queue_name = "grading";
  RetryPolicy retry;
  // How often an idle Lease looks at the table when no in-process write woke it (jobs written
  // by another process, retries coming due).
  std::chrono::milliseconds poll_interval{250};
};

// The embedded JobQueue: the `jobs` table of the same SQLite database as the store, so that a
// submission and its job commit together (see SqliteStoreOptions::enqueue_jobs).
class SqliteJobQueue final : public JobQueue {
 public:
  SqliteJobQueue(SqliteDb& db, const Clock& clock, RandomSource& random,
                 SqliteJobQueueOptions options)
      : db_(db), clock_(clock), random_(random), options_(std::move(options)) {}

  Status Ping() override;
  Status Enqueue(SubmissionId submission, TimePoint not_before) override;
  Result<std::optional<LeasedJob>> Lease(std::string_view worker, std::chrono::milliseconds lease,
                                         std::chrono::milliseconds wait) override;
  Status Heartbeat(LeasedJob& job, std::chrono::milliseconds lease) override;
  Status Ack(const LeasedJob& job) override;
  Result<FailResult> Fail(const LeasedJob& job, std::string_view reason, bool retryable) override;
  Status Release(const LeasedJob& job) override;
  Result<QueueStats> Stats() override;
  Result<std::vector<DeadJob>> ListDead(int limit) override;
  Result<std::vector<SubmissionId>> RetryDead(std::optional<SubmissionId> only) override;
  Result<int> PurgeDead() override;
  Result<std::vector<SubmissionId>> PurgeWaiting() override;

 private:
  Result<std::optional<LeasedJob>> TryLease(std::string_view worker,
                                            std::chrono::milliseconds lease);

  SqliteDb& db_;
  const Clock& clock_;
  RandomSource& random_;
  SqliteJobQueueOptions options_;
};

}  // namespace ag
