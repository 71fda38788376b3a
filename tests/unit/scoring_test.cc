#include <gtest/gtest.h>

#include <algorithm>

#include "scoring/answer_scorer.h"
#include "scoring/cutpoints.h"
#include "scoring/linear_model.h"
#include "scoring/ngram_vectorizer.h"
#include "scoring/ordinal_model.h"
#include "scoring/tokens.h"

namespace ag::scoring {
namespace {

TEST(Tokens, StemsAndReadsNegations) {
  EXPECT_EQ(StemmedWords("Cells divided, didn't they?"),
            (std::vector<std::string>{"cell", "divid", "didn", "not", "they"}));
  const auto content = ContentStems("The bulbs will not stay lit");
  EXPECT_EQ(content, (std::vector<std::string>{"bulb", "not", "stay", "lit"}));
}

TEST(NgramVectorizer, SimilarTextsAreCloserThanUnrelatedOnes) {
  NgramVectorizer v;
  const auto a = v.Transform("The mitochondria produce energy for the cell");
  const auto b = v.Transform("mitochondria make the energy of cells");
  const auto c = v.Transform("Vinegar dissolves limestone faster than marble");
  EXPECT_NEAR(a.Norm(), 1.0, 1e-5);
  EXPECT_GT(Dot(a, b), Dot(a, c) + 0.2);
}

TEST(NgramVectorizer, MisspellingsStillShareCharacterGrams) {
  NgramVectorizer v;
  const double misspelt = Dot(v.Transform("expirement"), v.Transform("experiment"));
  EXPECT_GT(misspelt, 0.15);  // the word block differs; half of the character block agrees
  EXPECT_GT(misspelt, 4 * Dot(v.Transform("expirement"), v.Transform("vinegar")));
}

TEST(LinearModel, SeparatesTwoClassesAndGivesProbabilities) {
  NgramVectorizer v;
  std::vector<SparseVector> rows;
  std::vector<double> y;
  const char* good[] = {"stays lit", "the bulbs stay lit", "they keep shining", "still lit"};
  const char* bad[] = {"all go out", "the bulbs go dark", "they stop shining", "everything off"};
  for (const char* t : good) rows.push_back(v.Transform(t)), y.push_back(1);
  for (const char* t : bad) rows.push_back(v.Transform(t)), y.push_back(0);
  LinearOptions o;
  o.c = 10;
  auto m = LinearModel::Train(rows, y, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->Predict(v.Transform("the bulbs stay lit")), 1);
  EXPECT_EQ(m->Predict(v.Transform("bulbs go out")), 0);
  const auto p = m->Probabilities(v.Transform("stay lit"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NEAR(p[0] + p[1], 1.0, 1e-9);
  EXPECT_GT(p[1], p[0]);
}

TEST(LinearModel, RejectsASingleClass) {
  NgramVectorizer v;
  auto m = LinearModel::Train({v.Transform("a"), v.Transform("b")}, {1, 1}, {});
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
}

TEST(Cutpoints, RestoreTheSpreadOfCompressedPredictions) {
  // Predictions squeezed into 0.8..2.2 for truths 0..3: midpoints would never say 0 or 3.
  const std::vector<double> truth = {0, 0, 1, 1, 2, 2, 3, 3};
  const std::vector<double> pred = {0.8, 0.9, 1.2, 1.3, 1.7, 1.8, 2.1, 2.2};
  const std::vector<double> levels = {0, 1, 2, 3};
  const auto cuts = TuneCutpoints(pred, truth, levels);
  ASSERT_EQ(cuts.size(), 3u);
  for (std::size_t i = 0; i < pred.size(); ++i) {
    EXPECT_EQ(ApplyCutpoints(pred[i], cuts, levels), truth[i]) << pred[i];
  }
}

TEST(OrdinalModel, RepeatsTheCrossValidationWhenExamplesAreFew) {
  const OrdinalOptions o;
  EXPECT_EQ(OrdinalModel::CrossValidationRepeats(50, o), 10u);
  EXPECT_EQ(OrdinalModel::CrossValidationRepeats(200, o), 5u);
  EXPECT_EQ(OrdinalModel::CrossValidationRepeats(1000, o), 1u);
  EXPECT_EQ(OrdinalModel::CrossValidationRepeats(13000, o), 1u);
  OrdinalOptions once;
  once.max_repeats = 1;
  EXPECT_EQ(OrdinalModel::CrossValidationRepeats(50, once), 1u);
}

TEST(OrdinalModel, TheSameExamplesGiveTheSameScores) {
  // Reshuffled folds must not make grading depend on anything but the examples.
  NgramVectorizer v;
  std::vector<SparseVector> rows;
  std::vector<double> targets;
  const char* words[] = {"lit", "parallel", "circuit", "current", "bulb", "dark"};
  for (int i = 0; i < 40; ++i) {
    const int level = i % 3;
    std::string text = "answer " + std::to_string(i);
    for (int w = 0; w <= level * 2; ++w) text += std::string(" ") + words[(i + w) % 6];
    rows.push_back(v.Transform(text));
    targets.push_back(level);
  }
  const std::vector<double> levels = {0, 1, 2};
  ASSERT_GT(OrdinalModel::CrossValidationRepeats(rows.size(), {}), 1u);
  auto a = OrdinalModel::Train(rows, targets, levels, {});
  auto b = OrdinalModel::Train(rows, targets, levels, {});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  for (const char* text : {"lit parallel circuit current", "dark", "bulb lit", ""}) {
    const auto x = v.Transform(text);
    EXPECT_EQ(a->Predict(x).value, b->Predict(x).value) << text;
    EXPECT_EQ(a->Predict(x).level, b->Predict(x).level) << text;
  }
  EXPECT_GT(a->Predict(v.Transform("lit parallel circuit current bulb")).value,
            a->Predict(v.Transform("answer")).value);
}

QuestionContext Bulbs() {
  return {"What happens to the other bulbs if the middle bulb burns out?",
          {"The other two bulbs stay lit because the circuit is parallel."},
          "2 points: says the bulbs stay lit and why; 1 point: says they stay lit",
          {}};
}

TEST(AnswerScorer, WithoutExamplesScoresByReferenceCoverage) {
  auto s = AnswerScorer::Build(Bulbs(), {}, {0, 2, {0, 1, 2}, false}, nullptr);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto full = s->Score("The other two bulbs stay lit because it is a parallel circuit.");
  const auto none = s->Score("I like turtles.");
  EXPECT_EQ(full.method, "reference-similarity");
  EXPECT_EQ(full.score, 2);
  EXPECT_EQ(none.score, 0);
  ASSERT_FALSE(full.references.empty());
  EXPECT_GT(full.references.front().recall, 0.7);
}

TEST(AnswerScorer, LearnsFromGradedExamplesOfTheQuestion) {
  std::vector<GradedExample> examples;
  const char* two[] = {"they stay lit since it is parallel", "stay on, the circuit is parallel",
                       "the bulbs keep shining because of the parallel circuit"};
  const char* one[] = {"the others stay lit", "they stay on", "the two bulbs keep shining"};
  const char* zero[] = {"they all go out", "every bulb turns off", "the bulbs go dark"};
  for (int r = 0; r < 4; ++r) {
    for (const char* t : two) examples.push_back({t + std::string(r ? " indeed" : ""), 1.0});
    for (const char* t : one) examples.push_back({t + std::string(r ? " indeed" : ""), 0.5});
    for (const char* t : zero) examples.push_back({t + std::string(r ? " indeed" : ""), 0.0});
  }
  ScorerOptions o;
  o.min_examples_for_question_model = 20;
  auto s = AnswerScorer::Build(Bulbs(), examples, {0, 2, {0, 1, 2}, false}, nullptr, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto p = s->Score("the bulbs go out");
  EXPECT_EQ(p.method, "question-model");
  EXPECT_EQ(p.score, 0);
  EXPECT_EQ(s->Score("they stay lit because the circuit is parallel").score, 2);
  EXPECT_FALSE(p.nearest.empty());
}

TEST(QuestionProfile, FeaturesFromSharedSimilaritiesAreTheSame) {
  const QuestionProfile profile(Bulbs(), {{"they stay lit, it is parallel", 1.0},
                                          {"the bulbs go out", 0.0},
                                          {"the others stay on", 0.5}});
  const auto answer = profile.Analyze("the other bulbs stay lit");
  const auto similarities = profile.Similarities(answer);
  EXPECT_EQ(profile.Features(answer, similarities, 1), profile.Features(answer, 1));
  const auto a = QuestionProfile::Nearest(similarities, 2, 1);
  const auto b = profile.Nearest(answer, 2, 1);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].example, b[i].example);
    EXPECT_NE(a[i].example, 1);  // excluded
  }
}

// The cross-question model is trained as if each question had few examples: an example whose
// similarity the caller made negative is not a neighbour.
TEST(QuestionProfile, AnExampleWithANegativeSimilarityIsNoNeighbour) {
  const QuestionProfile profile(Bulbs(), {{"they stay lit, it is parallel", 1.0},
                                          {"the bulbs go out", 0.0},
                                          {"the others stay on", 0.5}});
  const auto& names = RelationalFeatureNames();
  auto at = [&](const char* name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  const auto answer = profile.Analyze("they stay lit because it is parallel");
  auto similarities = profile.Similarities(answer);
  const auto all = profile.Features(answer, similarities, -1);
  EXPECT_EQ(all[at("neighbour_top_score")], 1.0);
  EXPECT_GT(all[at("nearest_full")], 0);

  similarities[0] = -1;
  const auto without = profile.Features(answer, similarities, -1);
  EXPECT_LT(without[at("neighbour_top_score")], 1.0);
  EXPECT_EQ(without[at("nearest_full")], 0);
  EXPECT_LT(without[at("neighbour_top")], all[at("neighbour_top")]);
  const auto nearest = QuestionProfile::Nearest(similarities, 3);
  ASSERT_EQ(nearest.size(), 2u);
  EXPECT_NE(nearest[0].example, 0);
  EXPECT_NE(nearest[1].example, 0);
}

TEST(AnswerScorer, FallsBackToTheCrossQuestionModel) {
  // Other questions teach that covering the reference earns the points.
  std::vector<GenericScorer::Question> others;
  const char* refs[] = {"water boils at one hundred degrees", "plants need sunlight to grow",
                        "iron rusts when exposed to oxygen and water"};
  for (const char* r : refs) {
    GenericScorer::Question q;
    q.context = {"question", {r}, "", {}};
    q.examples = {{r, 1.0},
                  {std::string(r) + " always", 1.0},
                  {"no idea", 0.0},
                  {"something unrelated entirely", 0.0}};
    others.push_back(q);
  }
  auto g = GenericScorer::Train(others, false);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto s = AnswerScorer::Build(Bulbs(), {}, {0, 2, {0, 1, 2}, false}, &*g);
  ASSERT_TRUE(s.ok());
  const auto good = s->Score("The other two bulbs stay lit because the circuit is parallel.");
  const auto bad = s->Score("no idea");
  EXPECT_EQ(good.method, "cross-question-model");
  EXPECT_GT(good.score, bad.score);
}

// Trained on questions that each had their answers as peers, the cross-question model still
// reads a question that has none yet (a new assignment's first submissions) as a model trained
// without peers would, not as an answer ranking last among peers it does not have.
TEST(GenericScorer, ReadsAQuestionWithoutPeersAsAModelTrainedWithoutPeers) {
  std::vector<GenericScorer::Question> pooled, plain;
  const char* refs[] = {"water boils at one hundred degrees", "plants need sunlight to grow",
                        "iron rusts when exposed to oxygen and water",
                        "the moon reflects light from the sun"};
  for (const char* r : refs) {
    GenericScorer::Question q;
    q.context = {"question", {r}, "", {}};
    q.examples = {{r, 1.0},
                  {std::string(r) + " always", 1.0},
                  {std::string(r).substr(0, 12), 0.5},
                  {"no idea", 0.0},
                  {"something unrelated entirely", 0.0}};
    plain.push_back(q);
    for (const auto& e : q.examples) q.context.peers.push_back(e.text);
    q.context.peers.push_back("i do not know");
    pooled.push_back(q);
  }
  auto with_peers = GenericScorer::Train(pooled, false);
  auto without_peers = GenericScorer::Train(plain, false);
  ASSERT_TRUE(with_peers.ok() && without_peers.ok());

  const QuestionProfile first_submissions(Bulbs(), {});
  ASSERT_FALSE(first_submissions.has_peers());
  double previous = -1;
  for (const char* text : {"no idea", "the circuit", "the other bulbs stay lit, it is parallel"}) {
    const auto answer = first_submissions.Analyze(text);
    const double value = with_peers->Predict(first_submissions, answer).value;
    EXPECT_EQ(value, without_peers->Predict(first_submissions, answer).value) << text;
    EXPECT_GT(value, previous) << text;
    previous = value;
  }
}

}  // namespace
}  // namespace ag::scoring
