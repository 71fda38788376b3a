// The rubric keeps the original service's JSON shape, {key: {description, max_points}}, with
// optional level descriptors: {"levels": [{"points": 4, "description": "..."}]}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace ag {

struct RubricLevel {
  double points = 0;
  std::string description;
};

struct Criterion {
  std::string key;
  std::string description;
  double max_points = 0;
  std::vector<RubricLevel> levels;  // empty when the rubric gives none
};

class Rubric {
 public:
  static constexpr std::size_t kMaxCriteria = 100;
  static constexpr std::size_t kMaxKeyLength = 100;
  static constexpr std::size_t kMaxDescriptionLength = 4000;
  static constexpr double kMaxPoints = 10000;

  // Validates `json`; an error names the offending key as a location below `location`
  // (e.g. {"body", "rubric", "intro", "max_points"}). Extra fields inside a criterion are kept
  // in the stored JSON and ignored by grading.
  static Result<Rubric> FromJson(const Json& json, std::vector<std::string> location = {"rubric"});

  const std::vector<Criterion>& criteria() const { return criteria_; }
  const Criterion* Find(std::string_view key) const;
  double max_score() const;

 private:
  std::vector<Criterion> criteria_;
};

}  // namespace ag
