#include "grading/sweeper.h"

#include "core/thread_name.h"

namespace ag {

Result<int> Sweeper::SweepOnce() {
  const TimePoint now = clock_.Now();
  int enqueued = 0;
  SubmissionId after;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, store_.ListUnfinished(now - options_.grace, after, options_.batch));
    for (SubmissionId id : page) {
      RETURN_IF_ERROR(queue_.Enqueue(id, now));
      ++enqueued;
    }
    if (static_cast<int>(page.size()) < options_.batch) break;
    after = page.back();
  }
  if (enqueued > 0) {
    log_.Info("sweeper checked unfinished submissions", {{"count", enqueued}});
  }
  return enqueued;
}

void Sweeper::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    NameThisThread("ag-sweeper");
    std::mutex mu;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      auto swept = SweepOnce();
      if (!swept.ok()) log_.Warn("sweep failed", {{"error", swept.status().ToString()}});
      std::unique_lock lock(mu);
      cv.wait_for(lock, stop, options_.interval, [] { return false; });
    }
  });
}

void Sweeper::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace ag
