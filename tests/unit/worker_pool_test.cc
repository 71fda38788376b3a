// The worker pool against the real SQLite queue and store. Leases and backoffs follow the
// manual clock; only the pool's idle polling uses real time, so the tests wait for conditions
// with a deadline instead of sleeping for fixed times.
#include "grading/worker_pool.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "support/grading_fixture.h"

namespace ag {
namespace {

using namespace std::chrono_literals;
using testing::GradingFixture;
using testing::ScriptedGrader;

bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

WorkerPoolOptions FastPool(int max_attempts = 3) {
  WorkerPoolOptions o;
  o.concurrency = 2;
  o.idle_wait = 5ms;
  o.heartbeat = 10ms;
  o.max_attempts = max_attempts;
  return o;
}

// One worker thread holding up to `in_hand` asynchronous grades.
WorkerPoolOptions OneThread(int in_hand) {
  WorkerPoolOptions o = FastPool();
  o.concurrency = 1;
  o.max_in_hand = in_hand;
  return o;
}

RetryPolicy NoBackoff(int max_attempts = 3) {
  RetryPolicy p;
  p.max_attempts = max_attempts;
  p.base_delay = 0ms;
  p.max_delay = 0ms;
  return p;
}

TEST(WorkerPoolTest, GradesEveryQueuedSubmission) {
  GradingFixture f(NoBackoff());
  f.grader.Then(ScriptedGrader::FullMarks);
  const AssignmentId a = f.MakeAssignment();
  std::vector<SubmissionId> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(f.Submit(a));
  WorkerPool pool(*f.queue, *f.store, *f.pipeline, f.clock, f.log, *f.metrics, FastPool());
  pool.Start();
  ASSERT_TRUE(WaitUntil([&] { return f.Count("submissions", "status = 'done'") == 20; }));
  ASSERT_TRUE(WaitUntil([&] { return f.Count("jobs") == 0; }));
  pool.Stop();
  EXPECT_EQ(f.Count("grades"), 20);
}

TEST(WorkerPoolTest, RetriesTransientFailuresThenSucceeds) {
  GradingFixture f(NoBackoff());
  f.grader.Then([](const GradingRequest&) -> Result<GraderOutput> {
    return UnavailableError("endpoint down");
  });
  f.grader.Then(ScriptedGrader::FullMarks);
  const SubmissionId s = f.Submit(f.MakeAssignment());
  WorkerPool pool(*f.queue, *f.store, *f.pipeline, f.clock, f.log, *f.metrics, FastPool());
  pool.Start();
  ASSERT_TRUE(
      WaitUntil([&] { return f.store->GetSubmission(s)->status == SubmissionStatus::kDone; }));
  pool.Stop();
  EXPECT_EQ(f.grader.calls(), 2);
  EXPECT_EQ(f.store->GetSubmission(s)->error, "");
  EXPECT_NE(f.registry.Render().find("grading_jobs_total{outcome=\"retry\"} 1"), std::string::npos);
}

TEST(WorkerPoolTest, GivesUpAfterTheLastAttemptAndStoresTheReason) {
  GradingFixture f(NoBackoff(3));
  f.grader.Then([](const GradingRequest&) -> Result<GraderOutput> {
    return DeadlineExceededError("LLM timed out after 60 s");
  });
  const SubmissionId s = f.Submit(f.MakeAssignment());
  WorkerPool pool(*f.queue, *f.store, *f.pipeline, f.clock, f.log, *f.metrics, FastPool(3));
  pool.Start();
  ASSERT_TRUE(
      WaitUntil([&] { return f.store->GetSubmission(s)->status == SubmissionStatus::kError; }));
  pool.Stop();
  EXPECT_EQ(f.grader.calls(), 3);
  EXPECT_EQ(f.store->GetSubmission(s)->error, "LLM timed out after 60 s");
  EXPECT_EQ(f.Count("jobs", "state = 'dead'"), 1);
}

TEST(WorkerPoolTest, AGraderThatThrowsIsAFailedAttemptNotACrash) {
  GradingFixture f(NoBackoff());
  f.grader.Then(
      [](const GradingRequest&) -> Result<GraderOutput> { throw std::runtime_error("bad bytes"); });
  f.grader.Then(ScriptedGrader::FullMarks);
  const SubmissionId s = f.Submit(f.MakeAssignment());
  WorkerPool pool(*f.queue, *f.store, *f.pipeline, f.clock, f.log, *f.metrics, FastPool());
  pool.Start();
  ASSERT_TRUE(
      WaitUntil([&] { return f.store->GetSubmission(s)->status == SubmissionStatus::kDone; }));
  pool.Stop();
  EXPECT_EQ(f.grader.calls(), 2);
}

TEST(WorkerPoolTest, APermanentFailureIsNotRetried) {
  GradingFixture f(NoBackoff(5));
  f.grader.Then([](const GradingRequest&) -> Result<GraderOutput> {
    return FailedPreconditionError("rubric has no criteria the grader understands");
  });
  const SubmissionId s = f.Submit(f.MakeAssignment());
  WorkerPool pool(*f.queue, *f.store, *f.pipeline, f.clock, f.log, *f.metrics, FastPool(5));
  pool.Start();
  ASSERT_TRUE(
      WaitUntil([&] { return f.store->GetSubmission(s)->status == SubmissionStatus::kError; }));
  pool.Stop();
  EXPECT_EQ(f.grader.calls(), 1);
}

TEST(WorkerPoolTest, StoppingReleasesTheJobsInHand) {
  GradingFixture f(NoBackoff());
  std::atomic<bool> entered{false};
  // Blocks until cancelled, as a slow LLM call would.
  class Blocking final : public Grader {
   public:
    explicit Blocking(std::atomic<bool>& entered) : entered_(entered) {}
    Result<GraderOutput> Grade(const GradingRequest&, std::stop_token stop) override {
      entered_ = true;
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      cv.wait(lock, stop, [] { return false; });
      return CancelledError("stopped");
    }
    std::atomic<bool>& entered_;
  } blocking(entered);
  GradingPipeline pipeline(*f.store, *f.retriever, blocking, f.clock, f.log, *f.metrics);
  const SubmissionId s = f.Submit(f.MakeAssignment());
  WorkerPool pool(*f.queue, *f.store, pipeline, f.clock, f.log, *f.metrics, FastPool());
  pool.Start();
  ASSERT_TRUE(WaitUntil([&] { return entered.load(); }));
  EXPECT_EQ(pool.InFlight(), 1);
  pool.Stop();
  EXPECT_EQ(f.Count("jobs", "state = 'queued' AND attempts = 0"), 1);
  EXPECT_EQ(f.store->GetSubmission(s)->status, SubmissionStatus::kQueued);
}

TEST(WorkerPoolTest, AJobWhoseWorkersKeepDyingEndsInError) {
  GradingFixture f(NoBackoff(2));
  f.grader.Then(ScriptedGrader::FullMarks);
  const SubmissionId s = f.Submit(f.MakeAssignment());
  // Two workers took the job and died without a word: their leases expired.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(f.queue->Lease("ghost", 30s, 0ms)->has_value());
    f.clock.Advance(31s);
  }
  WorkerPool pool(*f.queue, *f.store, *f.pipeline, f.clock, f.log, *f.metrics, FastPool(2));
  pool.Start();
  ASSERT_TRUE(
      WaitUntil([&] { return f.store->GetSubmission(s)->status == SubmissionStatus::kError; }));
  pool.Stop();
  EXPECT_EQ(f.grader.calls(), 0);
  EXPECT_NE(f.store->GetSubmission(s)->error.find("interrupted 2 times"), std::string::npos);
}

// Holds every grade until the test lets them go, then answers from its own thread, as the LLM
// grader does from its HTTP thread; a stopped grade answers Cancelled at once, unless the
// grader is deaf to stops.
class HeldGrader final : public Grader {
 public:
  explicit HeldGrader(bool hears_stop = true) : hears_stop_(hears_stop) {}
  ~HeldGrader() override { Release(); }
  Result<GraderOutput> Grade(const GradingRequest& r, std::stop_token) override {
    return ScriptedGrader::FullMarks(r);
  }
  void GradeAsync(const GradingRequest& r, std::stop_token stop, GradeDone done) override {
    auto held = std::make_shared<Held>();
    held->result = ScriptedGrader::FullMarks(r);
    held->done = std::move(done);
    std::lock_guard lock(mu_);
    Held* raw = held.get();  // not the shared_ptr: the callback lives inside Held
    if (hears_stop_)
      held->on_stop.emplace(stop, [raw] { Answer(*raw, CancelledError("stopped")); });
    held_.push_back(held);
    max_held_ = std::max(max_held_, Pending());
  }
  // Answers everything held, from another thread.
  void Release() {
    std::vector<std::shared_ptr<Held>> all;
    {
      std::lock_guard lock(mu_);
      all.swap(held_);
    }
    std::thread([this, all] {
      for (auto& h : all) Answer(*h, h->result);
    }).join();
  }
  int pending() {
    std::lock_guard lock(mu_);
    return Pending();
  }
  int max_held() {
    std::lock_guard lock(mu_);
    return max_held_;
  }

 private:
  struct Held {
    Result<GraderOutput> result = InternalError("unset");
    GradeDone done;
    std::atomic<bool> answered{false};
    std::optional<std::stop_callback<std::function<void()>>> on_stop;
  };
  int Pending() {
    int n = 0;
    for (auto& h : held_) n += !h->answered;
    return n;
  }
  static void Answer(Held& h, Result<GraderOutput> r) {
    if (h.answered.exchange(true)) return;
    GradeDone done = std::move(h.done);
    done(std::move(r));
  }
  const bool hears_stop_;
  std::mutex mu_;
  std::vector<std::shared_ptr<Held>> held_;
  int max_held_ = 0;
};

TEST(WorkerPoolTest, AnAsynchronousGraderKeepsManyJobsInHandOnOneThread) {
  GradingFixture f(NoBackoff());
  HeldGrader held;
  GradingPipeline pipeline(*f.store, *f.retriever, held, f.clock, f.log, *f.metrics);
  const AssignmentId a = f.MakeAssignment();
  for (int i = 0; i < 30; ++i) f.Submit(a);
  WorkerPoolOptions o = OneThread(12);
  WorkerPool pool(*f.queue, *f.store, pipeline, f.clock, f.log, *f.metrics, o);
  pool.Start();
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(WaitUntil([&] { return held.pending() == 12; })) << held.pending();
    EXPECT_EQ(pool.InFlight(), 12);
    held.Release();
  }
  ASSERT_TRUE(WaitUntil([&] { return held.pending() == 6; }));
  held.Release();
  ASSERT_TRUE(WaitUntil([&] { return f.Count("submissions", "status = 'done'") == 30; }));
  ASSERT_TRUE(WaitUntil([&] { return f.Count("jobs") == 0; }));
  pool.Stop();
  EXPECT_EQ(held.max_held(), 12);  // never more than max_in_hand
  EXPECT_EQ(f.Count("grades"), 30);
}

TEST(WorkerPoolTest, StoppingReleasesAsynchronousGradesInFlight) {
  GradingFixture f(NoBackoff());
  HeldGrader held;
  GradingPipeline pipeline(*f.store, *f.retriever, held, f.clock, f.log, *f.metrics);
  const AssignmentId a = f.MakeAssignment();
  for (int i = 0; i < 5; ++i) f.Submit(a);
  WorkerPoolOptions o = OneThread(8);
  WorkerPool pool(*f.queue, *f.store, pipeline, f.clock, f.log, *f.metrics, o);
  pool.Start();
  ASSERT_TRUE(WaitUntil([&] { return held.pending() == 5; }));
  pool.Stop();
  EXPECT_EQ(pool.InFlight(), 0);
  EXPECT_EQ(f.Count("jobs", "state = 'queued' AND attempts = 0"), 5);
  EXPECT_EQ(f.Count("submissions", "status = 'queued'"), 5);
  EXPECT_EQ(f.Count("grades"), 0);
}

TEST(WorkerPoolTest, AGradeThatAnswersAfterThePoolIsGoneIsDroppedAndGradedAgain) {
  GradingFixture f(NoBackoff());
  HeldGrader deaf(/*hears_stop=*/false);
  GradingPipeline pipeline(*f.store, *f.retriever, deaf, f.clock, f.log, *f.metrics);
  const AssignmentId a = f.MakeAssignment();
  for (int i = 0; i < 3; ++i) f.Submit(a);
  WorkerPoolOptions o = OneThread(4);
  o.stop_grace = 50ms;
  {
    WorkerPool pool(*f.queue, *f.store, pipeline, f.clock, f.log, *f.metrics, o);
    pool.Start();
    ASSERT_TRUE(WaitUntil([&] { return deaf.pending() == 3; }));
    pool.Stop();  // gives up waiting for the three grades
    EXPECT_EQ(pool.InFlight(), 0);
  }
  deaf.Release();  // they answer into a pool that is gone (ASan would see a use after free)
  EXPECT_EQ(f.Count("grades"), 0);
  EXPECT_EQ(f.Count("jobs", "state = 'leased'"), 3);

  // Their leases expire and the next pool grades each of them once.
  f.clock.Advance(o.lease + 1s);
  WorkerPool next(*f.queue, *f.store, pipeline, f.clock, f.log, *f.metrics, o);
  next.Start();
  ASSERT_TRUE(WaitUntil([&] { return deaf.pending() == 3; }));
  deaf.Release();
  ASSERT_TRUE(WaitUntil([&] { return f.Count("submissions", "status = 'done'") == 3; }));
  next.Stop();
  EXPECT_EQ(f.Count("grades"), 3);
}

}  // namespace
}  // namespace ag
