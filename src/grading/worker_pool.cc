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
      options_(std::move(options)) {
  reach_->pool = this;
}

WorkerPool::~WorkerPool() {
  Stop();
  std::unique_lock gone(reach_->mu);  // waits for a callback that is running
  reach_->pool = nullptr;
}

namespace {

// True on this pool's worker threads: a grade that completes on one of them (a grader that
// works on the caller's thread) is finished there, without a hand-over.
thread_local bool t_worker_thread = false;

Status RunStep(const FinishStep& step) {
  // A throw must not take the process down with every other job in it: it is an attempt that
  // failed, retried like any other.
  try {
    return step();
  } catch (const std::exception& e) {
    return InternalError(std::string("grading threw: ") + e.what());
  }
}

}  // namespace

int WorkerPool::MaxInHand() const {
  return options_.max_in_hand > 0 ? options_.max_in_hand : options_.concurrency;
}

void WorkerPool::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (int i = 0; i < options_.concurrency; ++i) {
    threads_.emplace_back([this, i](std::stop_token stop) {
      NameThisThread("ag-worker-" + std::to_string(i));
      t_worker_thread = true;
      WorkLoop(stop, i);
    });
  }
  for (int i = 0; i < std::max(1, options_.finishers); ++i) {
    finishers_.emplace_back([this, i](std::stop_token stop) {
      NameThisThread("ag-finish-" + std::to_string(i));
      FinishLoop(stop, i);
    });
  }
  heartbeat_ = std::jthread([this](std::stop_token stop) {
    NameThisThread("ag-heartbeat");
    HeartbeatLoop(stop);
  });
}

void WorkerPool::Stop() {
  // Stop callbacks run in request_stop, and a grader's may complete its grade there, which
  // takes mu_: cancel outside it.
  auto cancel_in_hand = [this] {
    std::vector<std::shared_ptr<InHand>> hands;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, h] : in_hand_) hands.push_back(h);
    }
    for (auto& h : hands) h->cancel.request_stop();
  };
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
    for (auto& t : threads_) t.request_stop();
  }
  cancel_in_hand();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  cancel_in_hand();  // what the workers began while stopping
  {
    // Grades in flight end (cancelled) and the finishers settle them.
    std::unique_lock lock(mu_);
    if (!slot_cv_.wait_for(lock, options_.stop_grace, [this] { return in_hand_.empty(); })) {
      log_.Error("grades still in flight at shutdown; their leases will expire",
                 {{"in_hand", static_cast<std::int64_t>(in_hand_.size())}});
      // They are dropped when they answer: nothing takes them off the queue now.
      in_hand_.clear();
    }
  }
  for (auto& t : finishers_) t.request_stop();
  finish_cv_.notify_all();
  for (auto& t : finishers_) {
    if (t.joinable()) t.join();
  }
  finishers_.clear();
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
    {
      std::unique_lock lock(mu_);
      slot_cv_.wait(lock, stop,
                    [this] { return static_cast<int>(in_hand_.size()) + reserved_ < MaxInHand(); });
      if (stop.stop_requested()) break;
      ++reserved_;
    }
    auto leased = queue_.Lease(worker, options_.lease, options_.idle_wait);
    if (!leased.ok() || !leased->has_value()) {
      {
        std::lock_guard lock(mu_);
        --reserved_;
      }
      slot_cv_.notify_all();
      if (leased.ok()) continue;
      log_.Error("lease failed", {{"worker", worker}, {"error", leased.status().ToString()}});
      std::mutex m;
      std::unique_lock lock(m);
      std::condition_variable_any().wait_for(lock, stop, options_.idle_wait, [] { return false; });
      continue;
    }
    Begin(**leased, worker, stop);
  }
}

void WorkerPool::FinishLoop(std::stop_token stop, int) {
  for (;;) {
    std::pair<std::uint64_t, FinishStep> item;
    {
      std::unique_lock lock(mu_);
      finish_cv_.wait(lock, stop, [this] { return !to_finish_.empty(); });
      if (to_finish_.empty()) return;  // stopping, and nothing left
      item = std::move(to_finish_.front());
      to_finish_.pop_front();
    }
    Complete(item.first, RunStep(item.second));
  }
}

void WorkerPool::Begin(LeasedJob job, const std::string& worker, std::stop_token pool_stop) {
  auto hand = std::make_shared<InHand>(InHand{job, std::stop_source(), worker});
  std::uint64_t key;
  {
    std::lock_guard lock(mu_);
    --reserved_;
    key = next_key_++;
    in_hand_[key] = hand;
    if (pool_stop.stop_requested()) hand->cancel.request_stop();
  }
  if (job.attempts > options_.max_attempts) {
    // Its earlier leases expired without an answer: each attempt killed its worker.
    Complete(key,
             FailedPreconditionError("grading was interrupted " + std::to_string(job.attempts - 1) +
                                     " times (the worker stopped or crashed)"));
    return;
  }
  auto graded = [reach = reach_, key](FinishStep step) {
    std::shared_lock alive(reach->mu);
    WorkerPool* self = reach->pool;
    if (!self) return;  // the pool stopped without waiting for this grade
    if (t_worker_thread) {
      self->Complete(key, RunStep(step));
      return;
    }
    {
      std::lock_guard lock(self->mu_);
      self->to_finish_.emplace_back(key, std::move(step));
    }
    self->finish_cv_.notify_one();
  };
  try {
    pipeline_.Begin(job.submission_id, JobContext{job.id, job.attempts}, hand->cancel.get_token(),
                    graded);
  } catch (const std::exception& e) {
    Complete(key, InternalError(std::string("grading threw: ") + e.what()));
  }
}

void WorkerPool::Complete(std::uint64_t key, const Status& attempt) {
  std::shared_ptr<InHand> hand;
  {
    std::lock_guard lock(mu_);
    auto it = in_hand_.find(key);
    if (it == in_hand_.end()) return;  // settled already
    hand = it->second;
    in_hand_.erase(it);  // before settling: the heartbeat must not renew a settled lease
  }
  const LeasedJob& job = hand->job;
  if (!attempt.ok() && attempt.code() != StatusCode::kCancelled) {
    log_.Warn("grading attempt failed", {{"worker", hand->worker},
                                         {"job_id", job.id.value()},
                                         {"submission_id", job.submission_id.value()},
                                         {"attempt", job.attempts},
                                         {"error", attempt.ToString()}});
  }
  Settle(job, attempt);
  slot_cv_.notify_all();
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
