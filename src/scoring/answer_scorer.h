// The learned core of the local grader: scores an answer to one question (one rubric criterion)
// from the evidence it has.
//  - With enough graded examples of this question, a per-question model over the answer's
//    n-grams and its relational features (logistic regression over the observed score levels,
//    or regression when scores are continuous).
//  - With few or none, a cross-question model over the relational features only, trained on
//    other questions' graded examples (GenericScorer).
//  - With neither, a fixed similarity rule: coverage of the references.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "scoring/linear_model.h"
#include "scoring/ordinal_model.h"
#include "scoring/question_profile.h"

namespace ag::scoring {

struct ScoreScale {
  double min = 0, max = 1;
  std::vector<double> levels;  // the allowed scores, ascending; empty when continuous
  bool categorical = false;    // levels are classes with no order (predict the likeliest)
};

struct ScorerOptions {
  int min_examples_for_question_model = 20;
  bool ordinal_expectation = true;  // ordinal levels: OrdinalModel; false: the likeliest level
  OrdinalOptions ordinal;           // also the C of the categorical and continuous models
  Embedder* embedder = nullptr;     // sentence vectors as features; may be null
  const WordVectors* word_vectors = nullptr;  // soft word alignment; may be null
  const Antonyms* antonyms = nullptr;         // the contradiction feature; may be null
  // The per-question model also reads the answer's coordinates in a latent space of the
  // question's answers, graded and ungraded (scoring/latent_space.h); 0: not.
  int latent_dimensions = 50;
};

struct Prediction {
  double score = 0;       // in the scale's units, snapped to a level when there are levels
  double normalized = 0;  // 0..1
  double confidence = 0;  // 0..1
  std::string method;     // "question-model", "cross-question-model", "reference-similarity"
  std::vector<ReferenceMatch> references;           // best first
  std::vector<QuestionProfile::Neighbour> nearest;  // graded examples, best first
  // A word of the answer that contradicts the reference, and the reference's word.
  std::optional<std::pair<std::string, std::string>> contradiction;
};

class GenericScorer;

class AnswerScorer {
 public:
  // `generic` may be null; it must outlive the scorer.
  static Result<AnswerScorer> Build(QuestionContext context, std::vector<GradedExample> examples,
                                    ScoreScale scale, const GenericScorer* generic,
                                    ScorerOptions options = {});

  Prediction Score(std::string_view answer) const;
  const QuestionProfile& profile() const { return *profile_; }

 private:
  AnswerScorer() = default;
  SparseVector QuestionFeatures(const QuestionProfile::Answer& a,
                                const std::vector<double>& similarities, int exclude) const;
  double Snap(double score) const;

  std::shared_ptr<const QuestionProfile> profile_;
  ScoreScale scale_;
  const GenericScorer* generic_ = nullptr;
  // The per-question model, when there are enough examples: one of the three.
  std::optional<OrdinalModel> ordinal_;
  std::optional<LinearModel> classifier_;  // categorical levels (or ordinal, argmax)
  std::optional<LinearModel> continuous_;  // no levels: normalized score regression
};

// Relational features of `answer` as a sparse vector (index i = feature i).
SparseVector DenseToSparse(const std::vector<double>& values, std::uint32_t offset);

// The cross-question model: learns how relational features map to normalized scores (or to
// categorical labels) from other questions' graded examples.
class GenericScorer {
 public:
  struct Question {
    QuestionContext context;
    std::vector<GradedExample> examples;
    std::vector<double> labels;  // categorical only: the class of each example
  };
  // `categorical`: classify into labels (the examples' `labels`) instead of regressing scores.
  // The language resources come from `resources` (its embedder, word vectors and antonyms).
  static Result<GenericScorer> Train(const std::vector<Question>& questions, bool categorical,
                                     const ScorerOptions& resources = {});

  // Normalized score (regression) or the likeliest label, with per-class probabilities.
  struct Output {
    double value = 0;
    std::vector<double> probabilities;
    const std::vector<double>* classes = nullptr;
  };
  // `similarities`: profile.Similarities(answer) when the caller has it, else null.
  Output Predict(const QuestionProfile& profile, const QuestionProfile::Answer& answer,
                 const std::vector<double>* similarities = nullptr) const;
  bool categorical() const { return categorical_; }

 private:
  GenericScorer() = default;
  static SparseVector GenericFeatures(const QuestionProfile& profile,
                                      const QuestionProfile::Answer& answer,
                                      const std::vector<double>& similarities, int exclude);
  bool categorical_ = false;
  // Trained with each question's peers, and again with the peers' features left out: a
  // question with too few answers for a pool (a new assignment's first submissions) reads as
  // the latter, not as ranking last among peers it does not have.
  struct Models {
    std::optional<LinearModel> with_examples;
    std::optional<LinearModel> without_examples;
  };
  Models pooled_;
  Models alone_;
};

}  // namespace ag::scoring
