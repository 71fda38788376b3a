// Latent semantic analysis of one question's answers: the leading singular directions of their
// n-gram vectors. Answers that say the same thing in different words share n-grams with the
// same other answers, so they land close in this space even when they share few n-grams with
// each other. Learnt from every answer to the question, graded or not, it lets a model trained
// on a few graded answers read the many ungraded ones' vocabulary.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "scoring/sparse_vector.h"

namespace ag::scoring {

class LatentSpace {
 public:
  // The `dimensions` leading right singular vectors of the matrix whose rows are `corpus`, by
  // randomized subspace iteration with a fixed seed (the same corpus gives the same space).
  // Fewer dimensions when the corpus has fewer rows or terms.
  static LatentSpace Fit(const std::vector<SparseVector>& corpus, int dimensions);

  // The coordinates of `x` in the space, scaled to unit length (zero when `x` shares no term
  // with the corpus).
  std::vector<double> Project(const SparseVector& x) const;

  int dimensions() const { return dimensions_; }

 private:
  int dimensions_ = 0;
  // Term -> its row of the right singular vectors (`dimensions_` values).
  std::unordered_map<std::uint32_t, std::vector<float>> terms_;
};

}  // namespace ag::scoring
