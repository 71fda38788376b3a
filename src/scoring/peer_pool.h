// How an answer stands among the other answers to the same question, graded or not. Questions
// differ in how close their good answers come to the reference (a long reference is never
// fully recalled; some questions give their key words away), so a raw overlap means different
// things on different questions. Its rank among the question's own answers means the same
// everywhere, which is what a model trained on other questions needs. How typical the answer
// is of its peers helps too: right answers tend to agree with each other, wrong ones differ.
#pragma once

#include <cstddef>
#include <vector>

#include "scoring/sparse_vector.h"

namespace ag::scoring {

class PeerPool {
 public:
  struct Peer {
    SparseVector vector;           // n-gram TF-IDF (an answer matches on these terms only)
    std::vector<float> embedding;  // sentence vector, unit length; may be empty
    std::vector<double> features;  // the relational features the pool ranks answers by
  };
  // `ranked`: indices into each peer's (and each answer's) features to rank by.
  PeerPool(std::vector<Peer> peers, std::vector<std::size_t> ranked);

  // The mean cosine of the answer with its 5 most similar peers and with all of them (an even
  // sample of at most 128 when there are more), the
  // cosine of its sentence vector with the peers' mean one, then for each ranked feature the
  // share of peers below the answer (ties count half). A peer identical to the answer (the
  // answer itself, when the pool holds it) is left out of the similarities.
  std::vector<double> Features(const SparseVector& vector, const std::vector<float>& embedding,
                               const std::vector<double>& features) const;

  std::size_t size() const { return size_; }
  // How many values Features() returns for `ranked` features.
  static std::size_t FeatureCount(std::size_t ranked) { return 3 + ranked; }

 private:
  std::size_t size_ = 0;
  std::vector<std::size_t> ranked_;
  std::vector<std::vector<double>> sorted_;  // per ranked feature: the peers' values, ascending
  SparseIndex similar_;                      // the sample of peers the similarities are taken with
  std::vector<double> centroid_;             // unit length; empty without sentence vectors
};

}  // namespace ag::scoring
