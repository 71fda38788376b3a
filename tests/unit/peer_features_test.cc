// The features an answer gets from the other answers to its question: its coordinates in their
// latent space, and its standing among them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "scoring/latent_space.h"
#include "scoring/peer_pool.h"
#include "scoring/question_profile.h"

namespace ag::scoring {
namespace {

SparseVector Vec(std::vector<std::pair<std::uint32_t, float>> entries) {
  return SparseVector{std::move(entries)};
}

double CosineOf(const std::vector<double>& a, const std::vector<double>& b) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / std::sqrt(na * nb);
}

// Rows that are combinations of two term patterns span two dimensions: projected onto the two
// leading singular directions they keep their angles exactly.
TEST(LatentSpace, KeepsTheAnglesOfRowsItSpansExactly) {
  const std::vector<std::pair<std::uint32_t, float>> p = {{1, 1}, {2, 2}, {5, 1}, {9, 3}};
  const std::vector<std::pair<std::uint32_t, float>> q = {{2, 1}, {3, 1}, {7, 2}, {9, -1}};
  auto mix = [&](double a, double b) {
    std::map<std::uint32_t, double> m;
    for (const auto& [t, w] : p) m[t] += a * w;
    for (const auto& [t, w] : q) m[t] += b * w;
    SparseVector v;
    for (const auto& [t, w] : m) v.entries.emplace_back(t, static_cast<float>(w));
    return v;
  };
  std::vector<SparseVector> corpus;
  const double weights[][2] = {{1, 0}, {0, 1}, {1, 1}, {2, -1}, {0.5, 3}, {-1, 2}};
  for (const auto& w : weights) corpus.push_back(mix(w[0], w[1]));
  const LatentSpace space = LatentSpace::Fit(corpus, 2);
  ASSERT_EQ(space.dimensions(), 2);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const auto zi = space.Project(corpus[i]);
    double norm = 0;
    for (double x : zi) norm += x * x;
    EXPECT_NEAR(norm, 1, 1e-6);
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_NEAR(CosineOf(zi, space.Project(corpus[j])), Cosine(corpus[i], corpus[j]), 1e-5)
          << i << " " << j;
    }
  }
}

// The point of it: two answers with no word in common, whose words other answers use together,
// come out close.
TEST(LatentSpace, BringsTogetherWordsThatOtherAnswersUseTogether) {
  // Terms: 1 "car", 2 "automobile", 3 "engine", 10 "banana", 11 "fruit", 12 "yellow".
  std::vector<SparseVector> corpus;
  for (int i = 0; i < 5; ++i) {
    corpus.push_back(Vec({{1, 1}, {2, 1}, {3, 1}}));
    corpus.push_back(Vec({{10, 1}, {11, 1}, {12, 1}}));
  }
  corpus.push_back(Vec({{1, 1}, {3, 1}}));
  corpus.push_back(Vec({{2, 1}, {3, 1}}));
  const LatentSpace space = LatentSpace::Fit(corpus, 2);
  const auto car = space.Project(Vec({{1, 1}}));
  const auto automobile = space.Project(Vec({{2, 1}}));
  const auto banana = space.Project(Vec({{10, 1}}));
  EXPECT_GT(CosineOf(car, automobile), 0.95);
  EXPECT_LT(std::abs(CosineOf(car, banana)), 0.1);
}

TEST(LatentSpace, IsTheSameForTheSameCorpusAndSmallWhenTheCorpusIs) {
  std::vector<SparseVector> corpus = {Vec({{1, 1}, {2, 1}}), Vec({{2, 1}, {3, 1}}),
                                      Vec({{1, 1}, {3, 1}})};
  const LatentSpace a = LatentSpace::Fit(corpus, 50);
  const LatentSpace b = LatentSpace::Fit(corpus, 50);
  EXPECT_LE(a.dimensions(), 3);  // no more directions than rows
  EXPECT_EQ(a.Project(corpus[0]), b.Project(corpus[0]));
  // A term of one row only is left out: it tells nothing about other answers.
  const LatentSpace c = LatentSpace::Fit({Vec({{1, 1}, {7, 1}}), Vec({{1, 1}})}, 5);
  const auto unknown = c.Project(Vec({{7, 1}}));
  EXPECT_TRUE(std::all_of(unknown.begin(), unknown.end(), [](double x) { return x == 0; }));
  EXPECT_EQ(LatentSpace::Fit({}, 5).dimensions(), 0);
}

PeerPool::Peer PeerWith(SparseVector v, double feature) { return {std::move(v), {}, {feature}}; }

TEST(PeerPool, RanksAnAnswerAmongItsPeers) {
  std::vector<PeerPool::Peer> peers;
  for (int i = 0; i < 4; ++i) peers.push_back(PeerWith(Vec({{1, 1}}), 0.1 * i));  // 0 .. 0.3
  const PeerPool pool(std::move(peers), {0});
  ASSERT_EQ(pool.size(), 4u);
  // Features: peer_top, peer_mean, peer_meaning, then the rank.
  EXPECT_EQ(pool.Features(Vec({{2, 1}}), {}, {0.9})[3], 1.0);
  EXPECT_EQ(pool.Features(Vec({{2, 1}}), {}, {-1})[3], 0.0);
  EXPECT_DOUBLE_EQ(pool.Features(Vec({{2, 1}}), {}, {0.15})[3], 0.5);
  EXPECT_DOUBLE_EQ(pool.Features(Vec({{2, 1}}), {}, {0.1})[3], 1.5 / 4);  // a tie counts half
  EXPECT_EQ(pool.Features(Vec({{2, 1}}), {}, {0.1}).size(), PeerPool::FeatureCount(1));
}

TEST(PeerPool, MeasuresHowTypicalAnAnswerIsLeavingItselfOut) {
  const float h = static_cast<float>(std::sqrt(0.5));
  std::vector<PeerPool::Peer> peers = {PeerWith(Vec({{1, 1}}), 0), PeerWith(Vec({{1, 1}}), 0),
                                       PeerWith(Vec({{1, h}, {2, h}}), 0),
                                       PeerWith(Vec({{3, 1}}), 0)};
  peers[0].embedding = {1, 0};
  peers[1].embedding = {1, 0};
  const PeerPool pool(std::move(peers), {});
  // The answer {1} is one of the peers: its own copy is left out, the other copy counts.
  const auto f = pool.Features(Vec({{1, 1}}), {0, 1}, {});
  EXPECT_NEAR(f[0], (1 + h + 0) / 3, 1e-6);  // top 5 = all three others
  EXPECT_NEAR(f[1], (1 + h + 0) / 3, 1e-6);
  EXPECT_NEAR(f[2], 0, 1e-9);  // orthogonal to the peers' mean sentence vector
  EXPECT_NEAR(pool.Features(Vec({{1, 1}}), {1, 0}, {})[2], 1, 1e-9);
}

TEST(QuestionProfile, ReadsAtMostTheMaximumOfPeersAndNoneBelowTheMinimum) {
  QuestionContext few{"Why?", {"Because the circuit is parallel."}, "", {}};
  for (std::size_t i = 0; i + 1 < kMinPeers; ++i)
    few.peers.push_back("parallel " + std::to_string(i));
  const QuestionProfile without(few, {});
  const auto a = without.Analyze("the circuit is parallel");
  const auto f = without.Features(a);
  ASSERT_EQ(f.size(), RelationalFeatureNames().size());
  const auto& names = RelationalFeatureNames();
  const auto peer_first =
      static_cast<std::size_t>(std::find(names.begin(), names.end(), "peer_top") - names.begin());
  ASSERT_LT(peer_first, names.size());
  EXPECT_EQ(names[peer_first + 3], "rank_reference_cosine");
  for (std::size_t i = peer_first; i < f.size(); ++i) EXPECT_EQ(f[i], 0) << i;

  QuestionContext many = few;
  many.peers.clear();
  // Every other answer is kept: alternately "parallel" and "no idea".
  for (std::size_t i = 0; i < kMaxPeers * 2 + 1; ++i)
    many.peers.push_back(i % 4 < 2 ? "it is parallel" : "no idea");
  const QuestionProfile with(many, {});
  EXPECT_EQ(with.context().peers.size(), kMaxPeers);
  const auto g = with.Features(with.Analyze("the circuit is parallel"));
  EXPECT_GT(g[peer_first], 0);        // similar to the "parallel" half
  EXPECT_GT(g[peer_first + 3], 0.4);  // its reference cosine ranks above the "no idea" half
}

// A trained model keeps its profile for scoring; what only training reads is let go, and no
// feature of a new answer changes for it.
TEST(QuestionProfile, ReleasingWhatOnlyTrainingReadsChangesNoFeature) {
  QuestionContext context{"Why does the bulb light?", {"The circuit is closed."}, "", {}};
  const std::vector<std::string> said = {"the circuit is closed", "a closed path",
                                         "the battery is new", "no idea", "it is a loop"};
  std::vector<GradedExample> examples;
  for (std::size_t i = 0; i < 20; ++i) {
    context.peers.push_back(said[i % said.size()] + " " + std::to_string(i));
    examples.push_back({said[(i * 3) % said.size()], i % 2 == 0 ? 1.0 : 0.0});
  }
  QuestionProfile profile(context, examples, {}, nullptr, nullptr, nullptr, 4);
  ASSERT_NE(profile.latent(), nullptr);
  const auto answer = profile.Analyze("the path is closed");
  const auto features = profile.Features(answer);
  const auto references = profile.ReferenceFeatures(answer);
  const auto latent = profile.latent()->Project(answer.vector);

  profile.ReleaseTrainingInputs();
  EXPECT_TRUE(profile.analyzed_examples().empty());
  EXPECT_TRUE(profile.context().peers.empty());
  EXPECT_EQ(profile.examples().size(), examples.size());  // their texts and scores stay
  EXPECT_EQ(profile.Features(answer), features);
  EXPECT_EQ(profile.ReferenceFeatures(answer), references);
  EXPECT_EQ(profile.latent()->Project(answer.vector), latent);
  EXPECT_EQ(profile.Nearest(answer, 3).size(), 3u);
}

}  // namespace
}  // namespace ag::scoring
