// `autograder eval --grader llm`: scores a dataset's answers with a Grader port adapter (the LLM
// grader), many at once. Each question becomes a one-criterion rubric (its score range, its
// levels and their descriptors when the set has them) with its reference answers; "retrieval"
// gives the grader the question's graded examples nearest to the answer as material (the
// datasets have no course material), and `--no-retrieval` gives it none: the ablation.
#pragma once

#include "eval/runner.h"
#include "grading/grader.h"

namespace ag::eval {

struct PortQuestionGraderOptions {
  int examples_shown = 5;  // graded examples given as material; 0: retrieval off
  int max_in_flight = 64;  // grades at once
};

class PortQuestionGrader final : public QuestionGrader {
 public:
  PortQuestionGrader(Grader& grader, PortQuestionGraderOptions options)
      : grader_(grader), options_(options) {}

  Status Prepare(const Dataset&, const ExamplesByQuestion&) override { return OkStatus(); }
  // An answer whose grade failed (after the grader's retries) scores the scale's minimum, and
  // is counted in failures().
  Result<std::vector<double>> Score(const Dataset& test, const Question& question,
                                    const std::vector<const Answer*>& examples,
                                    const std::vector<const Answer*>& answers,
                                    std::string& method) override;

  int failures() const { return failures_; }
  const std::string& last_failure() const { return last_failure_; }
  long long input_tokens() const { return input_tokens_; }
  long long output_tokens() const { return output_tokens_; }

 private:
  Grader& grader_;
  PortQuestionGraderOptions options_;
  int failures_ = 0;
  std::string last_failure_;
  long long input_tokens_ = 0, output_tokens_ = 0;
};

// The one-criterion rubric ("score") a question is graded on.
Result<Rubric> QuestionRubric(const Dataset& d, const Question& q);

// The `k` graded examples sharing the most words with `answer`, as retrieved material.
Retrieval NearestExamples(const Question& q, const std::vector<const Answer*>& examples,
                          std::string_view answer, int k);

}  // namespace ag::eval
