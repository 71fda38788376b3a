#include "eval/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <set>

#include "scoring/agreement.h"

namespace ag::eval {
using namespace scoring;
namespace {

// Fisher-Yates with the standard's mt19937_64, so a seed means the same split everywhere.
template <typename T>
void Shuffle(std::vector<T>& v, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

std::map<std::string, std::vector<const Answer*>> ByQuestion(const Dataset& d) {
  std::map<std::string, std::vector<const Answer*>> out;
  for (const auto& a : d.answers) out[a.question_id].push_back(&a);
  return out;
}

scoring::QuestionContext ContextOf(const Question& q, const PeersByQuestion& peers) {
  scoring::QuestionContext c{q.text, q.references, q.rubric, {}};
  if (auto it = peers.find(q.id); it != peers.end()) c.peers = it->second;
  return c;
}

scoring::ScoreScale ScaleOf(const Dataset& d, const Question& q) {
  scoring::ScoreScale s;
  s.min = q.min_score;
  s.max = q.max_score;
  s.levels = q.levels;
  s.categorical = d.kind == ScaleKind::kCategorical;
  return s;
}

std::uint64_t StableHash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

double Normalized(const Question& q, double score) {
  return (score - q.min_score) / (q.max_score - q.min_score);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// SAF's label follows from its score: 1 correct, 0 incorrect, partial between. A predicted
// score takes the label of the nearest anchor (0, 0.5, 1).
int SafLabel(double score) { return score >= 0.999 ? 2 : score <= 0.001 ? 0 : 1; }
int SafPredictedLabel(double score) { return score >= 0.75 ? 2 : score <= 0.25 ? 0 : 1; }

}  // namespace

Split SplitDataset(const Dataset& all, double share, std::uint64_t seed) {
  Split s;
  s.train.name = s.test.name = all.name;
  s.train.kind = s.test.kind = all.kind;
  s.train.label_names = s.test.label_names = all.label_names;
  s.train.questions = s.test.questions = all.questions;
  for (auto& [qid, answers] : ByQuestion(all)) {
    std::vector<const Answer*> order = answers;
    Shuffle(order, seed ^ StableHash(qid));
    const auto cut =
        static_cast<std::size_t>(std::llround(share * static_cast<double>(order.size())));
    for (std::size_t i = 0; i < order.size(); ++i) {
      (i < cut ? s.train : s.test).answers.push_back(*order[i]);
    }
  }
  return s;
}

PeersByQuestion PeersOf(const Dataset& train, const Dataset& test, bool test_peers) {
  PeersByQuestion peers;
  for (const auto& a : train.answers) peers[a.question_id].push_back(a.text);
  if (test_peers && &test != &train) {
    for (const auto& a : test.answers) peers[a.question_id].push_back(a.text);
  }
  return peers;
}

Split SplitDatasetByQuestion(const Dataset& all, double share, std::uint64_t seed) {
  Split s;
  s.train.name = s.test.name = all.name;
  s.train.kind = s.test.kind = all.kind;
  s.train.label_names = s.test.label_names = all.label_names;
  std::vector<std::string> ids;
  for (const auto& [id, q] : all.questions) ids.push_back(id);
  Shuffle(ids, seed);
  const auto cut = static_cast<std::size_t>(std::llround(share * static_cast<double>(ids.size())));
  std::set<std::string> training(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(cut));
  for (const auto& [id, q] : all.questions)
    (training.count(id) ? s.train : s.test).questions[id] = q;
  for (const auto& a : all.answers)
    (training.count(a.question_id) ? s.train : s.test).answers.push_back(a);
  return s;
}

namespace {

// The local grader's scorer: a model per question from its examples, and a cross-question
// model from every question's.
class LocalQuestionGrader final : public QuestionGrader {
 public:
  LocalQuestionGrader(const EvalOptions& options, const PeersByQuestion& peers)
      : options_(options), peers_(peers) {}

  Status Prepare(const Dataset& train, const ExamplesByQuestion& examples) override {
    train_ = &train;
    if (!options_.cross_question_all) generic_ = TrainCrossQuestion(examples);  // else per question
    return OkStatus();
  }

  Result<std::vector<double>> Score(const Dataset& test, const Question& q,
                                    const std::vector<const Answer*>& examples,
                                    const std::vector<const Answer*>& answers,
                                    std::string& method) override {
    std::vector<scoring::GradedExample> graded;
    for (const Answer* a : examples) graded.push_back({a->text, Normalized(q, a->score)});
    const auto started = std::chrono::steady_clock::now();
    std::optional<scoring::GenericScorer> own;
    const bool needs_cross_question =
        static_cast<int>(examples.size()) < options_.scorer.min_examples_for_question_model;
    if (options_.cross_question_all && needs_cross_question) {
      ExamplesByQuestion teaching = ByQuestion(*train_);
      teaching[q.id] = examples;
      own = TrainCrossQuestion(teaching);
    }
    const auto& cross = options_.cross_question_all ? own : generic_;
    ASSIGN_OR_RETURN(
        scoring::AnswerScorer scorer,
        scoring::AnswerScorer::Build(ContextOf(q, peers_), std::move(graded), ScaleOf(test, q),
                                     cross ? &*cross : nullptr, options_.scorer));
    training_seconds_ += Seconds(started);
    std::vector<double> out;
    for (const Answer* a : answers) {
      const scoring::Prediction pred = scorer.Score(a->text);
      method = pred.method;
      out.push_back(pred.score);
    }
    return out;
  }

  double SecondsTrainingInScore() const override { return training_seconds_; }

 private:
  // From each question's graded answers in `examples`; nullopt when there are none (or training
  // fails: the questions are then scored without it, as without graded answers elsewhere).
  std::optional<scoring::GenericScorer> TrainCrossQuestion(
      const ExamplesByQuestion& examples) const {
    const bool categorical = train_->kind == ScaleKind::kCategorical;
    std::vector<scoring::GenericScorer::Question> questions;
    for (const auto& [qid, list] : examples) {
      auto q = train_->questions.find(qid);
      if (q == train_->questions.end() || list.empty()) continue;
      scoring::GenericScorer::Question g;
      g.context = ContextOf(q->second, peers_);
      for (const Answer* a : list) {
        g.examples.push_back({a->text, Normalized(q->second, a->score)});
        g.labels.push_back(a->score);
      }
      questions.push_back(std::move(g));
    }
    if (questions.empty()) return std::nullopt;
    auto trained = scoring::GenericScorer::Train(questions, categorical, options_.scorer);
    if (!trained.ok()) return std::nullopt;
    return std::move(trained).value();
  }

  const EvalOptions& options_;
  const PeersByQuestion& peers_;
  const Dataset* train_ = nullptr;
  std::optional<scoring::GenericScorer> generic_;
  double training_seconds_ = 0;
};

}  // namespace

Result<Agreement> Evaluate(const Dataset& train, const Dataset& test, const EvalOptions& options,
                           QuestionGrader* grader) {
  Agreement out;
  out.examples = options.examples.value_or(-1);
  const auto started = std::chrono::steady_clock::now();

  // The graded examples each question gets: a seeded sample of its training answers.
  ExamplesByQuestion examples = ByQuestion(train);
  for (auto& [qid, list] : examples) {
    Shuffle(list, options.seed + 1);
    if (options.examples && static_cast<int>(list.size()) > *options.examples) {
      list.resize(static_cast<std::size_t>(*options.examples));
    }
  }
  const bool categorical = train.kind == ScaleKind::kCategorical;
  // Only the local scorer reads peers; another grader gets none copied for it.
  const PeersByQuestion peers =
      options.peers && !grader ? PeersOf(train, test, options.test_peers) : PeersByQuestion{};
  LocalQuestionGrader local(options, peers);
  if (!grader) grader = &local;
  RETURN_IF_ERROR(grader->Prepare(train, examples));
  const double trained_before = grader->SecondsTrainingInScore();

  std::vector<double> truth_all, predicted_all;
  std::vector<int> truth_labels, predicted_labels;
  std::vector<double> kappas;
  double grade_seconds = 0;
  for (const auto& [qid, answers] : ByQuestion(test)) {
    auto qit = test.questions.find(qid);
    if (qit == test.questions.end())
      return InvalidArgumentError("answer to unknown question " + qid);
    const Question& q = qit->second;
    static const std::vector<const Answer*> kNone;
    auto e = examples.find(qid);
    const auto grade_started = std::chrono::steady_clock::now();
    QuestionAgreement qa;
    qa.id = qid;
    ASSIGN_OR_RETURN(
        std::vector<double> predicted,
        grader->Score(test, q, e == examples.end() ? kNone : e->second, answers, qa.method));
    if (predicted.size() != answers.size()) {
      return InternalError("the grader scored " + std::to_string(predicted.size()) + " of " +
                           std::to_string(answers.size()) + " answers");
    }
    std::vector<int> t_int, p_int;
    std::vector<double> t, p;
    int correct = 0;
    for (std::size_t i = 0; i < answers.size(); ++i) {
      const Answer* a = answers[i];
      const double pred_score = predicted[i];
      t.push_back(a->score);
      p.push_back(pred_score);
      t_int.push_back(static_cast<int>(std::lround(a->score)));
      p_int.push_back(static_cast<int>(std::lround(pred_score)));
      correct += t_int.back() == p_int.back() ? 1 : 0;
      if (test.name == "saf") {
        truth_labels.push_back(SafLabel(a->score));
        predicted_labels.push_back(SafPredictedLabel(pred_score));
      } else if (categorical) {
        truth_labels.push_back(t_int.back());
        predicted_labels.push_back(p_int.back());
      }
    }
    grade_seconds += Seconds(grade_started);
    qa.n = static_cast<int>(answers.size());
    qa.pearson_r = Pearson(t, p);
    qa.accuracy = qa.n ? static_cast<double>(correct) / qa.n : 0;
    if (test.kind == ScaleKind::kOrdinal) {
      qa.qwk = QuadraticWeightedKappa(t_int, p_int, static_cast<int>(q.min_score),
                                      static_cast<int>(q.max_score));
      kappas.push_back(qa.qwk);
    }
    truth_all.insert(truth_all.end(), t.begin(), t.end());
    predicted_all.insert(predicted_all.end(), p.begin(), p.end());
    out.per_question.push_back(std::move(qa));
  }
  out.n_test = static_cast<int>(truth_all.size());
  if (test.kind == ScaleKind::kOrdinal) out.qwk_fisher_mean = FisherZMean(kappas);
  if (test.kind != ScaleKind::kCategorical) {
    out.pearson_r = Pearson(truth_all, predicted_all);
    out.rmse = Rmse(truth_all, predicted_all);
  }
  if (!truth_labels.empty()) {
    const auto c =
        Classification(truth_labels, predicted_labels,
                       static_cast<int>(std::max<std::size_t>(3, test.label_names.size())));
    out.accuracy = c.accuracy;
    out.macro_f1 = c.macro_f1;
    out.weighted_f1 = c.weighted_f1;
  }
  out.seconds_grade =
      std::max(0.0, grade_seconds - (grader->SecondsTrainingInScore() - trained_before));
  out.seconds_train = Seconds(started) - out.seconds_grade;
  return out;
}

double Headline(const Dataset& d, const Agreement& a) {
  if (d.kind == ScaleKind::kOrdinal) return a.qwk_fisher_mean.value_or(0);
  if (d.kind == ScaleKind::kCategorical) return a.weighted_f1.value_or(0);
  return a.pearson_r.value_or(0);
}

}  // namespace ag::eval
