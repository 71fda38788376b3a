// A submission committed as queued always ends graded or failed: the sweeper finds unfinished
// submissions that have not moved for a while and enqueues their job again. Enqueue is
// idempotent, so a submission whose job is only slow is left alone; one whose job went missing
// (a crash between the SQL write and a separate queue's enqueue, an operator's purge) gets one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "obs/log.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace ag {

struct SweeperOptions {
  std::chrono::milliseconds interval{30'000};  // SWEEP_INTERVAL_SECONDS
  std::chrono::milliseconds grace{60'000};     // untouched this long counts as stuck
  int batch = 500;
};

class Sweeper {
 public:
  Sweeper(Store& store, JobQueue& queue, const Clock& clock, Logger& log, SweeperOptions options)
      : store_(store), queue_(queue), clock_(clock), log_(log), options_(options) {}
  ~Sweeper() { Stop(); }

  // One pass; returns how many submissions it enqueued (idempotently).
  Result<int> SweepOnce();

  void Start();
  void Stop();

 private:
  Store& store_;
  JobQueue& queue_;
  const Clock& clock_;
  Logger& log_;
  SweeperOptions options_;
  std::jthread thread_;
};

}  // namespace ag
