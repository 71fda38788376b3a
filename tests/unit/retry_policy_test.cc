#include "core/retry_policy.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicyTest, DoublesWithEqualJitterUpToTheCap) {
  RetryPolicy p;
  p.base_delay = milliseconds(1000);
  p.max_delay = milliseconds(10000);
  // unit_random 0 gives half the delay, 1 the whole.
  EXPECT_EQ(p.DelayAfter(1, 0.0), milliseconds(500));
  EXPECT_EQ(p.DelayAfter(1, 1.0), milliseconds(1000));
  EXPECT_EQ(p.DelayAfter(2, 1.0), milliseconds(2000));
  EXPECT_EQ(p.DelayAfter(3, 0.5), milliseconds(3000));
  EXPECT_EQ(p.DelayAfter(4, 1.0), milliseconds(8000));
  EXPECT_EQ(p.DelayAfter(5, 1.0), milliseconds(10000));  // capped
  EXPECT_EQ(p.DelayAfter(60, 0.0), milliseconds(5000));  // capped, no overflow
}

TEST(RetryPolicyTest, CountsAttempts) {
  RetryPolicy p;
  p.max_attempts = 3;
  EXPECT_TRUE(p.MayRetry(1));
  EXPECT_TRUE(p.MayRetry(2));
  EXPECT_FALSE(p.MayRetry(3));
}

TEST(RetryPolicyTest, SeededRandomIsUniformInUnitInterval) {
  SeededRandom r(42);
  for (int i = 0; i < 1000; ++i) {
    const double v = r.NextUnit();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
}

}  // namespace
}  // namespace ag
