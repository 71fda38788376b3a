// A linear classifier or regressor trained with liblinear (Debian's liblinear): L2-regularised
// logistic regression for classes, L2-loss support vector regression for values. Feature
// indices are remapped to the ones seen in training, so a model over a 2^19 hashed space holds
// only the weights it learned.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "scoring/sparse_vector.h"

struct model;  // liblinear's
struct feature_node;

namespace ag::scoring {

enum class LinearTask { kClassify, kRegress };

struct LinearOptions {
  LinearTask task = LinearTask::kClassify;
  double c = 1.0;         // inverse regularisation strength
  double epsilon = 0.1;   // regression: width of the insensitive tube
  bool balanced = false;  // classify: weigh classes inversely to their frequency
};

class LinearModel {
 public:
  // InvalidArgument when there are no rows, the targets do not match the rows, or (classify)
  // fewer than two classes.
  static Result<LinearModel> Train(const std::vector<SparseVector>& rows,
                                   const std::vector<double>& targets,
                                   const LinearOptions& options);

  LinearModel(LinearModel&&) noexcept;
  LinearModel& operator=(LinearModel&&) noexcept;
  ~LinearModel();

  // classify: the predicted class; regress: the predicted value.
  double Predict(const SparseVector& x) const;
  // classify: a probability per class, in classes() order. Empty for regression.
  std::vector<double> Probabilities(const SparseVector& x) const;
  const std::vector<double>& classes() const { return classes_; }
  LinearTask task() const { return task_; }

 private:
  LinearModel() = default;
  std::vector<::feature_node> Encode(const SparseVector& x) const;

  LinearTask task_ = LinearTask::kClassify;
  std::unordered_map<std::uint32_t, int> index_;  // hashed feature -> liblinear index (1-based)
  std::vector<double> classes_;                   // class value by liblinear label
  struct ModelDeleter {
    void operator()(struct model* m) const;
  };
  std::unique_ptr<struct model, ModelDeleter> model_;
};

}  // namespace ag::scoring
