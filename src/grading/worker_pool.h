// Grading workers: threads that lease jobs, run the pipeline, and settle each job (ack, retry,
// fail, release) by the one rule in job_outcome.h. One heartbeat thread renews the leases of
// all jobs in hand; a lease that cannot be renewed cancels its job's work.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "grading/grading_metrics.h"
#include "grading/pipeline.h"
#include "obs/log.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace ag {

struct WorkerPoolOptions {
  int concurrency = 4;                          // WORKER_CONCURRENCY
  std::chrono::milliseconds lease{30'000};      // JOB_LEASE_SECONDS
  std::chrono::milliseconds heartbeat{10'000};  // a third of the lease by default
  std::chrono::milliseconds idle_wait{1'000};   // one Lease call's wait when idle
  int max_attempts = 5;                         // JOB_MAX_ATTEMPTS, as the queue's policy
  std::string name = "worker";                  // prefix of lease owners' names
};

class WorkerPool {
 public:
  WorkerPool(JobQueue& queue, Store& store, GradingPipeline& pipeline, const Clock& clock,
             Logger& log, GradingMetrics& metrics, WorkerPoolOptions options);
  ~WorkerPool();

  void Start();
  // Stops taking jobs, cancels the work in hand (which gives its jobs back to the queue), and
  // joins the threads. Idempotent.
  void Stop();

  // Jobs being worked on now.
  int InFlight();

 private:
  struct InHand {
    LeasedJob job;
    std::stop_source cancel;
  };
  void WorkLoop(std::stop_token stop, int index);
  void HeartbeatLoop(std::stop_token stop);
  void Process(LeasedJob job, const std::string& worker, std::stop_token pool_stop);
  void Settle(const LeasedJob& job, const Status& attempt);

  JobQueue& queue_;
  Store& store_;
  GradingPipeline& pipeline_;
  const Clock& clock_;
  Logger& log_;
  GradingMetrics& metrics_;
  WorkerPoolOptions options_;

  std::mutex mu_;
  std::condition_variable_any heartbeat_cv_;
  // By a serial of this pool's, not the job id: after a lease expired, two workers of the same
  // pool can hold the same job for a moment.
  std::map<std::uint64_t, std::shared_ptr<InHand>> in_hand_;
  std::uint64_t next_key_ = 0;
  std::vector<std::jthread> threads_;
  std::jthread heartbeat_;
  bool started_ = false;
};

}  // namespace ag
