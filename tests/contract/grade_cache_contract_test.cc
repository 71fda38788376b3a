// The GradeCache contract, run against every adapter: in memory (LRU) and Redis (on the server
// scripts/test-services starts).
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "grading/lru_grade_cache.h"
#include "grading/redis_grade_cache.h"
#include "support/test_services.h"

namespace ag {
namespace {

struct CacheUnderTest {
  virtual ~CacheUnderTest() = default;
  virtual GradeCache& cache() = 0;
};

struct LruUnderTest : CacheUnderTest {
  GradeCache& cache() override { return lru; }
  LruGradeCache lru{100};
};

struct RedisUnderTest : CacheUnderTest {
  RedisUnderTest()
      : redis(testing::SharedRedisOptions()), store(redis, std::chrono::seconds(60), Prefix()) {}
  static std::string Prefix() { return testing::UniqueName("cache") + ":"; }
  GradeCache& cache() override { return store; }
  RedisClient redis;
  RedisGradeCache store;
};

using Factory = std::function<std::unique_ptr<CacheUnderTest>()>;

class GradeCacheContract : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override { impl_ = GetParam()(); }
  GradeCache& cache() { return impl_->cache(); }
  std::unique_ptr<CacheUnderTest> impl_;
};

GraderOutput Output(double points) {
  GraderOutput o;
  o.proposal.breakdown = {{"thesis", {points, "clear claim"}}, {"evidence", {std::nullopt, ""}}};
  o.proposal.feedback = "Good start; cite the text.";
  o.proposal.citations = {{12, "the quoted words", "supports the thesis"}};
  o.grader = "llm-openai";
  o.model = "gpt-4o-mini";
  o.prompt_hash = "ab12";
  o.parameters = Json{{"calls", 1}, {"finish_reason", "stop"}};
  o.input_tokens = 321;
  o.output_tokens = 45;
  o.confidence = 0.75;
  return o;
}

TEST_P(GradeCacheContract, ReturnsTheLatestPutWhole) {
  EXPECT_FALSE(cache().Get("k1").has_value());
  cache().Put("k1", Output(3));
  cache().Put("k1", Output(4));
  auto got = cache().Get("k1");
  ASSERT_TRUE(got.has_value());
  const GraderOutput want = Output(4);
  ASSERT_EQ(got->proposal.breakdown.size(), 2u);
  EXPECT_EQ(got->proposal.breakdown[0].first, "thesis");
  EXPECT_EQ(got->proposal.breakdown[0].second.points, 4);
  EXPECT_EQ(got->proposal.breakdown[0].second.comment, "clear claim");
  EXPECT_FALSE(got->proposal.breakdown[1].second.points.has_value());
  EXPECT_EQ(got->proposal.feedback, want.proposal.feedback);
  ASSERT_EQ(got->proposal.citations.size(), 1u);
  EXPECT_EQ(got->proposal.citations[0].chunk_id, 12);
  EXPECT_EQ(got->proposal.citations[0].text, "the quoted words");
  EXPECT_EQ(got->grader, want.grader);
  EXPECT_EQ(got->model, want.model);
  EXPECT_EQ(got->prompt_hash, want.prompt_hash);
  EXPECT_EQ(got->parameters, want.parameters);
  EXPECT_EQ(got->input_tokens, 321);
  EXPECT_EQ(got->output_tokens, 45);
  EXPECT_DOUBLE_EQ(got->confidence, 0.75);
  EXPECT_FALSE(cache().Get("k2").has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, GradeCacheContract,
    ::testing::Values(Factory([] { return std::unique_ptr<CacheUnderTest>(new LruUnderTest()); }),
                      Factory([] {
                        return std::unique_ptr<CacheUnderTest>(new RedisUnderTest());
                      })),
    [](const auto& info) { return std::string(info.index == 0 ? "Lru" : "Redis"); });

TEST(RedisGradeCacheTest, ARedisThatIsAwayIsAMissNotAnError) {
  RedisClientOptions o;
  o.address.port = 1;  // nothing listens there
  o.connect_timeout = std::chrono::milliseconds(200);
  RedisClient redis(o);
  RedisGradeCache cache(redis, std::chrono::seconds(60));
  cache.Put("k", Output(1));
  EXPECT_FALSE(cache.Get("k").has_value());
}

TEST(RedisGradeCacheTest, EntriesCarryTheirTimeToLive) {
  RedisUnderTest t;
  const std::string prefix = RedisUnderTest::Prefix();
  RedisGradeCache cache(t.redis, std::chrono::seconds(100), prefix);
  cache.Put("k", Output(1));
  ASSERT_TRUE(cache.Get("k").has_value());
  // Checked on the server, not by sleeping.
  auto ttl = t.redis.Command({"PTTL", prefix + "k"});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 90'000);
  EXPECT_LE(ttl->integer, 100'000);
}

}  // namespace
}  // namespace ag
