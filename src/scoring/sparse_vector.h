// A sparse vector of hashed features, sorted by index with no duplicates.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ag::scoring {

struct SparseVector {
  std::vector<std::pair<std::uint32_t, float>> entries;

  double Norm() const;
  void Normalize();  // to unit length; a zero vector stays zero
};

double Dot(const SparseVector& a, const SparseVector& b);

// Dot products of a vector with many stored ones at the cost of their shared features only
// (an inverted index: feature -> the stored vectors that have it).
class SparseIndex {
 public:
  void Add(const SparseVector& v);                        // the next index, size()
  std::vector<double> Dots(const SparseVector& v) const;  // by stored index
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
  std::unordered_map<std::uint32_t, std::vector<std::pair<std::uint32_t, float>>> postings_;
};
double Cosine(const SparseVector& a, const SparseVector& b);

}  // namespace ag::scoring
