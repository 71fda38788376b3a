#include "scoring/answer_scorer.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace ag::scoring {
namespace {

// Relational features sit after both hashed n-gram blocks (2^19 with the default 18 bits).
constexpr std::uint32_t kRelationalOffset = 1u << 20;
constexpr std::uint32_t kReferenceOffset = kRelationalOffset + 1024;
constexpr std::uint32_t kLatentOffset = kReferenceOffset + 4096;

double Clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

}  // namespace

SparseVector DenseToSparse(const std::vector<double>& values, std::uint32_t offset) {
  SparseVector v;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 0)
      v.entries.emplace_back(offset + static_cast<std::uint32_t>(i), static_cast<float>(values[i]));
  }
  return v;
}

double AnswerScorer::Snap(double score) const {
  score = std::min(scale_.max, std::max(scale_.min, score));
  if (scale_.levels.empty()) return score;
  double best = scale_.levels.front();
  for (double l : scale_.levels) {
    if (std::abs(l - score) < std::abs(best - score)) best = l;
  }
  return best;
}

SparseVector AnswerScorer::QuestionFeatures(const QuestionProfile::Answer& a,
                                            const std::vector<double>& similarities,
                                            int exclude) const {
  SparseVector v = a.vector;
  SparseVector refs = DenseToSparse(profile_->ReferenceFeatures(a), kReferenceOffset);
  v.entries.insert(v.entries.end(), refs.entries.begin(), refs.entries.end());
  std::vector<double> relational = profile_->Features(a, similarities, exclude);
  // The mean score of the other examples varies across questions (the cross-question model
  // reads it), but within one question it is a function of the example's own score: left in,
  // the per-question model would learn the answer key from it.
  relational[kExamplePriorFeature] = 0;
  SparseVector dense = DenseToSparse(relational, kRelationalOffset);
  v.entries.insert(v.entries.end(), dense.entries.begin(), dense.entries.end());
  if (const LatentSpace* latent = profile_->latent()) {
    SparseVector l = DenseToSparse(latent->Project(a.vector), kLatentOffset);
    v.entries.insert(v.entries.end(), l.entries.begin(), l.entries.end());
  }
  return v;
}

Result<AnswerScorer> AnswerScorer::Build(QuestionContext context,
                                         std::vector<GradedExample> examples, ScoreScale scale,
                                         const GenericScorer* generic, ScorerOptions options) {
  if (!(scale.max > scale.min)) return InvalidArgumentError("the score scale is empty");
  AnswerScorer s;
  s.scale_ = std::move(scale);
  std::sort(s.scale_.levels.begin(), s.scale_.levels.end());
  s.generic_ = generic;
  // The latent space only serves the per-question model: not fitted for fewer examples.
  const int latent = static_cast<int>(examples.size()) >= options.min_examples_for_question_model
                         ? options.latent_dimensions
                         : 0;
  auto profile = std::make_shared<QuestionProfile>(std::move(context), std::move(examples),
                                                   NgramOptions{}, options.embedder,
                                                   options.word_vectors, options.antonyms, latent);
  s.profile_ = profile;
  // A trained scorer is kept (cached per assignment) long after training: only what scoring
  // reads stays (a quarter of the memory with 1,000 graded answers; docs/benchmarks.md).
  struct Release {
    QuestionProfile& profile;
    ~Release() { profile.ReleaseTrainingInputs(); }
  } release{*profile};

  const auto& ex = s.profile_->examples();
  const double range = s.scale_.max - s.scale_.min;
  std::vector<double> targets;
  std::set<double> distinct;
  for (const auto& e : ex) {
    const double t = s.scale_.levels.empty() ? Clamp01(e.normalized)
                                             : s.Snap(s.scale_.min + e.normalized * range);
    targets.push_back(t);
    distinct.insert(t);
  }
  if (static_cast<int>(ex.size()) < options.min_examples_for_question_model ||
      distinct.size() < 2) {
    return s;
  }
  std::vector<SparseVector> rows;
  rows.reserve(ex.size());
  for (std::size_t i = 0; i < ex.size(); ++i) {
    const auto& example = s.profile_->analyzed_examples()[i];
    rows.push_back(
        s.QuestionFeatures(example, s.profile_->Similarities(example), static_cast<int>(i)));
  }
  if (s.scale_.levels.empty()) {
    LinearOptions lo;
    lo.task = LinearTask::kRegress;
    lo.c = options.ordinal.regression_c;
    lo.epsilon = 0.05;
    ASSIGN_OR_RETURN(LinearModel m, LinearModel::Train(rows, targets, lo));
    s.continuous_.emplace(std::move(m));
  } else if (s.scale_.categorical || !options.ordinal_expectation) {
    LinearOptions lo;
    lo.c = options.ordinal.classifier_c;
    ASSIGN_OR_RETURN(LinearModel m, LinearModel::Train(rows, targets, lo));
    s.classifier_.emplace(std::move(m));
  } else {
    ASSIGN_OR_RETURN(OrdinalModel m,
                     OrdinalModel::Train(rows, targets, s.scale_.levels, options.ordinal));
    s.ordinal_.emplace(std::move(m));
  }
  return s;
}

Prediction AnswerScorer::Score(std::string_view text) const {
  const QuestionProfile::Answer a = profile_->Analyze(text);
  Prediction p;
  p.references = profile_->MatchReferences(a);
  p.contradiction = profile_->Contradiction(a);
  // Once for the neighbour features and the nearest examples the comment names.
  const std::vector<double> similarities = profile_->Similarities(a);
  p.nearest = QuestionProfile::Nearest(similarities, 3);
  const double range = scale_.max - scale_.min;

  if (ordinal_ || classifier_ || continuous_) {
    p.method = "question-model";
    const SparseVector x = QuestionFeatures(a, similarities, -1);
    if (ordinal_) {
      const auto out = ordinal_->Predict(x);
      p.score = out.level;
      p.confidence = out.confidence;
    } else if (classifier_) {
      const auto probs = classifier_->Probabilities(x);
      const std::size_t best =
          static_cast<std::size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin());
      p.score = classifier_->classes()[best];
      p.confidence = probs[best];
    } else {
      p.score = Snap(scale_.min + Clamp01(continuous_->Predict(x)) * range);
      p.confidence = p.nearest.empty() ? 0.5 : Clamp01(0.4 + 0.6 * p.nearest.front().similarity);
    }
    p.normalized = (p.score - scale_.min) / range;
    return p;
  }

  if (generic_ && generic_->categorical() == scale_.categorical) {
    p.method = "cross-question-model";
    const auto out = generic_->Predict(*profile_, a, &similarities);
    if (generic_->categorical()) {
      p.score = Snap(out.value);
      p.confidence = out.probabilities.empty()
                         ? 0.5
                         : *std::max_element(out.probabilities.begin(), out.probabilities.end());
    } else {
      p.score = Snap(scale_.min + Clamp01(out.value) * range);
      p.confidence = 0.5;
    }
    p.normalized = (p.score - scale_.min) / range;
    return p;
  }

  // No model: the share of the best-matching reference the answer covers, full marks at 70 %.
  p.method = "reference-similarity";
  const auto f = profile_->Features(a, similarities, -1);
  const double coverage = std::max(f[1], f[0]);
  p.score = Snap(scale_.min + Clamp01(coverage / 0.7) * range);
  p.normalized = (p.score - scale_.min) / range;
  p.confidence = 0.3;
  return p;
}

SparseVector GenericScorer::GenericFeatures(const QuestionProfile& profile,
                                            const QuestionProfile::Answer& answer,
                                            const std::vector<double>& similarities, int exclude) {
  return DenseToSparse(profile.Features(answer, similarities, exclude), 0);
}

Result<GenericScorer> GenericScorer::Train(const std::vector<Question>& questions, bool categorical,
                                           const ScorerOptions& resources) {
  std::vector<SparseVector> with_rows, without_rows;
  std::vector<double> targets;
  for (const auto& q : questions) {
    if (q.examples.empty()) continue;
    if (categorical && q.labels.size() != q.examples.size()) {
      return InvalidArgumentError("every example needs a label");
    }
    const QuestionProfile with(q.context, q.examples, {}, resources.embedder,
                               resources.word_vectors, resources.antonyms);
    const QuestionProfile without(q.context, {}, {}, resources.embedder, resources.word_vectors,
                                  resources.antonyms);
    // The model with examples serves questions with fewer graded answers than a per-question
    // model needs, so each example's neighbours come from a group of about that many of its
    // question's examples, not from all: the nearest of 1,000 answers is closer than the
    // nearest of 15, and the model would learn to expect it.
    const std::size_t n = q.examples.size();
    const std::size_t most =
        static_cast<std::size_t>(std::max(1, resources.min_examples_for_question_model - 1));
    const std::size_t groups = (n + most - 1) / most;  // of near-equal sizes, interleaved
    for (std::size_t i = 0; i < n; ++i) {
      const auto& example = with.analyzed_examples()[i];
      std::vector<double> similarities = with.Similarities(example);
      for (std::size_t j = 0; groups > 1 && j < n; ++j) {
        if (j % groups != i % groups) similarities[j] = -1;
      }
      with_rows.push_back(GenericFeatures(with, example, similarities, static_cast<int>(i)));
      const auto alone = without.Analyze(q.examples[i].text);
      without_rows.push_back(GenericFeatures(without, alone, without.Similarities(alone), -1));
      targets.push_back(categorical ? q.labels[i] : q.examples[i].normalized);
    }
  }
  GenericScorer g;
  g.categorical_ = categorical;
  LinearOptions lo;
  lo.task = categorical ? LinearTask::kClassify : LinearTask::kRegress;
  lo.c = 1.0;
  lo.epsilon = 0.05;
  auto train = [&](const std::vector<SparseVector>& with, const std::vector<SparseVector>& without,
                   Models& into) -> Status {
    ASSIGN_OR_RETURN(LinearModel a, LinearModel::Train(with, targets, lo));
    ASSIGN_OR_RETURN(LinearModel b, LinearModel::Train(without, targets, lo));
    into.with_examples.emplace(std::move(a));
    into.without_examples.emplace(std::move(b));
    return OkStatus();
  };
  RETURN_IF_ERROR(train(with_rows, without_rows, g.pooled_));
  auto without_peers = [](std::vector<SparseVector> rows) {
    for (auto& r : rows)
      std::erase_if(r.entries, [](const auto& e) { return e.first >= kFirstPeerFeature; });
    return rows;
  };
  RETURN_IF_ERROR(
      train(without_peers(std::move(with_rows)), without_peers(std::move(without_rows)), g.alone_));
  return g;
}

GenericScorer::Output GenericScorer::Predict(const QuestionProfile& profile,
                                             const QuestionProfile::Answer& answer,
                                             const std::vector<double>* similarities) const {
  const Models& models = profile.has_peers() ? pooled_ : alone_;
  const LinearModel& m =
      profile.examples().empty() ? *models.without_examples : *models.with_examples;
  const SparseVector x = GenericFeatures(
      profile, answer, similarities ? *similarities : profile.Similarities(answer), -1);
  Output out;
  out.value = m.Predict(x);
  if (categorical_) {
    out.probabilities = m.Probabilities(x);
    out.classes = &m.classes();
  }
  return out;
}

}  // namespace ag::scoring
