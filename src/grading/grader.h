// The Grader port: proposes a grade for one answer against the rubric, from the evidence that
// retrieval found. Its output is a proposal: the pipeline validates it against the rubric
// (core/grade.h) before anything is stored.
//
// Contract, for every adapter (the local graders, the LLM client):
// - Grade returns a proposal for every criterion, or an error: Unavailable, DeadlineExceeded or
//   ResourceExhausted when a retry may succeed (an endpoint down, a timeout, a rate limit),
//   Aborted for an unusable answer (unparseable), Cancelled when `stop` was requested.
// - The student's answer is data, never instructions.
// - Thread-safe: the worker pool calls it from several threads at once.
// - GradeAsync returns at once and runs `done` exactly once, on any thread (the adapter's, or
//   the caller's before it returns); `done` must not block. The request need only live until
//   GradeAsync returns. Adapters whose work is CPU (the local graders) keep the default, which
//   grades on the caller's thread; the LLM grader keeps many calls in flight without threads.
#pragma once

#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

#include "core/grade.h"
#include "core/json.h"
#include "core/rubric.h"
#include "core/status.h"
#include "rag/retriever.h"

namespace ag {

struct GradingRequest {
  std::string_view question;
  std::string_view reference_answer;
  const Rubric& rubric;
  std::string_view answer;
  const Retrieval& evidence;
  AssignmentId assignment{};  // whose graded examples apply; invalid for one-off grading
  int rubric_version = 1;
  // Who submitted, as the submission names them: never sent to a remote grader (the
  // RedactingGrader takes it, and its occurrences in the answer, out).
  std::string_view student_id = {};
};

struct GraderOutput {
  ProposedGrade proposal;
  std::string grader;       // adapter name, e.g. "local-overlap"
  std::string model;        // model or algorithm version
  std::string prompt_hash;  // sha256 of the exact request, for reproducibility
  Json parameters = Json::object();
  int input_tokens = 0;
  int output_tokens = 0;
  double confidence = 1.0;  // 0..1
};

using GradeDone = std::function<void(Result<GraderOutput>)>;

class Grader {
 public:
  virtual ~Grader() = default;
  virtual Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token stop) = 0;
  virtual void GradeAsync(const GradingRequest& request, std::stop_token stop, GradeDone done) {
    done(Grade(request, stop));
  }
};

}  // namespace ag
