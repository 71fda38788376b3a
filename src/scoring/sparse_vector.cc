#include "scoring/sparse_vector.h"

#include <cmath>

namespace ag::scoring {

double SparseVector::Norm() const {
  double sum = 0;
  for (const auto& [i, v] : entries) sum += static_cast<double>(v) * v;
  return std::sqrt(sum);
}

void SparseVector::Normalize() {
  const double n = Norm();
  if (n == 0) return;
  for (auto& [i, v] : entries) v = static_cast<float>(v / n);
}

double Dot(const SparseVector& a, const SparseVector& b) {
  double sum = 0;
  auto i = a.entries.begin(), j = b.entries.begin();
  while (i != a.entries.end() && j != b.entries.end()) {
    if (i->first < j->first) {
      ++i;
    } else if (j->first < i->first) {
      ++j;
    } else {
      sum += static_cast<double>(i->second) * j->second;
      ++i, ++j;
    }
  }
  return sum;
}

double Cosine(const SparseVector& a, const SparseVector& b) {
  const double na = a.Norm(), nb = b.Norm();
  if (na == 0 || nb == 0) return 0;
  return Dot(a, b) / (na * nb);
}

void SparseIndex::Add(const SparseVector& v) {
  for (const auto& [f, w] : v.entries)
    postings_[f].emplace_back(static_cast<std::uint32_t>(size_), w);
  ++size_;
}

std::vector<double> SparseIndex::Dots(const SparseVector& v) const {
  std::vector<double> out(size_, 0.0);
  for (const auto& [f, w] : v.entries) {
    auto it = postings_.find(f);
    if (it == postings_.end()) continue;
    for (const auto& [i, x] : it->second) out[i] += static_cast<double>(w) * x;
  }
  return out;
}

}  // namespace ag::scoring
