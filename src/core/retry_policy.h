// When a failed grading job runs again: exponential backoff with "equal jitter" (half the
// delay fixed, half random), capped, for at most max_attempts attempts in all.
#pragma once

#include <chrono>
#include <mutex>
#include <random>

#include "core/clock.h"

namespace ag {

struct RetryPolicy {
  int max_attempts = 5;                                // JOB_MAX_ATTEMPTS
  std::chrono::milliseconds base_delay{1000};          // JOB_RETRY_BASE_MS
  std::chrono::milliseconds max_delay{5 * 60 * 1000};  // JOB_RETRY_MAX_MS

  // True when a job that has made `attempts` attempts may make another.
  bool MayRetry(int attempts) const { return attempts < max_attempts; }

  // Delay before attempt `attempts + 1`; `unit_random` is uniform in [0, 1).
  std::chrono::milliseconds DelayAfter(int attempts, double unit_random) const;
};

// A thread-safe source of uniform numbers in [0, 1), injectable so that tests are exact.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double NextUnit() = 0;
};

class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  double NextUnit() override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace ag
