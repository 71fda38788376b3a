#include "core/rubric.h"

#include <cmath>

namespace ag {
namespace {

std::vector<std::string> At(std::vector<std::string> base, std::string_view a,
                            std::string_view b = {}, std::string_view c = {}) {
  base.emplace_back(a);
  if (!b.empty()) base.emplace_back(b);
  if (!c.empty()) base.emplace_back(c);
  return base;
}

bool HasControlCharacters(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Result<double> ReadPoints(const Json& value, const std::vector<std::string>& loc,
                          double upper_bound, std::string_view what) {
  if (!value.is_number() || value.is_boolean()) {
    return InvalidArgumentError(std::string(what) + " must be a number", loc);
  }
  const double v = value.get<double>();
  if (!std::isfinite(v) || v < 0 || v > upper_bound) {
    return InvalidArgumentError(
        std::string(what) + " must be between 0 and " + Json(upper_bound).dump(), loc);
  }
  return v;
}

}  // namespace

Result<Rubric> Rubric::FromJson(const Json& json, std::vector<std::string> location) {
  if (!json.is_object()) {
    return InvalidArgumentError(
        "rubric must be an object of criteria: {key: {description, max_points}}", location);
  }
  if (json.empty())
    return InvalidArgumentError("rubric must have at least one criterion", location);
  if (json.size() > kMaxCriteria) {
    return InvalidArgumentError("rubric has " + std::to_string(json.size()) +
                                    " criteria; at most " + std::to_string(kMaxCriteria) +
                                    " are allowed",
                                location);
  }
  Rubric rubric;
  for (const auto& [key, body] : json.items()) {
    const auto key_loc = At(location, key);
    if (key.empty() || IsBlank(key)) {
      return InvalidArgumentError("criterion key must not be empty", key_loc);
    }
    if (key.size() > kMaxKeyLength || HasControlCharacters(key)) {
      return InvalidArgumentError("criterion key must be at most " + std::to_string(kMaxKeyLength) +
                                      " printable characters",
                                  key_loc);
    }
    if (!body.is_object()) {
      return InvalidArgumentError(
          "criterion '" + key + "' must be an object with description and max_points", key_loc);
    }
    Criterion c;
    c.key = key;

    auto desc = body.find("description");
    if (desc == body.end()) {
      return InvalidArgumentError("criterion '" + key + "' misses description",
                                  At(location, key, "description"));
    }
    if (!desc->is_string() || IsBlank(desc->get_ref<const std::string&>())) {
      return InvalidArgumentError("description of '" + key + "' must be a non-empty string",
                                  At(location, key, "description"));
    }
    c.description = desc->get<std::string>();
    if (c.description.size() > kMaxDescriptionLength) {
      return InvalidArgumentError("description of '" + key + "' is longer than " +
                                      std::to_string(kMaxDescriptionLength) + " characters",
                                  At(location, key, "description"));
    }

    auto max = body.find("max_points");
    if (max == body.end()) {
      return InvalidArgumentError("criterion '" + key + "' misses max_points",
                                  At(location, key, "max_points"));
    }
    ASSIGN_OR_RETURN(c.max_points, ReadPoints(*max, At(location, key, "max_points"), kMaxPoints,
                                              "max_points of '" + key + "'"));
    if (c.max_points <= 0) {
      return InvalidArgumentError("max_points of '" + key + "' must be greater than 0",
                                  At(location, key, "max_points"));
    }

    if (auto levels = body.find("levels"); levels != body.end() && !levels->is_null()) {
      if (!levels->is_array()) {
        return InvalidArgumentError("levels of '" + key + "' must be a list",
                                    At(location, key, "levels"));
      }
      for (std::size_t i = 0; i < levels->size(); ++i) {
        const Json& level = (*levels)[i];
        const std::string index = std::to_string(i);
        if (!level.is_object()) {
          return InvalidArgumentError("each level must be an object with points and description",
                                      At(location, key, "levels", index));
        }
        RubricLevel l;
        auto points = level.find("points");
        if (points == level.end()) {
          return InvalidArgumentError("level misses points",
                                      At(At(location, key, "levels", index), "points"));
        }
        ASSIGN_OR_RETURN(l.points,
                         ReadPoints(*points, At(At(location, key, "levels", index), "points"),
                                    c.max_points, "level points"));
        auto ldesc = level.find("description");
        if (ldesc == level.end() || !ldesc->is_string() ||
            IsBlank(ldesc->get_ref<const std::string&>())) {
          return InvalidArgumentError("level description must be a non-empty string",
                                      At(At(location, key, "levels", index), "description"));
        }
        l.description = ldesc->get<std::string>();
        c.levels.push_back(std::move(l));
      }
    }
    rubric.criteria_.push_back(std::move(c));
  }
  return rubric;
}

const Criterion* Rubric::Find(std::string_view key) const {
  for (const auto& c : criteria_) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

double Rubric::max_score() const {
  double total = 0;
  for (const auto& c : criteria_) total += c.max_points;
  return total;
}

}  // namespace ag
