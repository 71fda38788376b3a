#include "scoring/question_profile.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "scoring/tokens.h"

namespace ag::scoring {
namespace {

constexpr int kNeighbours = 5;

// The peer pool ranks an answer by these of its own features: its overlap and alignment with
// the references, question words, novelty, length, and closeness to the rubric (not the
// neighbour features, which depend on the graded examples, nor the two yes/no ones).
const std::vector<std::size_t> kRankedFeatures = {0, 1, 2, 3, 4, 5, 6, 7, 9, 17, 18, 19, 20, 21};

double Recall(const std::set<std::string>& answer, const std::set<std::string>& target) {
  if (target.empty()) return 0;
  int hit = 0;
  for (const auto& w : target) hit += answer.count(w) ? 1 : 0;
  return static_cast<double>(hit) / static_cast<double>(target.size());
}

bool HasNegation(const std::vector<std::string>& words) {
  return std::any_of(words.begin(), words.end(),
                     [](const std::string& w) { return IsNegation(w); });
}

double EmbeddingCosine(const QuestionProfile::Answer& a, const QuestionProfile::Answer& b) {
  if (a.embedding.size() != b.embedding.size()) return 0;
  double dot = 0;
  for (std::size_t i = 0; i < a.embedding.size(); ++i)
    dot += static_cast<double>(a.embedding[i]) * b.embedding[i];
  return dot;
}

// How much of `from`'s content (question words left out) `to` expresses: each word counts 1
// when its stem is in `to`, else its best word-vector cosine with a word of `to` (0 without
// vectors). `soft` false: exact stems only.
double Alignment(const QuestionProfile::Answer& from, const QuestionProfile::Answer& to,
                 const std::set<std::string>& question, bool soft) {
  double sum = 0;
  int n = 0;
  for (std::size_t i = 0; i < from.tokens.size(); ++i) {
    if (question.count(from.tokens[i].stem)) continue;
    ++n;
    if (to.stems.count(from.tokens[i].stem)) {
      sum += 1;
      continue;
    }
    if (!soft || i >= from.word_units.size() || from.word_units[i].empty()) continue;
    double best = 0;
    for (const auto& u : to.word_units) {
      if (u.size() != from.word_units[i].size()) continue;
      double dot = 0;
      for (std::size_t d = 0; d < u.size(); ++d)
        dot += static_cast<double>(u[d]) * from.word_units[i][d];
      best = std::max(best, dot);
    }
    sum += best;
  }
  return n ? sum / n : 0;
}

}  // namespace

const std::vector<std::string>& RelationalFeatureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> own = {"reference_cosine",
                                    "reference_recall",
                                    "reference_precision",
                                    "references_covered",
                                    "question_overlap",
                                    "novel_words",
                                    "length",
                                    "length_ratio",
                                    "negation_mismatch",
                                    "rubric_cosine",
                                    "has_examples",
                                    "neighbour_mean",
                                    "neighbour_top",
                                    "neighbour_top_score",
                                    "example_prior",
                                    "nearest_full",
                                    "nearest_zero",
                                    "reference_meaning",
                                    "new_recall",
                                    "new_precision",
                                    "soft_recall",
                                    "soft_precision",
                                    "opposes_reference"};
    std::vector<std::string> all = own;
    all.insert(all.end(), {"peer_top", "peer_mean", "peer_meaning"});
    for (std::size_t i : kRankedFeatures) all.push_back("rank_" + own[i]);
    return all;
  }();
  return names;
}

QuestionProfile::QuestionProfile(QuestionContext context, std::vector<GradedExample> examples,
                                 NgramOptions options, Embedder* embedder,
                                 const WordVectors* word_vectors, const Antonyms* antonyms,
                                 int latent_dimensions)
    : context_(std::move(context)),
      examples_(std::move(examples)),
      vectorizer_(options),
      embedder_(embedder),
      word_vectors_(word_vectors),
      antonyms_(antonyms) {
  std::vector<TermCounts> corpus;
  corpus.push_back(vectorizer_.Count(context_.question));
  for (const auto& r : context_.references) corpus.push_back(vectorizer_.Count(r));
  for (const auto& e : examples_) corpus.push_back(vectorizer_.Count(e.text));
  vectorizer_.Fit(corpus);

  question_ = Analyze(context_.question);
  rubric_ = Analyze(context_.rubric);
  for (const auto& r : context_.references) references_.push_back(Analyze(r));
  analyzed_examples_.reserve(examples_.size());
  double sum = 0;
  for (const auto& e : examples_) {
    analyzed_examples_.push_back(Analyze(e.text));
    sum += e.normalized;
  }
  if (!examples_.empty()) prior_ = sum / static_cast<double>(examples_.size());
  for (const auto& a : analyzed_examples_) examples_index_.Add(a.vector);
  const std::size_t n = context_.peers.size();
  if (n > kMaxPeers) {  // an even sample, kept as the context's peers
    std::vector<std::string> sample;
    sample.reserve(kMaxPeers);
    for (std::size_t i = 0; i < kMaxPeers; ++i)
      sample.push_back(std::move(context_.peers[i * n / kMaxPeers]));
    context_.peers = std::move(sample);
  }
  if (context_.peers.size() >= kMinPeers) {
    const std::vector<double> no_similarities(analyzed_examples_.size(), 0.0);
    const std::uint32_t chars = vectorizer_.dimension() / 2;
    // Peers are often graded examples too (the cross-question model's are): analysed once.
    std::unordered_map<std::string_view, std::size_t> example_of;
    for (std::size_t i = 0; i < examples_.size(); ++i) example_of.emplace(examples_[i].text, i);
    auto words = [&](SparseVector v) {
      std::erase_if(v.entries, [&](const auto& e) { return e.first >= chars; });
      return v;
    };
    // The latent space reads the word n-grams only: as good as both blocks here, and a
    // fraction of the terms to keep.
    std::vector<SparseVector> latent_corpus;
    if (latent_dimensions > 0) {
      latent_corpus.reserve(analyzed_examples_.size() + context_.peers.size());
      for (const auto& a : analyzed_examples_) latent_corpus.push_back(words(a.vector));
    }
    std::vector<PeerPool::Peer> peers;
    peers.reserve(context_.peers.size());
    for (const auto& text : context_.peers) {
      auto known = example_of.find(text);
      Answer a = known != example_of.end() ? analyzed_examples_[known->second] : Analyze(text);
      std::vector<double> features = OwnFeatures(a, no_similarities, -1);
      // Similarity with the peers by word n-grams only: as good as with characters too on the
      // datasets here, and a fraction of a grade's time.
      a.vector = words(std::move(a.vector));
      if (latent_dimensions > 0) latent_corpus.push_back(a.vector);
      peers.push_back({std::move(a.vector), std::move(a.embedding), std::move(features)});
    }
    peers_.emplace(std::move(peers), kRankedFeatures);
    if (latent_dimensions > 0) latent_.emplace(LatentSpace::Fit(latent_corpus, latent_dimensions));
  }
}

void QuestionProfile::ReleaseTrainingInputs() {
  std::vector<Answer>().swap(analyzed_examples_);
  std::vector<std::string>().swap(context_.peers);
}

QuestionProfile::Answer QuestionProfile::Analyze(std::string_view text) const {
  Answer a;
  a.counts = vectorizer_.Count(text);
  a.vector = vectorizer_.Transform(a.counts);
  a.words = StemmedWords(text);
  a.tokens = ContentTokens(text);
  for (const auto& t : a.tokens) a.stems.insert(t.stem);
  if (word_vectors_) {
    const auto dim = static_cast<std::size_t>(word_vectors_->dimension());
    for (const auto& t : a.tokens) {
      std::vector<float> v;
      const std::int64_t rank = word_vectors_->Find(t.word);
      if (rank >= 0) {
        v.assign(dim, 0.0f);
        word_vectors_->AddTo(static_cast<std::size_t>(rank), 1.0f, v.data());
        double n = 0;
        for (float x : v) n += static_cast<double>(x) * x;
        n = std::sqrt(n);
        if (n > 0)
          for (float& x : v) x = static_cast<float>(x / n);
        else
          v.clear();
      }
      a.word_units.push_back(std::move(v));
    }
  }
  if (embedder_) {
    auto e = embedder_->Embed({std::string(text)});
    if (e.ok() && !e->empty()) a.embedding = std::move(e->front());
  }
  return a;
}

std::vector<double> QuestionProfile::ReferenceFeatures(const Answer& answer) const {
  std::vector<double> out;
  out.reserve(references_.size() * 3 + answer.embedding.size());
  for (const auto& r : references_) {
    out.push_back(Dot(answer.vector, r.vector));
    out.push_back(Recall(answer.stems, r.stems));
    out.push_back(EmbeddingCosine(answer, r));
  }
  // The answer's own sentence vector: lets a per-question model learn what good answers mean,
  // beyond the words they use.
  for (float x : answer.embedding) out.push_back(x);
  return out;
}

std::optional<std::pair<std::string, std::string>> QuestionProfile::Contradiction(
    const Answer& answer) const {
  if (!antonyms_) return std::nullopt;
  for (const auto& r : references_) {
    for (const auto& t : answer.tokens) {
      if (r.stems.count(t.stem)) continue;
      for (const auto& opposite : antonyms_->OppositesOf(t.stem)) {
        if (!r.stems.count(opposite) || answer.stems.count(opposite)) continue;
        for (const auto& rt : r.tokens) {
          if (rt.stem == opposite) return std::make_pair(t.word, rt.word);
        }
      }
    }
  }
  return std::nullopt;
}

std::vector<ReferenceMatch> QuestionProfile::MatchReferences(const Answer& answer) const {
  std::vector<ReferenceMatch> out;
  for (std::size_t i = 0; i < references_.size(); ++i) {
    out.push_back({static_cast<int>(i), Recall(answer.stems, references_[i].stems)});
  }
  std::stable_sort(out.begin(), out.end(), [](const ReferenceMatch& a, const ReferenceMatch& b) {
    return a.recall > b.recall;
  });
  return out;
}

std::vector<double> QuestionProfile::Similarities(const Answer& answer) const {
  return examples_index_.Dots(answer.vector);
}

namespace {

std::vector<QuestionProfile::Neighbour> TopK(const std::vector<double>& sims, int k, int exclude) {
  std::vector<QuestionProfile::Neighbour> all;
  all.reserve(sims.size());
  for (std::size_t i = 0; i < sims.size(); ++i) {
    // A negative similarity marks an example the caller leaves out (cosines here are >= 0).
    if (static_cast<int>(i) != exclude && sims[i] >= 0)
      all.push_back({static_cast<int>(i), sims[i]});
  }
  const std::size_t keep = std::min(all.size(), static_cast<std::size_t>(k));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    [](const QuestionProfile::Neighbour& a, const QuestionProfile::Neighbour& b) {
                      return a.similarity != b.similarity ? a.similarity > b.similarity
                                                          : a.example < b.example;
                    });
  all.resize(keep);
  return all;
}

}  // namespace

std::vector<QuestionProfile::Neighbour> QuestionProfile::Nearest(const Answer& answer, int k,
                                                                 int exclude) const {
  return TopK(Similarities(answer), k, exclude);
}

std::vector<QuestionProfile::Neighbour> QuestionProfile::Nearest(
    const std::vector<double>& similarities, int k, int exclude) {
  return TopK(similarities, k, exclude);
}

std::vector<double> QuestionProfile::Features(const Answer& answer, int exclude) const {
  return Features(answer, Similarities(answer), exclude);
}

std::vector<double> QuestionProfile::Features(const Answer& answer, const std::vector<double>& sims,
                                              int exclude) const {
  std::vector<double> f = OwnFeatures(answer, sims, exclude);
  if (peers_) {
    const std::vector<double> standing = peers_->Features(answer.vector, answer.embedding, f);
    f.insert(f.end(), standing.begin(), standing.end());
  } else {
    f.resize(f.size() + PeerPool::FeatureCount(kRankedFeatures.size()), 0.0);
  }
  return f;
}

std::vector<double> QuestionProfile::OwnFeatures(const Answer& answer,
                                                 const std::vector<double>& sims,
                                                 int exclude) const {
  double ref_cos = 0, ref_recall = 0, ref_precision = 0, covered = 0, meaning = 0;
  double new_recall = 0, new_precision = 0, soft_recall = 0, soft_precision = 0;
  std::set<std::string> reference_words;
  bool reference_negated = false;
  const bool opposes = Contradiction(answer).has_value();
  for (const auto& r : references_) {
    ref_cos = std::max(ref_cos, Dot(answer.vector, r.vector));
    meaning = std::max(meaning, EmbeddingCosine(answer, r));
    // "Question demotion": words the question already gives away say nothing.
    new_recall = std::max(new_recall, Alignment(r, answer, question_.stems, false));
    new_precision = std::max(new_precision, Alignment(answer, r, question_.stems, false));
    if (word_vectors_) {
      soft_recall = std::max(soft_recall, Alignment(r, answer, question_.stems, true));
      soft_precision = std::max(soft_precision, Alignment(answer, r, question_.stems, true));
    }
    const double recall = Recall(answer.stems, r.stems);
    ref_recall = std::max(ref_recall, recall);
    ref_precision = std::max(ref_precision, Recall(r.stems, answer.stems));
    if (recall >= 0.5) covered += 1;
    reference_words.insert(r.stems.begin(), r.stems.end());
    reference_negated = reference_negated || HasNegation(r.words);
  }
  double in_question = 0, novel = 0;
  for (const auto& w : answer.stems) {
    const bool q = question_.stems.count(w) > 0;
    in_question += q ? 1 : 0;
    novel += (!q && !reference_words.count(w)) ? 1 : 0;
  }
  const double n_stems = static_cast<double>(std::max<std::size_t>(1, answer.stems.size()));
  double reference_length = 0;
  for (const auto& r : references_) reference_length += static_cast<double>(r.stems.size());
  if (!references_.empty()) reference_length /= static_cast<double>(references_.size());
  const double length_ratio =
      reference_length > 0
          ? std::min(2.0, static_cast<double>(answer.stems.size()) / reference_length) / 2
          : 0;

  std::vector<double> f = {
      ref_cos,
      ref_recall,
      ref_precision,
      std::min(5.0, covered) / 5,
      in_question / n_stems,
      novel / n_stems,
      std::min(1.0, std::log1p(static_cast<double>(answer.words.size())) / 5),
      length_ratio,
      (HasNegation(answer.words) != reference_negated) ? 1.0 : 0.0,
      Dot(answer.vector, rubric_.vector),
  };

  const auto near = TopK(sims, kNeighbours, exclude);
  double prior = prior_;
  if (exclude >= 0 && examples_.size() > 1) {
    const double n = static_cast<double>(examples_.size());
    prior = (prior_ * n - examples_[static_cast<std::size_t>(exclude)].normalized) / (n - 1);
  }
  if (near.empty()) {
    f.insert(f.end(), {0, 0, 0, 0, prior, 0, 0, meaning, new_recall, new_precision, soft_recall,
                       soft_precision, opposes ? 1.0 : 0.0});
    return f;
  }
  double weight = 0, mean = 0;
  for (const auto& n : near) {
    const double w = std::max(1e-3, n.similarity);
    weight += w;
    mean += w * examples_[static_cast<std::size_t>(n.example)].normalized;
  }
  double nearest_full = 0, nearest_zero = 0;
  for (std::size_t i = 0; i < examples_.size(); ++i) {
    if (static_cast<int>(i) == exclude) continue;
    const double s = sims[i];
    if (examples_[i].normalized >= 0.999) nearest_full = std::max(nearest_full, s);
    if (examples_[i].normalized <= 0.001) nearest_zero = std::max(nearest_zero, s);
  }
  f.insert(f.end(), {1.0, mean / weight, near.front().similarity,
                     examples_[static_cast<std::size_t>(near.front().example)].normalized, prior,
                     nearest_full, nearest_zero, meaning, new_recall, new_precision, soft_recall,
                     soft_precision, opposes ? 1.0 : 0.0});
  return f;
}

}  // namespace ag::scoring
