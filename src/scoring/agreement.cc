#include "scoring/agreement.h"

#include <algorithm>
#include <cmath>

namespace ag::scoring {

double QuadraticWeightedKappa(const std::vector<int>& truth, const std::vector<int>& predicted,
                              int min, int max) {
  const int k = max - min + 1;
  const std::size_t n = std::min(truth.size(), predicted.size());
  if (n == 0 || k < 2) return 0;
  std::vector<double> observed(static_cast<std::size_t>(k * k), 0.0);
  std::vector<double> hist_t(static_cast<std::size_t>(k), 0.0),
      hist_p(static_cast<std::size_t>(k), 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const int t = std::clamp(truth[i], min, max) - min;
    const int p = std::clamp(predicted[i], min, max) - min;
    observed[static_cast<std::size_t>(t * k + p)] += 1;
    hist_t[static_cast<std::size_t>(t)] += 1;
    hist_p[static_cast<std::size_t>(p)] += 1;
  }
  double num = 0, den = 0;
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) {
      const double w = static_cast<double>((i - j) * (i - j)) / ((k - 1) * (k - 1));
      const double expected = hist_t[static_cast<std::size_t>(i)] *
                              hist_p[static_cast<std::size_t>(j)] / static_cast<double>(n);
      num += w * observed[static_cast<std::size_t>(i * k + j)];
      den += w * expected;
    }
  }
  return den == 0 ? (num == 0 ? 1.0 : 0.0) : 1.0 - num / den;
}

double FisherZMean(const std::vector<double>& kappas) {
  if (kappas.empty()) return 0;
  double sum = 0;
  for (double k : kappas) sum += std::atanh(std::clamp(k, -0.999, 0.999));
  return std::tanh(sum / static_cast<double>(kappas.size()));
}

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) return 0;
  return sxy / std::sqrt(sxx * syy);
}

double Rmse(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n == 0) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += (x[i] - y[i]) * (x[i] - y[i]);
  return std::sqrt(sum / static_cast<double>(n));
}

ClassAgreement Classification(const std::vector<int>& truth, const std::vector<int>& predicted,
                              int classes) {
  ClassAgreement out;
  const std::size_t n = std::min(truth.size(), predicted.size());
  if (n == 0 || classes < 1) return out;
  std::vector<double> tp(static_cast<std::size_t>(classes)), fp(tp), fn(tp), support(tp);
  int correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = static_cast<std::size_t>(truth[i]), p = static_cast<std::size_t>(predicted[i]);
    support[t] += 1;
    if (t == p) {
      ++correct;
      tp[t] += 1;
    } else {
      fp[p] += 1;
      fn[t] += 1;
    }
  }
  out.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  double macro = 0;
  int present = 0;
  for (std::size_t c = 0; c < static_cast<std::size_t>(classes); ++c) {
    const double precision = tp[c] + fp[c] > 0 ? tp[c] / (tp[c] + fp[c]) : 0;
    const double recall = tp[c] + fn[c] > 0 ? tp[c] / (tp[c] + fn[c]) : 0;
    const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    // Classes absent from both truth and predictions do not count (scikit-learn's convention).
    if (support[c] > 0 || fp[c] > 0) {
      macro += f1;
      ++present;
    }
    out.weighted_f1 += f1 * support[c] / static_cast<double>(n);
  }
  out.macro_f1 = present ? macro / present : 0;
  return out;
}

}  // namespace ag::scoring
