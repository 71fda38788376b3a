// A sparse vector of hashed features, sorted by index with no duplicates.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace ag::scoring {

struct SparseVector {
  std::vector<std::pair<std::uint32_t, float>> entries;

  double Norm() const;
  void Normalize();  // to unit length; a zero vector stays zero
};

double Dot(const SparseVector& a, const SparseVector& b);
double Cosine(const SparseVector& a, const SparseVector& b);

}  // namespace ag::scoring
