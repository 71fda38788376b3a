#include "scoring/ordinal_model.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "scoring/cutpoints.h"

namespace ag::scoring {
namespace {

// Fisher-Yates over mt19937's raw output, which the standard fixes (std::shuffle's use of it
// is left to the library), so the folds are the same on every platform.
void Shuffle(std::vector<std::size_t>& v, std::mt19937& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

}  // namespace

Result<OrdinalModel::Parts> OrdinalModel::Fit(const std::vector<SparseVector>& rows,
                                              const std::vector<double>& targets,
                                              const std::vector<double>& levels,
                                              const OrdinalOptions& o) {
  Parts p;
  LinearOptions classify;
  classify.c = o.classifier_c;
  if (o.multinomial) {
    ASSIGN_OR_RETURN(LinearModel m, LinearModel::Train(rows, targets, classify));
    p.multinomial.emplace(std::move(m));
  }
  if (o.cumulative) {
    for (std::size_t j = 0; j + 1 < levels.size(); ++j) {
      std::vector<double> above(targets.size());
      bool any = false, all = true;
      for (std::size_t i = 0; i < targets.size(); ++i) {
        above[i] = targets[i] > levels[j] ? 1 : 0;
        any = any || above[i] == 1;
        all = all && above[i] == 1;
      }
      if (!any || all) continue;  // no example on one side: this threshold teaches nothing
      ASSIGN_OR_RETURN(LinearModel m, LinearModel::Train(rows, above, classify));
      p.cumulative.push_back(std::move(m));
      p.thresholds.push_back(levels[j]);
    }
  }
  if (o.regression) {
    LinearOptions regress;
    regress.task = LinearTask::kRegress;
    regress.c = o.regression_c;
    regress.epsilon = o.regression_epsilon;
    ASSIGN_OR_RETURN(LinearModel m, LinearModel::Train(rows, targets, regress));
    p.regression.emplace(std::move(m));
  }
  return p;
}

double OrdinalModel::Value(const Parts& p, const SparseVector& x,
                           const std::vector<double>& levels) {
  double sum = 0;
  int parts = 0;
  if (p.multinomial) {
    const auto probs = p.multinomial->Probabilities(x);
    double expected = 0;
    for (std::size_t k = 0; k < probs.size(); ++k)
      expected += probs[k] * p.multinomial->classes()[k];
    sum += expected;
    ++parts;
  }
  if (!p.cumulative.empty()) {
    // E[score] = lowest level + sum over thresholds of P(score > level_j) * step_j.
    double expected = levels.front();
    for (std::size_t j = 0; j < p.cumulative.size(); ++j) {
      const auto probs = p.cumulative[j].Probabilities(x);  // classes {0, 1}
      const auto next = std::upper_bound(levels.begin(), levels.end(), p.thresholds[j]);
      const double step = next == levels.end() ? 0 : *next - p.thresholds[j];
      expected += probs.back() * step;
    }
    sum += expected;
    ++parts;
  }
  if (p.regression) {
    sum += p.regression->Predict(x);
    ++parts;
  }
  return parts ? sum / parts : levels.front();
}

Result<OrdinalModel> OrdinalModel::Train(const std::vector<SparseVector>& rows,
                                         const std::vector<double>& targets,
                                         const std::vector<double>& levels, OrdinalOptions o) {
  std::set<double> distinct(targets.begin(), targets.end());
  if (distinct.size() < 2) return InvalidArgumentError("fewer than two distinct scores");
  if (!o.multinomial && !o.cumulative && !o.regression) o.multinomial = true;
  OrdinalModel m;
  m.levels_ = levels;
  ASSIGN_OR_RETURN(m.parts_, Fit(rows, targets, levels, o));

  const std::size_t folds = static_cast<std::size_t>(std::max(2, o.folds));
  if (rows.size() < folds * 2) {
    m.cutpoints_ = TuneCutpoints({}, {}, levels);  // the midpoints
    return m;
  }
  const std::size_t n = rows.size();
  const std::size_t repeats = CrossValidationRepeats(n, o);
  std::vector<double> held_out, truth;
  held_out.reserve(n * repeats);
  truth.reserve(n * repeats);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937 rng(20261129);  // fixed: the same examples always give the same cut points
  for (std::size_t r = 0; r < repeats; ++r) {
    if (r > 0) Shuffle(order, rng);
    for (std::size_t fold = 0; fold < folds; ++fold) {
      std::vector<SparseVector> fold_rows;
      std::vector<double> fold_targets;
      for (std::size_t j = 0; j < n; ++j) {
        if (j % folds == fold) continue;
        fold_rows.push_back(rows[order[j]]);
        fold_targets.push_back(targets[order[j]]);
      }
      auto parts = Fit(fold_rows, fold_targets, levels, o);
      for (std::size_t j = fold; j < n; j += folds) {
        held_out.push_back(Value(parts.ok() ? *parts : m.parts_, rows[order[j]], levels));
        truth.push_back(targets[order[j]]);
      }
    }
  }
  m.cutpoints_ = TuneCutpoints(held_out, truth, levels);
  return m;
}

std::size_t OrdinalModel::CrossValidationRepeats(std::size_t examples, const OrdinalOptions& o) {
  const std::size_t wanted = static_cast<std::size_t>(std::max(1, o.held_out_target));
  const std::size_t most = static_cast<std::size_t>(std::max(1, o.max_repeats));
  return std::clamp<std::size_t>((wanted + examples - 1) / std::max<std::size_t>(1, examples), 1,
                                 most);
}

OrdinalModel::Output OrdinalModel::Predict(const SparseVector& x) const {
  Output out;
  out.value = Value(parts_, x, levels_);
  out.level = ApplyCutpoints(out.value, cutpoints_, levels_);
  out.confidence = 0.5;
  if (parts_.multinomial) {
    const auto probs = parts_.multinomial->Probabilities(x);
    const auto& classes = parts_.multinomial->classes();
    for (std::size_t k = 0; k < probs.size(); ++k) {
      if (classes[k] == out.level) out.confidence = probs[k];
    }
  }
  return out;
}

}  // namespace ag::scoring
