#include "ratelimit/local_rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace ag {
namespace {

double Refilled(double tokens, TimePoint from, TimePoint to, double per_second, double burst) {
  const double seconds = std::chrono::duration<double>(to - from).count();
  return std::min(burst, tokens + std::max(0.0, seconds) * per_second);
}

}  // namespace

void LocalRateLimiter::MakeRoom(TimePoint now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Bucket& b = it->second;
    if (Refilled(b.tokens, b.updated, now, b.per_second, b.burst) >= b.burst) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  // Still too many partly empty buckets (a flood of new keys): forget half of them. Those keys
  // start full again, which lets a flood some extra requests, but the map stays bounded and
  // this scan runs once per max_keys / 2 new keys, not once per key.
  for (auto it = buckets_.begin(); it != buckets_.end() && buckets_.size() > max_keys_ / 2;) {
    it = buckets_.erase(it);
  }
}

std::size_t LocalRateLimiter::tracked_keys() {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

Result<RateDecision> LocalRateLimiter::Take(std::string_view key, const RateLimit& limit,
                                            TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) MakeRoom(now);
    it = buckets_.emplace(std::string(key), Bucket{limit.burst, now, limit.burst, limit.per_second})
             .first;
  }
  Bucket& b = it->second;
  b.burst = limit.burst;
  b.per_second = limit.per_second;
  b.tokens = Refilled(b.tokens, b.updated, now, limit.per_second, limit.burst);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return RateDecision{true, std::chrono::milliseconds(0)};
  }
  const double wait_s = limit.per_second > 0 ? (1 - b.tokens) / limit.per_second : 3600;
  return RateDecision{false,
                      std::chrono::milliseconds(static_cast<long long>(std::ceil(wait_s * 1000)))};
}

}  // namespace ag
