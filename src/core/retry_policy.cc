#include "core/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace ag {

std::chrono::milliseconds RetryPolicy::DelayAfter(int attempts, double unit_random) const {
  const int exponent = std::clamp(attempts - 1, 0, 30);
  const double full = std::min(static_cast<double>(base_delay.count()) * std::ldexp(1.0, exponent),
                               static_cast<double>(max_delay.count()));
  const double jittered = full / 2 + full / 2 * std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(jittered));
}

double SeededRandom::NextUnit() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

}  // namespace ag
