// A model for ordinal scores (0..3 points): the mean of three linear views of the answer —
// the expectation of a multinomial classifier, the expectation of cumulative "above level j"
// classifiers, and a regression — cut into levels at thresholds tuned on out-of-fold
// predictions (repeated cross-validation when there are few examples), so that the predicted
// levels spread like the human ones.
#pragma once

#include <optional>
#include <vector>

#include "core/status.h"
#include "scoring/linear_model.h"

namespace ag::scoring {

struct OrdinalOptions {
  double classifier_c = 10;
  double regression_c = 1;
  double regression_epsilon = 0.1;
  bool multinomial = true;
  bool cumulative = false;  // measured on ASAP-SAS: no better than the other two (docs/quality.md)
  bool regression = true;
  int folds = 5;  // for the cut points; fewer examples than folds * 2 use the midpoints
  // The cut points are tuned on out-of-fold predictions. With few examples one split into
  // folds gives noisy cut points, so the cross-validation is repeated over reshuffled folds
  // until there are `held_out_target` predictions, at most `max_repeats` times (50 examples:
  // 10 repeats; 200: 5; 1,000 or more: one).
  int held_out_target = 1000;
  int max_repeats = 10;
};

class OrdinalModel {
 public:
  // `targets` are levels (each one of `levels`, ascending). InvalidArgument with fewer than two
  // distinct targets.
  static Result<OrdinalModel> Train(const std::vector<SparseVector>& rows,
                                    const std::vector<double>& targets,
                                    const std::vector<double>& levels, OrdinalOptions options);

  struct Output {
    double value = 0;       // continuous, in score units
    double level = 0;       // the predicted level
    double confidence = 0;  // the multinomial classifier's probability of that level, or 0.5
  };
  Output Predict(const SparseVector& x) const;

  // How many times the cut points' cross-validation runs over `examples` examples.
  static std::size_t CrossValidationRepeats(std::size_t examples, const OrdinalOptions& options);

 private:
  struct Parts {
    std::optional<LinearModel> multinomial;
    std::vector<LinearModel> cumulative;  // one per threshold between levels
    std::vector<double> thresholds;       // the level each cumulative model is "above"
    std::optional<LinearModel> regression;
  };
  static Result<Parts> Fit(const std::vector<SparseVector>& rows,
                           const std::vector<double>& targets, const std::vector<double>& levels,
                           const OrdinalOptions& o);
  static double Value(const Parts& p, const SparseVector& x, const std::vector<double>& levels);

  Parts parts_;
  std::vector<double> levels_;
  std::vector<double> cutpoints_;
};

}  // namespace ag::scoring
