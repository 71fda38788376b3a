#pragma once

#include "core/status.h"

namespace ag {

// What a worker does with a job after one attempt; decided here and nowhere else.
enum class JobDisposition {
  kAck,      // graded (now or before), or the submission is gone: remove the job
  kRelease,  // cancelled by shutdown: give the job back without counting the attempt
  kRetry,    // a transient failure: retry after backoff while attempts remain
  kFail,     // a permanent failure: the job dies, the submission is marked error
};

JobDisposition DispositionFor(const Status& attempt);

}  // namespace ag
