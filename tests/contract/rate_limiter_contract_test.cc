// The RateLimiter contract, run against every adapter: in-process, and Redis (on the server
// scripts/test-services starts; keys of their own per test).
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "ratelimit/local_rate_limiter.h"
#include "ratelimit/redis_rate_limiter.h"
#include "support/test_services.h"

namespace ag {
namespace {

using namespace std::chrono_literals;

struct LimiterUnderTest {
  virtual ~LimiterUnderTest() = default;
  virtual RateLimiter& limiter() = 0;
};

struct LocalUnderTest : LimiterUnderTest {
  RateLimiter& limiter() override { return local; }
  LocalRateLimiter local{4};  // small, so that forgetting full buckets is exercised
};

struct RedisUnderTest : LimiterUnderTest {
  RedisUnderTest()
      : redis(testing::SharedRedisOptions()), store(redis, testing::UniqueName("rl") + ":") {}
  RateLimiter& limiter() override { return store; }
  RedisClient redis;
  RedisRateLimiter store;
};

using Factory = std::function<std::unique_ptr<LimiterUnderTest>()>;

class RateLimiterContract : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override { impl_ = GetParam()(); }
  RateDecision Take(const std::string& key, RateLimit limit) {
    auto d = impl_->limiter().Take(key, limit, clock_.Now());
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : RateDecision{};
  }
  ManualClock clock_;
  std::unique_ptr<LimiterUnderTest> impl_;
};

TEST_P(RateLimiterContract, ABurstThenRefusalsUntilATokenIsBack) {
  const RateLimit limit{2, 3};  // two a second, three at once
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Take("a", limit).allowed) << i;
  RateDecision refused = Take("a", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GT(refused.retry_after, 0ms);
  EXPECT_LE(refused.retry_after, 500ms);
  clock_.Advance(499ms);
  EXPECT_FALSE(Take("a", limit).allowed);
  clock_.Advance(2ms);
  EXPECT_TRUE(Take("a", limit).allowed);
  EXPECT_FALSE(Take("a", limit).allowed);
}

TEST_P(RateLimiterContract, KeysHaveBucketsOfTheirOwnAndRefillToTheBurstOnly) {
  const RateLimit limit{1, 2};
  EXPECT_TRUE(Take("x", limit).allowed);
  EXPECT_TRUE(Take("x", limit).allowed);
  EXPECT_FALSE(Take("x", limit).allowed);
  for (const char* other : {"y", "z", "w", "v", "u"}) EXPECT_TRUE(Take(other, limit).allowed);
  clock_.Advance(1h);  // a long rest fills the bucket to its burst, no further
  EXPECT_TRUE(Take("x", limit).allowed);
  EXPECT_TRUE(Take("x", limit).allowed);
  EXPECT_FALSE(Take("x", limit).allowed);
}

TEST_P(RateLimiterContract, ASlowRateSaysHowLongToWait) {
  const RateLimit slow{1.0 / 60, 1};  // one a minute
  EXPECT_TRUE(Take("login:a@b.c", slow).allowed);
  RateDecision refused = Take("login:a@b.c", slow);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GE(refused.retry_after, 59s);
  EXPECT_LE(refused.retry_after, 60s);
}

TEST(LocalRateLimiter, AFloodOfNewKeysCannotGrowItWithoutBound) {
  LocalRateLimiter limiter(100);
  ManualClock clock;
  for (int i = 0; i < 10000; ++i) {
    // Each key's bucket is left partly empty, so none is forgotten as full.
    ASSERT_TRUE(limiter.Take("login:" + std::to_string(i), {0.001, 5}, clock.Now())->allowed);
  }
  EXPECT_LE(limiter.tracked_keys(), 100u);
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, RateLimiterContract,
    ::testing::Values(
        Factory([] { return std::unique_ptr<LimiterUnderTest>(new LocalUnderTest()); }),
        Factory([] { return std::unique_ptr<LimiterUnderTest>(new RedisUnderTest()); })),
    [](const auto& info) { return std::string(info.index == 0 ? "Local" : "Redis"); });

}  // namespace
}  // namespace ag
