// Grading workers: threads that lease jobs, run the pipeline, and settle each job (ack, retry,
// fail, release) by the one rule in job_outcome.h. One heartbeat thread renews the leases of
// all jobs in hand; a lease that cannot be renewed cancels its job's work.
//
// A worker thread starts a job (load, retrieve, hand to the grader) and, with a grader that
// works on the caller's thread (the local graders), finishes it too. With an asynchronous grader
// (the LLM grader) it goes on to lease the next job while the call is in flight, up to
// `max_in_hand` jobs in all; finisher threads store each grade when its call completes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
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
  int concurrency = 4;                          // WORKER_CONCURRENCY: worker threads
  int max_in_hand = 0;                          // jobs held at once; 0: `concurrency`
  int finishers = 2;                            // threads storing asynchronous grades
  std::chrono::milliseconds lease{30'000};      // JOB_LEASE_SECONDS
  std::chrono::milliseconds heartbeat{10'000};  // a third of the lease by default
  std::chrono::milliseconds idle_wait{1'000};   // one Lease call's wait when idle
  int max_attempts = 5;                         // JOB_MAX_ATTEMPTS, as the queue's policy
  // How long Stop waits for cancelled grades to answer. A grade that answers later is dropped
  // (its lease expires and another worker grades it again).
  std::chrono::milliseconds stop_grace{30'000};
  std::string name = "worker";  // prefix of lease owners' names
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
    std::string worker;
  };
  void WorkLoop(std::stop_token stop, int index);
  void FinishLoop(std::stop_token stop, int index);
  void HeartbeatLoop(std::stop_token stop);
  void Begin(LeasedJob job, const std::string& worker, std::stop_token pool_stop);
  void Complete(std::uint64_t key, const Status& attempt);
  void Settle(const LeasedJob& job, const Status& attempt);
  int MaxInHand() const;

  JobQueue& queue_;
  Store& store_;
  GradingPipeline& pipeline_;
  const Clock& clock_;
  Logger& log_;
  GradingMetrics& metrics_;
  WorkerPoolOptions options_;

  std::mutex mu_;
  std::condition_variable_any heartbeat_cv_;
  std::condition_variable_any slot_cv_;    // a job was settled: room for another
  std::condition_variable_any finish_cv_;  // a grade arrived for the finishers
  std::deque<std::pair<std::uint64_t, FinishStep>> to_finish_;
  // By a serial of this pool's, not the job id: after a lease expired, two workers of the same
  // pool can hold the same job for a moment.
  std::map<std::uint64_t, std::shared_ptr<InHand>> in_hand_;
  std::uint64_t next_key_ = 0;
  int reserved_ = 0;  // slots taken by workers that are leasing
  // What a grade's callback reaches the pool through: a grader may answer after Stop gave up
  // waiting and the pool is gone, and then finds `pool` null. Callbacks hold it shared while
  // they run; Stop clears it exclusively, after the last one.
  struct Reach {
    std::shared_mutex mu;
    WorkerPool* pool = nullptr;
  };
  std::shared_ptr<Reach> reach_ = std::make_shared<Reach>();
  std::vector<std::jthread> threads_;
  std::vector<std::jthread> finishers_;
  std::jthread heartbeat_;
  bool started_ = false;
};

}  // namespace ag
