#include "scoring/linear_model.h"

#include <linear.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

namespace ag::scoring {
namespace {

constexpr double kBias = 1.0;

void Quiet(const char*) {}

void SilenceLiblinear() {
  static std::once_flag once;
  std::call_once(once, [] { set_print_string_function(&Quiet); });
}

}  // namespace

void LinearModel::ModelDeleter::operator()(struct model* m) const { free_and_destroy_model(&m); }

LinearModel::LinearModel(LinearModel&&) noexcept = default;
LinearModel& LinearModel::operator=(LinearModel&&) noexcept = default;
LinearModel::~LinearModel() = default;

std::vector<feature_node> LinearModel::Encode(const SparseVector& x) const {
  std::vector<feature_node> nodes;
  nodes.reserve(x.entries.size() + 2);
  for (const auto& [i, v] : x.entries) {
    auto it = index_.find(i);
    if (it != index_.end() && v != 0) nodes.push_back({it->second, v});
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const feature_node& a, const feature_node& b) { return a.index < b.index; });
  nodes.push_back({static_cast<int>(index_.size()) + 1, kBias});
  nodes.push_back({-1, 0});
  return nodes;
}

Result<LinearModel> LinearModel::Train(const std::vector<SparseVector>& rows,
                                       const std::vector<double>& targets,
                                       const LinearOptions& options) {
  if (rows.empty()) return InvalidArgumentError("no training rows");
  if (rows.size() != targets.size()) return InvalidArgumentError("rows and targets differ");
  SilenceLiblinear();

  LinearModel m;
  m.task_ = options.task;
  for (const auto& r : rows) {
    for (const auto& [i, v] : r.entries) m.index_.emplace(i, 0);
  }
  // Deterministic compact indices: ascending hashed index.
  std::vector<std::uint32_t> seen;
  seen.reserve(m.index_.size());
  for (const auto& [i, unused] : m.index_) seen.push_back(i);
  std::sort(seen.begin(), seen.end());
  for (std::size_t k = 0; k < seen.size(); ++k) m.index_[seen[k]] = static_cast<int>(k) + 1;

  std::vector<double> y(targets.size());
  if (options.task == LinearTask::kClassify) {
    std::map<double, int> labels;
    for (double t : targets) labels.emplace(t, 0);
    if (labels.size() < 2) return InvalidArgumentError("fewer than two classes");
    int next = 0;
    for (auto& [value, label] : labels) {
      label = next++;
      m.classes_.push_back(value);
    }
    for (std::size_t k = 0; k < targets.size(); ++k) y[k] = labels[targets[k]];
  } else {
    y = targets;
  }

  std::vector<std::vector<feature_node>> encoded;
  encoded.reserve(rows.size());
  std::vector<feature_node*> x;
  for (const auto& r : rows) encoded.push_back(m.Encode(r));
  for (auto& e : encoded) x.push_back(e.data());

  problem prob{};
  prob.l = static_cast<int>(rows.size());
  prob.n = static_cast<int>(m.index_.size()) + 1;
  prob.y = y.data();
  prob.x = x.data();
  prob.bias = kBias;

  parameter param{};
  param.C = options.c;
  std::vector<int> weight_label;
  std::vector<double> weight;
  if (options.task == LinearTask::kClassify) {
    param.solver_type = L2R_LR;
    param.eps = 0.01;
    if (options.balanced) {
      std::vector<int> counts(m.classes_.size(), 0);
      for (double v : y) ++counts[static_cast<std::size_t>(v)];
      for (std::size_t k = 0; k < counts.size(); ++k) {
        weight_label.push_back(static_cast<int>(k));
        weight.push_back(static_cast<double>(y.size()) /
                         (static_cast<double>(counts.size()) * counts[k]));
      }
      param.nr_weight = static_cast<int>(weight.size());
      param.weight_label = weight_label.data();
      param.weight = weight.data();
    }
  } else {
    param.solver_type = L2R_L2LOSS_SVR;
    param.eps = 0.001;
    param.p = options.epsilon;
  }
  if (const char* error = check_parameter(&prob, &param)) {
    return InvalidArgumentError(std::string("liblinear: ") + error);
  }
  m.model_.reset(train(&prob, &param));
  if (!m.model_) return InternalError("liblinear could not train a model");
  return m;
}

double LinearModel::Predict(const SparseVector& x) const {
  const auto nodes = Encode(x);
  const double out = predict(model_.get(), nodes.data());
  if (task_ == LinearTask::kRegress) return out;
  return classes_[static_cast<std::size_t>(out)];
}

std::vector<double> LinearModel::Probabilities(const SparseVector& x) const {
  if (task_ != LinearTask::kClassify) return {};
  const auto nodes = Encode(x);
  const int n = get_nr_class(model_.get());
  std::vector<double> by_label(static_cast<std::size_t>(n));
  predict_probability(model_.get(), nodes.data(), by_label.data());
  std::vector<int> labels(static_cast<std::size_t>(n));
  get_labels(model_.get(), labels.data());
  std::vector<double> out(classes_.size(), 0.0);
  for (int k = 0; k < n; ++k)
    out[static_cast<std::size_t>(labels[static_cast<std::size_t>(k)])] =
        by_label[static_cast<std::size_t>(k)];
  return out;
}

}  // namespace ag::scoring
