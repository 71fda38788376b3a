// The JobQueue port on Redis streams (scaled out, REDIS_URL).
//
// Every operation is one Lua script, so a job's records change together even when a worker dies
// mid-call. Keys share the hash tag of the queue name (ag:{grading}:...):
//   stream      the ready work: XADD when a job becomes ready, read by the consumer group
//               (`grading`) with XREADGROUP, XACK'd and XDEL'd when the job is done, fails or is
//               released; a dead worker's entry is XCLAIM'd by the worker that takes the job over
//   job:<id>    hash: submission, attempts, state (ready|delayed|leased|dead), lease token and
//               expiry, stream entry id, last error
//   bysub       hash: submission -> job id (Enqueue is idempotent through it)
//   ready, delayed, leased, dead   sorted sets of job ids by ready-since / due / lease expiry /
//               death time: stats, retries coming due, expired leases
//   deadletter  stream: one entry per death with the submission, attempts and reason (capped)
//
// Leases are per job and timed by the injected clock (the port's contract; workers keep their
// clocks in sync with NTP), renewed by Heartbeat; an expired lease is taken over by the next
// Lease of any worker. Idle Lease calls wait on XREAD BLOCK for new entries rather than polling.
#pragma once

#include <memory>
#include <string>

#include "core/retry_policy.h"
#include "queue/job_queue.h"
#include "redis/redis_client.h"

namespace ag {

struct RedisJobQueueOptions {
  std::string queue_name = "grading";  // also the consumer group's name
  RetryPolicy retry;
  // Longest single wait of an idle Lease before it looks again (retries coming due, expired
  // leases do not add stream entries).
  std::chrono::milliseconds poll_interval{250};
};

class RedisJobQueue final : public JobQueue {
 public:
  RedisJobQueue(RedisClient& redis, const Clock& clock, RandomSource& random,
                RedisJobQueueOptions options);

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
  // Runs the queue script's `op` at the clock's now with `args`.
  Result<RedisValue> Run(const std::string& op, std::vector<std::string> args);
  Result<std::optional<LeasedJob>> TryLease(std::string_view worker,
                                            std::chrono::milliseconds lease);

  RedisClient& redis_;
  const Clock& clock_;
  RandomSource& random_;
  RedisJobQueueOptions options_;
  std::string prefix_;  // ag:{<queue>}:
};

}  // namespace ag
