#include "scoring/agreement.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ag::scoring {
namespace {

TEST(QuadraticWeightedKappa, PerfectAgreementIsOne) {
  EXPECT_DOUBLE_EQ(QuadraticWeightedKappa({0, 1, 2, 3}, {0, 1, 2, 3}, 0, 3), 1.0);
}

TEST(QuadraticWeightedKappa, MatchesAHandComputedValue) {
  // truth 0,0,1,1 vs predicted 0,1,1,1 on 0..1: observed disagreement 1/4 of weight 1;
  // expected from the marginals (2,2) x (1,3): (2*3 + 2*1)/4 / 4 = 0.5 -> kappa = 1 - 0.25/0.5.
  EXPECT_NEAR(QuadraticWeightedKappa({0, 0, 1, 1}, {0, 1, 1, 1}, 0, 1), 0.5, 1e-12);
}

TEST(QuadraticWeightedKappa, FarMistakesCostMoreThanNearOnes) {
  const std::vector<int> truth = {0, 1, 2, 3, 0, 1, 2, 3};
  const double near = QuadraticWeightedKappa(truth, {1, 1, 2, 3, 0, 1, 2, 2}, 0, 3);
  const double far = QuadraticWeightedKappa(truth, {3, 1, 2, 3, 0, 1, 2, 0}, 0, 3);
  EXPECT_GT(near, far);
}

TEST(QuadraticWeightedKappa, ConstantPredictionsAreChance) {
  EXPECT_NEAR(QuadraticWeightedKappa({0, 1, 2}, {1, 1, 1}, 0, 2), 0.0, 1e-12);
}

TEST(FisherZMean, AveragesInZSpace) {
  EXPECT_NEAR(FisherZMean({0.5, 0.5}), 0.5, 1e-12);
  const double m = FisherZMean({0.2, 0.9});
  EXPECT_GT(m, 0.55);  // above the plain mean: z stretches high kappas
  EXPECT_LT(m, 0.9);
  EXPECT_LT(FisherZMean({1.0}), 1.0);  // clipped, finite
}

TEST(Pearson, KnownValues) {
  EXPECT_NEAR(Pearson({1, 2, 3}, {2, 4, 6}), 1.0, 1e-12);
  EXPECT_NEAR(Pearson({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12);
  EXPECT_EQ(Pearson({1, 1, 1}, {1, 2, 3}), 0.0);
}

TEST(Rmse, KnownValue) { EXPECT_NEAR(Rmse({0, 0}, {3, 4}), std::sqrt(12.5), 1e-12); }

TEST(Classification, AccuracyMacroAndWeightedF1) {
  // class 0: tp 2 fp 1 fn 0 -> p 2/3 r 1 f1 0.8; class 1: tp 1 fp 0 fn 1 -> f1 2/3.
  const auto c = Classification({0, 0, 1, 1}, {0, 0, 1, 0}, 2);
  EXPECT_NEAR(c.accuracy, 0.75, 1e-12);
  EXPECT_NEAR(c.macro_f1, (0.8 + 2.0 / 3) / 2, 1e-12);
  EXPECT_NEAR(c.weighted_f1, 0.5 * 0.8 + 0.5 * 2.0 / 3, 1e-12);
}

}  // namespace
}  // namespace ag::scoring
