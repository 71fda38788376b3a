// What the local grader knows about one question (one rubric criterion): its text, the
// reference answers and key elements, and the graded examples, each as n-gram vectors and
// stem sets. From it come the question-agnostic "relational" features of an answer — how close
// it is to the references, to the question, to graded examples — that a model trained on other
// questions can still read.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rag/embedder.h"
#include "rag/word_vectors.h"
#include "scoring/antonyms.h"
#include "scoring/latent_space.h"
#include "scoring/ngram_vectorizer.h"
#include "scoring/peer_pool.h"
#include "scoring/tokens.h"

namespace ag::scoring {

struct QuestionContext {
  std::string question;
  std::vector<std::string> references;  // reference answers, key elements, acceptable answers
  std::string rubric;                   // the criterion's description and level descriptors
  // The answers students gave to the question, graded or not (the answer being scored may be
  // among them): an answer is ranked among them (scoring/peer_pool.h). A profile keeps at most
  // kMaxPeers, evenly spaced; fewer than kMinPeers are ignored.
  std::vector<std::string> peers;
};

inline constexpr std::size_t kMaxPeers = 1000;
inline constexpr std::size_t kMinPeers = 5;

struct GradedExample {
  std::string text;
  double normalized = 0;  // points / max points, 0..1
};

// Names of the relational features, in the order Features() returns them.
const std::vector<std::string>& RelationalFeatureNames();
// Where "example_prior" (the mean score of the other graded examples) sits among them.
inline constexpr std::size_t kExamplePriorFeature = 14;
// Where the features from the peers begin (peer_top), after the answer's own.
inline constexpr std::size_t kFirstPeerFeature = 23;

struct ReferenceMatch {
  int reference = -1;  // index into QuestionContext::references
  double recall = 0;   // share of the reference's content words the answer has
};

class QuestionProfile {
 public:
  // `embedder` (may be null) adds a sentence vector to each analysed text; `word_vectors` and
  // `antonyms` (may be null) feed the soft-alignment and contradiction features. They must
  // outlive the profile. `latent_dimensions` > 0 fits a latent space of that many dimensions
  // to the word n-grams of the examples and the peers (none with fewer than kMinPeers peers).
  QuestionProfile(QuestionContext context, std::vector<GradedExample> examples,
                  NgramOptions options = {}, Embedder* embedder = nullptr,
                  const WordVectors* word_vectors = nullptr, const Antonyms* antonyms = nullptr,
                  int latent_dimensions = 0);

  struct Answer {
    TermCounts counts;
    SparseVector vector;
    std::set<std::string> stems;
    std::vector<std::string> words;
    std::vector<float> embedding;  // empty without an embedder
    // Content words (stop words dropped), their stems, and their unit word vectors (empty for
    // a word the vectors do not know, or without word vectors).
    std::vector<ContentToken> tokens;
    std::vector<std::vector<float>> word_units;
  };
  Answer Analyze(std::string_view text) const;

  // Relational features of `answer` (then its standing among the peers, zeros without a pool);
  // `exclude` is an example index to leave out of the
  // neighbour features (training on an example must not see its own grade).
  std::vector<double> Features(const Answer& answer, int exclude = -1) const;
  // The same from `similarities`, Similarities(answer) computed once by a caller that also
  // wants the nearest examples. An example whose similarity the caller made negative is left
  // out of the neighbour features, as if the question did not have it.
  std::vector<double> Features(const Answer& answer, const std::vector<double>& similarities,
                               int exclude) const;

  // Per reference: its cosine with the answer and the share of its content words the answer
  // has. A per-question model learns which references (key elements) earn points.
  std::vector<double> ReferenceFeatures(const Answer& answer) const;

  // A word of the answer whose opposite a reference uses (and the answer does not), and that
  // opposite, as the texts spell them: {"decreases", "increases"}. Nullopt without antonyms.
  std::optional<std::pair<std::string, std::string>> Contradiction(const Answer& answer) const;

  // References the answer covers, best first.
  std::vector<ReferenceMatch> MatchReferences(const Answer& answer) const;

  struct Neighbour {
    int example = -1;
    double similarity = 0;
  };
  std::vector<Neighbour> Nearest(const Answer& answer, int k, int exclude = -1) const;
  static std::vector<Neighbour> Nearest(const std::vector<double>& similarities, int k,
                                        int exclude = -1);

  // The cosine of `answer` with every graded example, by example index.
  std::vector<double> Similarities(const Answer& answer) const;

  // Frees what only training reads: the examples' analyses (n-gram counts, stems, word vectors:
  // most of a profile's memory) and the peers' texts. Scoring needs neither; it reads the
  // examples' index and scores. analyzed_examples() and context().peers are empty afterwards.
  void ReleaseTrainingInputs();

  // Whether the features include the answer's standing among its peers (enough of them were
  // given); without, those features are zeros.
  bool has_peers() const { return peers_.has_value(); }

  const QuestionContext& context() const { return context_; }
  const std::vector<GradedExample>& examples() const { return examples_; }
  const std::vector<Answer>& analyzed_examples() const { return analyzed_examples_; }
  // Null unless the constructor was asked for one and had the peers to fit it.
  const LatentSpace* latent() const { return latent_ ? &*latent_ : nullptr; }

 private:
  QuestionContext context_;
  std::vector<GradedExample> examples_;
  NgramVectorizer vectorizer_;
  Embedder* embedder_ = nullptr;
  const WordVectors* word_vectors_ = nullptr;
  const Antonyms* antonyms_ = nullptr;
  std::vector<Answer> references_;
  Answer question_;
  Answer rubric_;
  std::vector<Answer> analyzed_examples_;
  // Similarities with all examples cost the examples' share of the answer's features, not one
  // merge per example.
  SparseIndex examples_index_;
  double prior_ = 0.5;
  std::optional<PeerPool> peers_;
  std::optional<LatentSpace> latent_;

  // The features that do not depend on the peers.
  std::vector<double> OwnFeatures(const Answer& answer, const std::vector<double>& similarities,
                                  int exclude) const;
};

}  // namespace ag::scoring
