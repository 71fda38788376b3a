// Hashed n-gram TF-IDF, the lexical view of an answer: word n-grams of the stemmed words and
// character n-grams inside word boundaries (robust to misspellings, which short student answers
// are full of). Features are hashed into a fixed space, so a model needs no vocabulary file.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scoring/sparse_vector.h"

namespace ag::scoring {

struct NgramOptions {
  int word_min = 1, word_max = 2;
  int char_min = 2, char_max = 5;
  int hash_bits = 18;  // per block: words in [0, 2^bits), characters in [2^bits, 2^(bits+1))
};

using TermCounts = std::unordered_map<std::uint32_t, float>;

class NgramVectorizer {
 public:
  explicit NgramVectorizer(NgramOptions options = {}) : options_(options) {}

  // Raw n-gram counts of a text, in both blocks.
  TermCounts Count(std::string_view text) const;

  // Learns inverse document frequencies from a corpus (smoothed: ln((1+n)/(1+df)) + 1).
  void Fit(const std::vector<TermCounts>& corpus);

  // Sublinear TF-IDF, each block normalized to unit length (so the two blocks weigh alike).
  SparseVector Transform(const TermCounts& counts) const;
  SparseVector Transform(std::string_view text) const { return Transform(Count(text)); }

  // One past the largest feature index.
  std::uint32_t dimension() const { return 2u << options_.hash_bits; }

 private:
  NgramOptions options_;
  std::unordered_map<std::uint32_t, float> idf_;
  float default_idf_ = 1;
};

}  // namespace ag::scoring
