// The scaled-out RateLimiter: each bucket a Redis hash (tokens, last update), changed by one
// Lua script so that every API replica draws from the same bucket. Time is the caller's clock
// (the replicas' clocks must agree, as the job queue's leases already require); an idle bucket
// expires once it would be full again.
#pragma once

#include <string>

#include "ratelimit/rate_limiter.h"
#include "redis/redis_client.h"

namespace ag {

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(RedisClient& redis, std::string prefix = "ag:ratelimit:")
      : redis_(redis), prefix_(std::move(prefix)) {}
  Result<RateDecision> Take(std::string_view key, const RateLimit& limit, TimePoint now) override;

 private:
  RedisClient& redis_;
  std::string prefix_;
};

}  // namespace ag
