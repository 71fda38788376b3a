// The JobQueue contract, run against every adapter (the embedded SQLite queue; Redis streams on
// the server scripts/test-services starts), with an injected clock: leases expire and backoffs
// pass by advancing it, never by sleeping.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "core/clock.h"
#include "core/retry_policy.h"
#include "queue/redis_job_queue.h"
#include "queue/sqlite_job_queue.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"
#include "support/test_services.h"

namespace ag {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

class FixedRandom final : public RandomSource {
 public:
  double NextUnit() override { return value; }
  double value = 0.5;
};

struct QueueUnderTest {
  virtual ~QueueUnderTest() = default;
  virtual JobQueue& queue() = 0;
  // A submission the queue may carry a job for.
  virtual SubmissionId NewSubmission() = 0;
};

struct SqliteQueueUnderTest : QueueUnderTest {
  SqliteQueueUnderTest(const Clock& clock, RandomSource& random, RetryPolicy policy) {
    db = std::move(SqliteDb::Open({dir.File("q.db")}).value());
    EXPECT_TRUE(db->Migrate(SqliteMigrations()).ok());
    // Jobs are enqueued explicitly in these tests, not by the store.
    store = std::make_unique<SqliteStore>(*db, SqliteStoreOptions{false, "grading"});
    SqliteJobQueueOptions o;
    o.retry = policy;
    q = std::make_unique<SqliteJobQueue>(*db, clock, random, o);
    NewAssignment a{"t", "", "", Json::parse(R"({"c": {"description": "d", "max_points": 1}})")};
    assignment = store->CreateAssignment(a, clock.Now())->id;
    clock_ = &clock;
  }
  JobQueue& queue() override { return *q; }
  SubmissionId NewSubmission() override {
    return store->CreateSubmission({assignment, "", "f", "k", "s", "t"}, clock_->Now())
        ->submission.id;
  }
  testing::TempDir dir;
  std::unique_ptr<SqliteDb> db;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<SqliteJobQueue> q;
  AssignmentId assignment;
  const Clock* clock_;
};

struct RedisQueueUnderTest : QueueUnderTest {
  RedisQueueUnderTest(const Clock& clock, RandomSource& random, RetryPolicy policy)
      : redis(testing::SharedRedisOptions()) {
    RedisJobQueueOptions o;
    o.queue_name = testing::UniqueName("grading");  // keys of their own per test
    o.retry = policy;
    q = std::make_unique<RedisJobQueue>(redis, clock, random, o);
  }
  JobQueue& queue() override { return *q; }
  SubmissionId NewSubmission() override { return SubmissionId(++last_submission); }
  RedisClient redis;
  std::unique_ptr<RedisJobQueue> q;
  std::int64_t last_submission = 1000;
};

using Factory =
    std::function<std::unique_ptr<QueueUnderTest>(const Clock&, RandomSource&, RetryPolicy)>;

// Names of the adapters, in the order of the instantiation below.
std::string AdapterName(const ::testing::TestParamInfo<Factory>& info) {
  static const char* const kNames[] = {"Sqlite", "Redis"};
  return kNames[info.index];
}

class QueueContract : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override {
    policy_.max_attempts = 3;
    policy_.base_delay = 1000ms;
    policy_.max_delay = 60000ms;
    impl_ = GetParam()(clock_, random_, policy_);
  }
  JobQueue& q() { return impl_->queue(); }
  std::optional<LeasedJob> Lease(const char* worker = "w1", milliseconds lease = 30s) {
    auto r = q().Lease(worker, lease, 0ms);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }

  ManualClock clock_;
  FixedRandom random_;
  RetryPolicy policy_;
  std::unique_ptr<QueueUnderTest> impl_;
};

TEST_P(QueueContract, LeasesTheOldestReadyJobOnce) {
  SubmissionId a = impl_->NewSubmission(), b = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  clock_.Advance(1ms);
  ASSERT_TRUE(q().Enqueue(b, clock_.Now()).ok());
  auto first = Lease();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->submission_id, a);
  EXPECT_EQ(first->attempts, 1);
  auto second = Lease();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->submission_id, b);
  EXPECT_FALSE(Lease());
}

TEST_P(QueueContract, EnqueueIsIdempotent) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  EXPECT_EQ(q().Stats()->ready, 1);
  auto job = Lease();
  ASSERT_TRUE(job);
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());  // running: still one job
  EXPECT_FALSE(Lease());
  EXPECT_EQ(q().Stats()->leased, 1);
}

TEST_P(QueueContract, AJobIsNotReadyBeforeItsTime) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now() + 5s).ok());
  EXPECT_FALSE(Lease());
  EXPECT_EQ(q().Stats()->delayed, 1);
  clock_.Advance(5s);
  EXPECT_TRUE(Lease());
}

TEST_P(QueueContract, AnExpiredLeaseIsTakenAgainAndTheOldOwnerLosesIt) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  auto first = Lease("w1", 30s);
  ASSERT_TRUE(first);
  clock_.Advance(29s);
  EXPECT_FALSE(Lease("w2"));  // still held
  clock_.Advance(2s);
  auto second = Lease("w2");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->attempts, 2);
  EXPECT_EQ(q().Heartbeat(*first, 30s).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(q().Ack(*first).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(q().Fail(*first, "x", true).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(q().Release(*first).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(q().Ack(*second).ok());
  EXPECT_EQ(q().Stats()->leased, 0);
}

TEST_P(QueueContract, HeartbeatsKeepALease) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  auto job = Lease("w1", 10s);
  ASSERT_TRUE(job);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(8s);
    ASSERT_TRUE(q().Heartbeat(*job, 10s).ok());
    EXPECT_FALSE(Lease("w2"));
  }
  EXPECT_EQ(job->lease_expires_at, clock_.Now() + 10s);
  EXPECT_TRUE(q().Ack(*job).ok());
}

TEST_P(QueueContract, FailedJobsBackOffExponentiallyWithJitter) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  random_.value = 0.5;  // 75% of the full delay
  auto job = Lease();
  auto r1 = q().Fail(*job, "endpoint down", /*retryable=*/true);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->outcome, FailOutcome::kRetryScheduled);
  EXPECT_EQ(r1->retry_at, clock_.Now() + 750ms);
  clock_.Advance(749ms);
  EXPECT_FALSE(Lease());
  clock_.Advance(1ms);
  job = Lease();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempts, 2);
  auto r2 = q().Fail(*job, "endpoint down", true);
  EXPECT_EQ(r2->retry_at, clock_.Now() + 1500ms);
}

TEST_P(QueueContract, AJobDiesAfterItsLastAttemptWithTheReason) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto job = Lease();
    ASSERT_TRUE(job) << "attempt " << attempt;
    EXPECT_EQ(job->attempts, attempt);
    auto r = q().Fail(*job, "timeout #" + std::to_string(attempt), true);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->outcome, attempt < 3 ? FailOutcome::kRetryScheduled : FailOutcome::kDead);
    clock_.Advance(10min);
  }
  EXPECT_FALSE(Lease());
  auto dead = q().ListDead(10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].submission_id, a);
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ((*dead)[0].last_error, "timeout #3");
  EXPECT_EQ(q().Stats()->dead, 1);
}

TEST_P(QueueContract, APermanentFailureDiesAtOnce) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  auto r = q().Fail(*Lease(), "bad rubric", /*retryable=*/false);
  EXPECT_EQ(r->outcome, FailOutcome::kDead);
  EXPECT_EQ(q().Stats()->dead, 1);
}

TEST_P(QueueContract, DeadJobsCanBeRetriedOrPurged) {
  SubmissionId a = impl_->NewSubmission(), b = impl_->NewSubmission();
  for (SubmissionId s : {a, b}) {
    ASSERT_TRUE(q().Enqueue(s, clock_.Now()).ok());
    ASSERT_TRUE(q().Fail(*Lease(), "boom", false).ok());
  }
  auto revived = q().RetryDead(a);
  ASSERT_EQ(revived->size(), 1u);
  EXPECT_EQ((*revived)[0], a);
  auto job = Lease();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->submission_id, a);
  EXPECT_EQ(job->attempts, 1);  // fresh attempts
  EXPECT_EQ(*q().PurgeDead(), 1);
  EXPECT_EQ(q().Stats()->dead, 0);
  // Enqueue revives a dead job too.
  ASSERT_TRUE(q().Fail(*job, "boom", false).ok());
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  EXPECT_TRUE(Lease());
}

TEST_P(QueueContract, ReleaseGivesTheJobBackWithoutCountingTheAttempt) {
  SubmissionId a = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  auto job = Lease("w1");
  ASSERT_TRUE(q().Release(*job).ok());
  auto again = Lease("w2");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempts, 1);
}

TEST_P(QueueContract, StatsAndPurgeOfWaitingJobs) {
  SubmissionId a = impl_->NewSubmission(), b = impl_->NewSubmission(), c = impl_->NewSubmission();
  ASSERT_TRUE(q().Enqueue(a, clock_.Now()).ok());
  ASSERT_TRUE(q().Enqueue(b, clock_.Now() + 1h).ok());
  ASSERT_TRUE(q().Enqueue(c, clock_.Now()).ok());
  ASSERT_TRUE(Lease());
  clock_.Advance(3s);
  auto st = q().Stats();
  EXPECT_EQ(st->ready, 1);
  EXPECT_EQ(st->delayed, 1);
  EXPECT_EQ(st->leased, 1);
  EXPECT_EQ(st->depth(), 2);
  EXPECT_EQ(st->oldest_ready_age, 3s);
  auto purged = q().PurgeWaiting();
  EXPECT_EQ(purged->size(), 2u);
  EXPECT_EQ(q().Stats()->depth(), 0);
  EXPECT_EQ(q().Stats()->leased, 1);
}

TEST_P(QueueContract, ALeaseWaitsForWorkUntilItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  auto r = q().Lease("w", 30s, 50ms);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, QueueContract,
    ::testing::Values(Factory([](const Clock& c, RandomSource& r, RetryPolicy p) {
                        return std::unique_ptr<QueueUnderTest>(new SqliteQueueUnderTest(c, r, p));
                      }),
                      Factory([](const Clock& c, RandomSource& r, RetryPolicy p) {
                        return std::unique_ptr<QueueUnderTest>(new RedisQueueUnderTest(c, r, p));
                      })),
    AdapterName);

}  // namespace
}  // namespace ag
