// Agreement between a grader and human graders, as the short-answer scoring literature reports
// it: quadratic weighted kappa (and its Fisher-z mean over questions), Pearson r and RMSE for
// scores, accuracy and macro / weighted F1 for labels.
#pragma once

#include <vector>

namespace ag::scoring {

// Scores are integers in [min, max]. 1 is perfect agreement, 0 chance; 0 when undefined.
double QuadraticWeightedKappa(const std::vector<int>& truth, const std::vector<int>& predicted,
                              int min, int max);

// tanh(mean(atanh(k))), each kappa clipped to +-0.999 (the ASAP-SAS convention).
double FisherZMean(const std::vector<double>& kappas);

// 0 when either side has no variance.
double Pearson(const std::vector<double>& x, const std::vector<double>& y);
double Rmse(const std::vector<double>& x, const std::vector<double>& y);

struct ClassAgreement {
  double accuracy = 0;
  double macro_f1 = 0;
  double weighted_f1 = 0;  // F1 per class weighted by its share of the true labels
};
// Labels are 0..classes-1.
ClassAgreement Classification(const std::vector<int>& truth, const std::vector<int>& predicted,
                              int classes);

}  // namespace ag::scoring
