#include "grading/delayed_grader.h"

#include <condition_variable>
#include <mutex>

namespace ag {

Result<GraderOutput> DelayedGrader::Grade(const GradingRequest& request, std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, delay_, [] { return false; });
  if (stop.stop_requested()) return CancelledError("grading cancelled");
  return inner_.Grade(request, stop);
}

}  // namespace ag
