// Runs a grader over a human-graded dataset and measures agreement: gives it the training
// answers (at most `examples` per question) as graded examples, grades the test answers,
// compares.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "eval/dataset.h"
#include "scoring/answer_scorer.h"

namespace ag::eval {

struct EvalOptions {
  std::optional<int> examples;  // graded examples per question; all when unset
  double split = 0.8;           // without a test set: share of each question's answers to train on
  std::uint64_t seed = 42;
  // Each question's answers, training and test, graded or not, as its peers (the service has
  // every submission to an assignment; scoring/peer_pool.h).
  bool peers = true;
  // False: the test answers are not peers. A question's pool is its training answers only, so
  // an unseen question has none, as a new assignment's first submissions have none.
  bool test_peers = true;
  // The cross-question model learns from every training answer of the other questions, and
  // from this question's examples only: the service's situation, where the other assignments'
  // graded answers all teach it. A model per question that needs one (slower). False: from
  // each question's examples (the same `examples` limit for all).
  bool cross_question_all = false;
  scoring::ScorerOptions scorer;  // its embedder, when set, must outlive the evaluation
};

struct QuestionAgreement {
  std::string id;
  int n = 0;
  double qwk = 0;        // ordinal
  double pearson_r = 0;  // ordinal and continuous
  double accuracy = 0;
  std::string method;  // how its answers were scored (the scorer's method)
};

struct Agreement {
  int examples = -1;  // per question; -1: all
  int n_test = 0;
  std::vector<QuestionAgreement> per_question;
  std::optional<double> qwk_fisher_mean;                  // ordinal
  std::optional<double> pearson_r, rmse;                  // ordinal, continuous
  std::optional<double> accuracy, macro_f1, weighted_f1;  // categorical (and labelled continuous)
  // Training: the cross-question model and each question's model; grading: scoring the answers.
  double seconds_train = 0, seconds_grade = 0;
};

struct Split {
  Dataset train;
  Dataset test;
};
// Splits each question's answers: the first `share` of a seeded shuffle train, the rest test.
Split SplitDataset(const Dataset& all, double share, std::uint64_t seed);
// Splits the questions: the first `share` of a seeded shuffle of the question ids train, the
// rest test, so every test question is unseen in training (as SemEval's unseen-questions split).
Split SplitDatasetByQuestion(const Dataset& all, double share, std::uint64_t seed);

// Every question's answers in `train` and, with `test_peers`, `test` (once when they are the
// same set), graded or not: the peers the local scorer ranks an answer among.
using PeersByQuestion = std::map<std::string, std::vector<std::string>>;
PeersByQuestion PeersOf(const Dataset& train, const Dataset& test, bool test_peers = true);

// Every question's graded examples: a seeded sample of its training answers.
using ExamplesByQuestion = std::map<std::string, std::vector<const Answer*>>;

// What scores a question's test answers: the local scorer (the default) or a Grader port
// adapter (eval/port_question_grader.h).
class QuestionGrader {
 public:
  virtual ~QuestionGrader() = default;
  // Once, before any question.
  virtual Status Prepare(const Dataset& train, const ExamplesByQuestion& examples) = 0;
  // One predicted score per answer, in order; `method` names how they were scored.
  virtual Result<std::vector<double>> Score(const Dataset& test, const Question& question,
                                            const std::vector<const Answer*>& examples,
                                            const std::vector<const Answer*>& answers,
                                            std::string& method) = 0;
  // Of the time spent in Score() so far, the seconds that went to training (the local grader
  // trains each question's model there, on its examples); the evaluation counts them as
  // training, not grading.
  virtual double SecondsTrainingInScore() const { return 0; }
};

// `test` holds the answers to grade; its questions may be absent from `train` (unseen questions).
// `grader` null: the local grader's scorer (scoring/answer_scorer.h).
Result<Agreement> Evaluate(const Dataset& train, const Dataset& test, const EvalOptions& options,
                           QuestionGrader* grader = nullptr);

// The headline figure of an agreement, for learning curves: QWK mean, r, or weighted F1.
double Headline(const Dataset& d, const Agreement& a);

}  // namespace ag::eval
