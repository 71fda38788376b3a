// A store, queue and pipeline on a real SQLite file, with a scriptable grader: the pieces the
// grading tests share.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "core/retry_policy.h"
#include "grading/grader.h"
#include "grading/grading_metrics.h"
#include "grading/pipeline.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "queue/sqlite_job_queue.h"
#include "rag/hybrid_retriever.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace ag::testing {

// Answers with the scripted results in order, then with the last one; counts its calls.
class ScriptedGrader final : public Grader {
 public:
  using Step = std::function<Result<GraderOutput>(const GradingRequest&)>;
  void Then(Step step) {
    std::lock_guard lock(mu_);
    steps_.push_back(std::move(step));
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token stop) override {
    Step step;
    {
      std::lock_guard lock(mu_);
      ++calls_;
      if (steps_.empty()) return InternalError("no scripted answer");
      step = steps_.size() > 1 ? steps_.front() : steps_.back();
      if (steps_.size() > 1) steps_.pop_front();
    }
    if (stop.stop_requested()) return CancelledError("stopped");
    return step(request);
  }

  // Full marks on every criterion, citing the first retrieved chunk.
  static Result<GraderOutput> FullMarks(const GradingRequest& r) {
    GraderOutput out;
    out.grader = "scripted";
    for (const auto& c : r.rubric.criteria()) {
      out.proposal.breakdown.push_back({c.key, {c.max_points, "full"}});
    }
    out.proposal.feedback = "well done";
    if (!r.evidence.chunks.empty()) {
      out.proposal.citations.push_back({r.evidence.chunks[0].id.value(), "quote", "why"});
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::deque<Step> steps_;
  int calls_ = 0;
};

class FixedRandom final : public RandomSource {
 public:
  double NextUnit() override { return 0.5; }
};

struct GradingFixture {
  explicit GradingFixture(RetryPolicy policy = {}) {
    db = std::move(SqliteDb::Open({dir.File("g.db")}).value());
    (void)db->Migrate(SqliteMigrations());
    store = std::make_unique<SqliteStore>(*db, SqliteStoreOptions{});
    SqliteJobQueueOptions q;
    q.retry = policy;
    q.poll_interval = std::chrono::milliseconds(5);
    queue = std::make_unique<SqliteJobQueue>(*db, clock, random, q);
    retriever = std::make_unique<HybridRetriever>(*store, nullptr, nullptr);
    metrics = std::make_unique<GradingMetrics>(registry);
    pipeline = std::make_unique<GradingPipeline>(*store, *retriever, grader, clock, log, *metrics);
  }

  AssignmentId MakeAssignment() {
    NewAssignment a{"Essay", "Explain climate change.", "Fossil fuels cause warming.",
                    Json::parse(R"({"causes": {"description": "Names the causes", "max_points": 10},
                                     "effects": {"description": "Names the effects", "max_points": 20}})")};
    AssignmentId id = store->CreateAssignment(a, clock.Now())->id;
    (void)store->AddMaterial({id, "notes.md", "k", "s", "", 1},
                             {{0, "Causes", "Burning fossil fuels causes warming."},
                              {1, "Effects", "Sea levels rise and glaciers melt."}},
                             clock.Now());
    return id;
  }

  SubmissionId Submit(AssignmentId a, const std::string& text =
                                          "Fossil fuels cause warming; "
                                          "sea levels rise.") {
    return store->CreateSubmission({a, "s", "a.txt", "k", "s", text}, clock.Now())->submission.id;
  }

  // Rows of a table matching a WHERE clause, straight from SQLite.
  int Count(const std::string& table, const std::string& where = "1") {
    int n = -1;
    (void)db->Read([&](SqliteConn& c) -> Status {
      ASSIGN_OR_RETURN(auto st, c.Prepare("SELECT COUNT(*) FROM " + table + " WHERE " + where));
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) n = static_cast<int>(st.Int(0));
      return OkStatus();
    });
    return n;
  }

  ManualClock clock;
  FixedRandom random;
  TempDir dir;
  Logger log{clock, LogLevel::kError};
  MetricsRegistry registry;
  ScriptedGrader grader;
  std::unique_ptr<SqliteDb> db;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<SqliteJobQueue> queue;
  std::unique_ptr<HybridRetriever> retriever;
  std::unique_ptr<GradingMetrics> metrics;
  std::unique_ptr<GradingPipeline> pipeline;
};

}  // namespace ag::testing
