// The embedded RateLimiter: buckets in a map behind a mutex. When the map reaches `max_keys`,
// full buckets are forgotten (a full bucket is what an unknown key starts as), and then, if
// that is not enough, half of the rest: a flood of new keys cannot grow it without bound.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "ratelimit/rate_limiter.h"

namespace ag {

class LocalRateLimiter final : public RateLimiter {
 public:
  explicit LocalRateLimiter(std::size_t max_keys = 100000) : max_keys_(max_keys) {}
  Result<RateDecision> Take(std::string_view key, const RateLimit& limit, TimePoint now) override;
  std::size_t tracked_keys();

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
    double burst = 0;
    double per_second = 0;
  };
  void MakeRoom(TimePoint now);

  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ag
