#include "grading/worker_pool.h"

#include <unistd.h>

#include "core/thread_name.h"
#include "grading/job_outcome.h"

namespace ag {

WorkerPool::WorkerPool(JobQueue& queue, Store& store, GradingPipeline& pipeline, const Clock& clock,
                       Logger& log, GradingMetrics& metrics, WorkerPoolOptions options)
    : queue_(queue),
      store_(store),
      pipeline_(pipeline),
      clock_(clock),
      log_(log),
      metrics_(metrics),
      options_(std::move(options)) {}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (int i = 0; i < options_.concurrency; ++i) {
    threads_.emplace_back([this, i](std::stop_token stop) {
      NameThisThread("ag-worker-" + std::to_string(i));
      WorkLoop(stop, i);
    });
  }
  heartbeat_ = std::jthread([this](std::stop_token stop) {
    NameThisThread("ag-heartbeat");
    HeartbeatLoop(stop);
  });
}

void WorkerPool::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
    for (auto& t : threads_) t.request_stop();
    for (auto& [id, h] : in_hand_) h->cancel.request_stop();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  heartbeat_.request_stop();
  heartbeat_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

int WorkerPool::InFlight() {
  std::lock_guard lock(mu_);
  return static_cast<int>(in_hand_.size());
}

void WorkerPool::WorkLoop(std::stop_token stop, int index) {
  const std::string worker =
      options_.name + "-" + std::to_string(::getpid()) + "-" + std::to_string(index);
  while (!stop.stop_requested()) {
    auto leased = queue_.Lease(worker, options_.lease, options_.idle_wait);
    if (!leased.ok()) {
      log_.Error("lease failed", {{"worker", worker}, {"error", leased.status().ToString()}});
      std::mutex m;
      std::unique_lock lock(m);
      std::condition_variable_any().wait_for(lock, stop, options_.idle_wait, [] { return false; });
      continue;
    }
    if (!leased->has_value()) continue;
    Process(**leased, worker, stop);
  }
}

void WorkerPool::Process(LeasedJob job, const std::string& worker, std::stop_token pool_stop) {
  auto hand = std::make_shared<InHand>(InHand{job, std::stop_source()});
  std::uint64_t key;
  {
    std::lock_guard lock(mu_);
    key = next_key_++;
    in_hand_[key] = hand;
    if (pool_stop.stop_requested()) hand->cancel.request_stop();
  }
  Status attempt;
  if (job.attempts > options_.max_attempts) {
    // Its earlier leases expired without an answer: each attempt killed its worker.
    attempt =
        FailedPreconditionError("grading was interrupted " + std::to_string(job.attempts - 1) +
                                " times (the worker stopped or crashed)");
  } else {
    // A throw must not take the process down with every other job in it: it is an attempt that
    // failed, retried like any other.
    try {
      attempt = pipeline_.Run(job.submission_id, JobContext{job.id, job.attempts},
                              hand->cancel.get_token());
    } catch (const std::exception& e) {
      attempt = InternalError(std::string("grading threw: ") + e.what());
    }
  }
  {
    std::lock_guard lock(mu_);
    in_hand_.erase(key);
  }
  if (!attempt.ok() && attempt.code() != StatusCode::kCancelled) {
    log_.Warn("grading attempt failed", {{"worker", worker},
                                         {"job_id", job.id.value()},
                                         {"submission_id", job.submission_id.value()},
                                         {"attempt", job.attempts},
                                         {"error", attempt.ToString()}});
  }
  Settle(job, attempt);
}

void WorkerPool::Settle(const LeasedJob& job, const Status& attempt) {
  const TimePoint now = clock_.Now();
  Status settled;
  std::string outcome;
  switch (DispositionFor(attempt)) {
    case JobDisposition::kAck:
      outcome = attempt.ok() ? "done" : "gone";
      settled = queue_.Ack(job);
      break;
    case JobDisposition::kRelease:
      outcome = "cancelled";
      // The status first: once released, the job may be leased (and marked grading) at once.
      store_.MarkRetrying(job.submission_id, "", now).IgnoreError();
      settled = queue_.Release(job);
      break;
    case JobDisposition::kRetry:
    case JobDisposition::kFail: {
      const bool retryable = DispositionFor(attempt) == JobDisposition::kRetry;
      auto failed = queue_.Fail(job, attempt.message(), retryable);
      if (!failed.ok()) {
        settled = failed.status();
        break;
      }
      if (failed->outcome == FailOutcome::kDead) {
        outcome = "dead";
        settled = store_.MarkFailed(job.submission_id, attempt.message(), now);
      } else {
        outcome = "retry";
        settled = store_.MarkRetrying(job.submission_id, attempt.message(), now);
      }
      break;
    }
  }
  if (!outcome.empty()) metrics_.outcomes.With({outcome}).Inc();
  if (!settled.ok() && settled.code() != StatusCode::kFailedPrecondition) {
    // The job stays leased and is retried when its lease expires.
    log_.Error("could not settle job", {{"job_id", job.id.value()},
                                        {"submission_id", job.submission_id.value()},
                                        {"error", settled.ToString()}});
  } else if (settled.code() == StatusCode::kFailedPrecondition) {
    log_.Info("job settled by another owner",
              {{"job_id", job.id.value()}, {"detail", settled.message()}});
  }
}

void WorkerPool::HeartbeatLoop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    heartbeat_cv_.wait_for(lock, stop, options_.heartbeat, [] { return false; });
    if (stop.stop_requested()) break;
    std::vector<std::shared_ptr<InHand>> hands;
    for (auto& [id, h] : in_hand_) hands.push_back(h);
    lock.unlock();
    for (auto& h : hands) {
      LeasedJob copy;
      {
        std::lock_guard g(mu_);
        copy = h->job;
      }
      Status s = queue_.Heartbeat(copy, options_.lease);
      if (s.code() == StatusCode::kFailedPrecondition) {
        log_.Warn("lease lost; cancelling", {{"job_id", copy.id.value()}});
        h->cancel.request_stop();
      } else if (!s.ok()) {
        // Past its expiry, a lease that could not be renewed may already be another worker's.
        const bool expired = clock_.Now() >= copy.lease_expires_at;
        log_.Warn(
            expired ? "heartbeat failed after the lease expired; cancelling" : "heartbeat failed",
            {{"job_id", copy.id.value()}, {"error", s.ToString()}});
        if (expired) h->cancel.request_stop();
      } else {
        std::lock_guard g(mu_);
        h->job.lease_expires_at = copy.lease_expires_at;
      }
    }
    lock.lock();
  }
}

}  // namespace ag
