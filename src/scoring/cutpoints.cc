#include "scoring/cutpoints.h"

#include <algorithm>
#include <cmath>

#include "scoring/agreement.h"

namespace ag::scoring {
namespace {

int LevelIndex(double value, const std::vector<double>& levels) {
  int best = 0;
  for (std::size_t i = 1; i < levels.size(); ++i) {
    if (std::abs(levels[i] - value) < std::abs(levels[static_cast<std::size_t>(best)] - value)) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

int CutIndex(double value, const std::vector<double>& cuts) {
  return static_cast<int>(std::upper_bound(cuts.begin(), cuts.end(), value) - cuts.begin());
}

}  // namespace

std::vector<double> TuneCutpoints(const std::vector<double>& predicted,
                                  const std::vector<double>& truth,
                                  const std::vector<double>& levels) {
  std::vector<double> cuts;
  for (std::size_t i = 0; i + 1 < levels.size(); ++i)
    cuts.push_back((levels[i] + levels[i + 1]) / 2);
  if (cuts.empty() || predicted.size() != truth.size() || predicted.empty()) return cuts;

  std::vector<int> t;
  for (double v : truth) t.push_back(LevelIndex(v, levels));
  const int top = static_cast<int>(levels.size()) - 1;
  std::vector<int> p(predicted.size());
  auto kappa = [&](const std::vector<double>& c) {
    for (std::size_t i = 0; i < predicted.size(); ++i) p[i] = CutIndex(predicted[i], c);
    return QuadraticWeightedKappa(t, p, 0, top);
  };
  double best = kappa(cuts);
  constexpr int kSteps = 40;
  for (int pass = 0; pass < 3; ++pass) {
    for (std::size_t j = 0; j < cuts.size(); ++j) {
      const double lo = j == 0 ? levels.front() - 0.5 : cuts[j - 1];
      const double hi = j + 1 == cuts.size() ? levels.back() + 0.5 : cuts[j + 1];
      const double keep = cuts[j];
      double best_value = keep;
      for (int s = 1; s < kSteps; ++s) {
        cuts[j] = lo + (hi - lo) * s / kSteps;
        const double k = kappa(cuts);
        if (k > best + 1e-12) {
          best = k;
          best_value = cuts[j];
        }
      }
      cuts[j] = best_value;
    }
  }
  return cuts;
}

double ApplyCutpoints(double value, const std::vector<double>& cuts,
                      const std::vector<double>& levels) {
  if (levels.empty()) return value;
  const int i = std::min(CutIndex(value, cuts), static_cast<int>(levels.size()) - 1);
  return levels[static_cast<std::size_t>(i)];
}

}  // namespace ag::scoring
