#include "ratelimit/redis_rate_limiter.h"

#include <cstdio>

namespace ag {
namespace {

// KEYS[1] the bucket; ARGV: tokens per second, burst, now (ms). Returns {allowed, wait ms}.
const RedisScript& TakeScript() {
  static const RedisScript script(R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
if now > updated then
  tokens = math.min(burst, tokens + (now - updated) / 1000 * rate)
  updated = now
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(updated))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, wait}
)lua");
  return script;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Result<RateDecision> RedisRateLimiter::Take(std::string_view key, const RateLimit& limit,
                                            TimePoint now) {
  if (limit.per_second <= 0) return RateDecision{};
  std::string bucket = prefix_;
  bucket.append(key);
  ASSIGN_OR_RETURN(RedisValue reply, redis_.Eval(TakeScript(), {bucket},
                                                 {Number(limit.per_second), Number(limit.burst),
                                                  std::to_string(ToUnixMillis(now))}));
  if (reply.elements.size() != 2) return InternalError("rate limit script: unexpected reply");
  return RateDecision{reply.elements[0].AsInt() == 1,
                      std::chrono::milliseconds(reply.elements[1].AsInt())};
}

}  // namespace ag
