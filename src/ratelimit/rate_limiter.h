// The RateLimiter port: token buckets by key ("ip:203.0.113.9", "user:7", "login:a@b.c").
//
// Contract, for every adapter (in-process embedded, Redis scaled out so that every replica
// shares the buckets): a bucket holds up to `burst` tokens and refills at `per_second`; Take
// removes one token when there is one (allowed), else says how long until there is. Unknown keys
// start full. Thread-safe. An adapter that cannot reach its store answers Unavailable; callers
// let the request through then (a limiter outage must not take the API down) and count it.
#pragma once

#include <chrono>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace ag {

struct RateLimit {
  double per_second = 10;
  double burst = 20;
};

struct RateDecision {
  bool allowed = true;
  std::chrono::milliseconds retry_after{0};  // when refused: until one token is back
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual Result<RateDecision> Take(std::string_view key, const RateLimit& limit,
                                    TimePoint now) = 0;
};

}  // namespace ag
