#include "scoring/latent_space.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace ag::scoring {
namespace {

// A dense matrix, row-major.
struct Matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<double> v;
  Matrix(std::size_t r, std::size_t c) : rows(r), cols(c), v(r * c, 0.0) {}
  double* row(std::size_t i) { return v.data() + i * cols; }
  const double* row(std::size_t i) const { return v.data() + i * cols; }
};

// The corpus with its terms renumbered 0..m-1.
struct Compact {
  std::vector<std::vector<std::pair<std::size_t, double>>> rows;
  std::vector<std::uint32_t> terms;  // compact index -> term
};

// Terms in at least two rows: a term of one answer says nothing about any other.
Compact CompactCorpus(const std::vector<SparseVector>& corpus) {
  std::unordered_map<std::uint32_t, int> df;
  for (const auto& r : corpus)
    for (const auto& [term, w] : r.entries) ++df[term];
  std::unordered_map<std::uint32_t, std::size_t> index;
  Compact c;
  for (const auto& [term, n] : df) {
    if (n >= 2) c.terms.push_back(term);
  }
  std::sort(c.terms.begin(), c.terms.end());  // a fixed order whatever the map's
  for (std::size_t i = 0; i < c.terms.size(); ++i) index[c.terms[i]] = i;
  for (const auto& r : corpus) {
    std::vector<std::pair<std::size_t, double>> row;
    for (const auto& [term, w] : r.entries) {
      auto it = index.find(term);
      if (it != index.end()) row.emplace_back(it->second, w);
    }
    c.rows.push_back(std::move(row));
  }
  return c;
}

// A * M (n x l) from M (m x l).
Matrix Times(const Compact& a, const Matrix& m) {
  Matrix out(a.rows.size(), m.cols);
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    double* o = out.row(i);
    for (const auto& [j, w] : a.rows[i]) {
      const double* r = m.row(j);
      for (std::size_t k = 0; k < m.cols; ++k) o[k] += w * r[k];
    }
  }
  return out;
}

// A^T * M (m x l) from M (n x l).
Matrix TransposeTimes(const Compact& a, const Matrix& m) {
  Matrix out(a.terms.size(), m.cols);
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const double* r = m.row(i);
    for (const auto& [j, w] : a.rows[i]) {
      double* o = out.row(j);
      for (std::size_t k = 0; k < m.cols; ++k) o[k] += w * r[k];
    }
  }
  return out;
}

// Orthonormal columns by modified Gram-Schmidt, run twice for accuracy; a column that is
// (numerically) dependent on the earlier ones becomes zero.
void Orthonormalize(Matrix& m) {
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t c = 0; c < m.cols; ++c) {
      for (std::size_t p = 0; p < c; ++p) {
        double dot = 0;
        for (std::size_t i = 0; i < m.rows; ++i) dot += m.row(i)[c] * m.row(i)[p];
        for (std::size_t i = 0; i < m.rows; ++i) m.row(i)[c] -= dot * m.row(i)[p];
      }
      double norm = 0;
      for (std::size_t i = 0; i < m.rows; ++i) norm += m.row(i)[c] * m.row(i)[c];
      norm = std::sqrt(norm);
      const double scale = norm > 1e-10 ? 1 / norm : 0;
      for (std::size_t i = 0; i < m.rows; ++i) m.row(i)[c] *= scale;
    }
  }
}

// Eigenvalues and eigenvectors (columns of `vectors`) of the symmetric matrix `s`, by cyclic
// Jacobi rotations; ample for the few dozen dimensions here.
void SymmetricEigen(Matrix s, std::vector<double>& values, Matrix& vectors) {
  const std::size_t n = s.rows;
  vectors = Matrix(n, n);
  for (std::size_t i = 0; i < n; ++i) vectors.row(i)[i] = 1;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, total = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        total += s.row(i)[j] * s.row(i)[j];
        if (i != j) off += s.row(i)[j] * s.row(i)[j];
      }
    if (off <= 1e-22 * total) break;
    for (std::size_t p = 0; p < n; ++p) {
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = s.row(p)[q];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (s.row(q)[q] - s.row(p)[p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), sn = t * c;
        for (std::size_t k = 0; k < n; ++k) {  // columns p and q
          const double kp = s.row(k)[p], kq = s.row(k)[q];
          s.row(k)[p] = c * kp - sn * kq;
          s.row(k)[q] = sn * kp + c * kq;
        }
        for (std::size_t k = 0; k < n; ++k) {  // rows p and q
          const double pk = s.row(p)[k], qk = s.row(q)[k];
          s.row(p)[k] = c * pk - sn * qk;
          s.row(q)[k] = sn * pk + c * qk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double kp = vectors.row(k)[p], kq = vectors.row(k)[q];
          vectors.row(k)[p] = c * kp - sn * kq;
          vectors.row(k)[q] = sn * kp + c * kq;
        }
      }
    }
  }
  values.resize(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = s.row(i)[i];
}

}  // namespace

LatentSpace LatentSpace::Fit(const std::vector<SparseVector>& corpus, int dimensions) {
  LatentSpace space;
  const Compact a = CompactCorpus(corpus);
  const std::size_t n = a.rows.size(), m = a.terms.size();
  const std::size_t want = static_cast<std::size_t>(std::max(0, dimensions));
  const std::size_t l = std::min({want + 10, n, m});
  if (want == 0 || l == 0) return space;

  // A random start (signs from mt19937's raw bits: the same on every platform), then subspace
  // iteration to sharpen the leading directions.
  std::mt19937 rng(20261129);
  Matrix omega(m, l);
  for (double& x : omega.v) x = (rng() & 1u) ? 1.0 : -1.0;
  Matrix y = Times(a, omega);
  Orthonormalize(y);
  for (int iteration = 0; iteration < 2; ++iteration) {
    Matrix z = TransposeTimes(a, y);
    Orthonormalize(z);
    y = Times(a, z);
    Orthonormalize(y);
  }
  // B = Y^T A, held transposed (m x l); B B^T = Bt^T Bt is small and symmetric.
  const Matrix bt = TransposeTimes(a, y);
  Matrix gram(l, l);
  for (std::size_t t = 0; t < m; ++t) {
    const double* r = bt.row(t);
    for (std::size_t i = 0; i < l; ++i)
      for (std::size_t j = 0; j < l; ++j) gram.row(i)[j] += r[i] * r[j];
  }
  std::vector<double> values;
  Matrix vectors(0, 0);
  SymmetricEigen(gram, values, vectors);
  std::vector<std::size_t> order(l);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t z) {
    return values[x] > values[z] || (values[x] == values[z] && x < z);
  });
  std::vector<std::size_t> kept;
  for (std::size_t i : order) {
    if (kept.size() == want || values[i] <= 1e-12 * values[order.front()]) break;
    kept.push_back(i);
  }
  space.dimensions_ = static_cast<int>(kept.size());
  // Right singular vectors: V = B^T W / sigma, one row per term.
  for (std::size_t t = 0; t < m; ++t) {
    std::vector<float> row(kept.size());
    const double* r = bt.row(t);
    for (std::size_t k = 0; k < kept.size(); ++k) {
      double v = 0;
      for (std::size_t i = 0; i < l; ++i) v += r[i] * vectors.row(i)[kept[k]];
      row[k] = static_cast<float>(v / std::sqrt(values[kept[k]]));
    }
    space.terms_.emplace(a.terms[t], std::move(row));
  }
  return space;
}

std::vector<double> LatentSpace::Project(const SparseVector& x) const {
  std::vector<double> out(static_cast<std::size_t>(dimensions_), 0.0);
  for (const auto& [term, w] : x.entries) {
    auto it = terms_.find(term);
    if (it == terms_.end()) continue;
    for (std::size_t k = 0; k < out.size(); ++k) out[k] += w * it->second[k];
  }
  double norm = 0;
  for (double v : out) norm += v * v;
  if (norm > 0) {
    norm = std::sqrt(norm);
    for (double& v : out) v /= norm;
  }
  return out;
}

}  // namespace ag::scoring
