#include "grading/sweeper.h"

#include <gtest/gtest.h>

#include "support/grading_fixture.h"

namespace ag {
namespace {

using namespace std::chrono_literals;
using testing::GradingFixture;

TEST(SweeperTest, EnqueuesAStuckSubmissionWhoseJobWentMissing) {
  GradingFixture f;
  const AssignmentId a = f.MakeAssignment();
  const SubmissionId lost = f.Submit(a);
  const SubmissionId fine = f.Submit(a);
  // The job of `lost` vanished (a crash between two non-atomic writes, an operator's purge).
  ASSERT_TRUE(f.db->Write([&](SqliteConn& c) -> Status {
                    ASSIGN_OR_RETURN(auto st,
                                     c.Prepare("DELETE FROM jobs WHERE submission_id = ?"));
                    return st.Bind(1, lost.value()).Run();
                  })
                  .ok());
  SweeperOptions o;
  o.grace = 60s;
  Sweeper sweeper(*f.store, *f.queue, f.clock, f.log, o);
  EXPECT_EQ(*sweeper.SweepOnce(), 0);  // too fresh to call stuck
  f.clock.Advance(61s);
  EXPECT_EQ(*sweeper.SweepOnce(), 2);  // both are checked; enqueue is idempotent
  EXPECT_EQ(f.Count("jobs"), 2);
  EXPECT_EQ(f.Count("jobs", "submission_id = " + lost.ToString()), 1);
  EXPECT_EQ(f.Count("jobs", "submission_id = " + fine.ToString()), 1);
}

TEST(SweeperTest, PagesThroughALargeBacklog) {
  GradingFixture f;
  const AssignmentId a = f.MakeAssignment();
  for (int i = 0; i < 25; ++i) f.Submit(a);
  ASSERT_TRUE(f.db->Write([](SqliteConn& c) { return c.Exec("DELETE FROM jobs"); }).ok());
  SweeperOptions o;
  o.batch = 10;
  o.grace = 1s;
  Sweeper sweeper(*f.store, *f.queue, f.clock, f.log, o);
  f.clock.Advance(2s);
  EXPECT_EQ(*sweeper.SweepOnce(), 25);
  EXPECT_EQ(f.Count("jobs"), 25);
}

TEST(SweeperTest, LeavesFinishedSubmissionsAlone) {
  GradingFixture f;
  f.grader.Then(testing::ScriptedGrader::FullMarks);
  const SubmissionId s = f.Submit(f.MakeAssignment());
  ASSERT_TRUE(f.pipeline->Run(s, {JobId(1), 1}, std::stop_token()).ok());
  ASSERT_TRUE(f.db->Write([](SqliteConn& c) { return c.Exec("DELETE FROM jobs"); }).ok());
  Sweeper sweeper(*f.store, *f.queue, f.clock, f.log, {});
  f.clock.Advance(1h);
  EXPECT_EQ(*sweeper.SweepOnce(), 0);
  EXPECT_EQ(f.Count("jobs"), 0);
}

}  // namespace
}  // namespace ag
