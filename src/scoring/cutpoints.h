// Ordinal scores from a continuous prediction. Rounding an expected score to the nearest level
// crowds predictions into the middle levels; cut points tuned on held-out predictions restore
// the spread of the human scores, which is what quadratic weighted kappa rewards.
#pragma once

#include <vector>

namespace ag::scoring {

// Cut points (levels.size() - 1 of them, ascending) that maximise the QWK of `predicted`
// (continuous, in level units) against `truth` (each one of `levels`, ascending).
std::vector<double> TuneCutpoints(const std::vector<double>& predicted,
                                  const std::vector<double>& truth,
                                  const std::vector<double>& levels);

// The level whose interval holds `value`.
double ApplyCutpoints(double value, const std::vector<double>& cuts,
                      const std::vector<double>& levels);

}  // namespace ag::scoring
