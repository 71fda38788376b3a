// The grading pipeline for one submission:
//   load -> retrieve -> grade -> validate -> persist -> publish.
// It is the same for every adapter set; the worker pool runs it for each leased job.
#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "grading/grader.h"
#include "grading/grading_metrics.h"
#include "obs/log.h"
#include "rag/retriever.h"
#include "store/store.h"

namespace ag {

struct PipelineOptions {
  int top_k = 5;  // chunks retrieved per query (each criterion, the whole answer)
  // A grade whose confidence is below this ends needs_review instead of done; 0 disables.
  double review_below_confidence = 0;  // REVIEW_CONFIDENCE_BELOW
};

struct JobContext {
  JobId job;
  int attempt = 0;
};

// The work of one grade between its start and its store, held while the grader runs.
struct PreparedGrade;

// Finishes a graded job (validate, persist, publish) and returns the attempt's outcome. It
// blocks on the database: run it on a worker thread, never on the grader's callback thread.
using FinishStep = std::function<Status()>;

class GradingPipeline {
 public:
  GradingPipeline(Store& store, Retriever& retriever, Grader& grader, const Clock& clock,
                  Logger& log, GradingMetrics& metrics, PipelineOptions options = {})
      : store_(store),
        retriever_(retriever),
        grader_(grader),
        clock_(clock),
        log_(log),
        metrics_(metrics),
        options_(options) {}

  // OK when the submission has its grade (written now, or found already written: a redelivered
  // job does nothing). NotFound when the submission no longer exists. Otherwise the error of
  // the step that failed, for the worker's retry decision (grading/job_outcome.h).
  Status Run(SubmissionId id, const JobContext& ctx, std::stop_token stop);

  // The same in two halves, so that a worker keeps many grades in flight: Begin loads,
  // screens and retrieves on the caller's thread and hands the request to the grader; `graded`
  // then runs once (on any thread, perhaps before Begin returns) with the step that finishes the
  // job. When there is nothing to grade, or loading failed, the step just returns that outcome.
  void Begin(SubmissionId id, const JobContext& ctx, std::stop_token stop,
             std::function<void(FinishStep)> graded);

 private:
  Result<std::shared_ptr<PreparedGrade>> Prepare(SubmissionId id, const JobContext& ctx);
  Status Finish(PreparedGrade& prepared, Result<GraderOutput> output);

  Store& store_;
  Retriever& retriever_;
  Grader& grader_;
  const Clock& clock_;
  Logger& log_;
  GradingMetrics& metrics_;
  PipelineOptions options_;
};

}  // namespace ag
