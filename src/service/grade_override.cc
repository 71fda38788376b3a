#include "service/grade_override.h"

#include <cmath>
#include <map>
#include <optional>

namespace ag {
namespace {

constexpr std::size_t kMaxTextChars = 20'000;

std::vector<std::string> At(std::vector<std::string> location,
                            std::initializer_list<std::string> more) {
  location.insert(location.end(), more.begin(), more.end());
  return location;
}

Result<std::optional<std::string>> OptionalText(const Json& body, const std::string& name,
                                                const std::vector<std::string>& location) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string())
    return InvalidArgumentError(name + " must be a string", At(location, {name}));
  if (it->get<std::string>().size() > kMaxTextChars) {
    return InvalidArgumentError(
        name + " is longer than " + std::to_string(kMaxTextChars) + " characters",
        At(location, {name}));
  }
  return std::optional<std::string>(it->get<std::string>());
}

struct Given {
  double points = 0;
  std::optional<std::string> comment;
};

}  // namespace

Result<Grade> OverrideGrade(Store& store, const Clock& clock, SubmissionId id, const Json& body,
                            const std::string& actor, const std::vector<std::string>& location) {
  if (!body.is_object()) return InvalidArgumentError("expected a JSON object", location);
  ASSIGN_OR_RETURN(Submission submission, store.GetSubmission(id));
  ASSIGN_OR_RETURN(Assignment assignment, store.GetAssignment(submission.assignment_id));
  const Rubric& rubric = assignment.rubric;
  std::optional<Grade> current;
  if (auto g = store.GetGrade(id); g.ok()) {
    current = std::move(g).value();
  } else if (g.status().code() != StatusCode::kNotFound) {
    return g.status();
  }

  std::map<std::string, Given> given;
  auto breakdown = body.find("breakdown");
  if (breakdown != body.end() && !breakdown->is_null()) {
    if (!breakdown->is_object()) {
      return InvalidArgumentError("breakdown must be an object of criteria",
                                  At(location, {"breakdown"}));
    }
    for (const auto& [key, value] : breakdown->items()) {
      const Criterion* c = rubric.Find(key);
      if (!c) {
        return InvalidArgumentError("the rubric has no criterion '" + key + "'",
                                    At(location, {"breakdown", key}));
      }
      const Json* points = &value;
      Given g;
      if (value.is_object()) {
        auto p = value.find("points");
        if (p == value.end()) {
          return InvalidArgumentError("field required", At(location, {"breakdown", key, "points"}));
        }
        points = &*p;
        ASSIGN_OR_RETURN(g.comment,
                         OptionalText(value, "comment", At(location, {"breakdown", key})));
      }
      if (!points->is_number() || !std::isfinite(points->get<double>())) {
        return InvalidArgumentError("points must be a number",
                                    At(location, {"breakdown", key, "points"}));
      }
      g.points = points->get<double>();
      if (g.points < 0 || g.points > c->max_points) {
        return InvalidArgumentError(
            "points must be between 0 and " + DumpJson(JsonNumber(c->max_points)),
            At(location, {"breakdown", key, "points"}));
      }
      given[key] = std::move(g);
    }
  }
  ASSIGN_OR_RETURN(auto feedback, OptionalText(body, "feedback", location));
  ASSIGN_OR_RETURN(auto reason, OptionalText(body, "reason", location));
  if (given.empty() && !feedback) {
    return InvalidArgumentError("give a breakdown, a feedback, or both",
                                At(location, {"breakdown"}));
  }

  OverrideGradeRequest request;
  request.submission_id = id;
  request.rubric_version = assignment.rubric_version;
  request.reason = reason.value_or("");
  request.actor = actor;
  request.now = clock.Now();
  GradeResult& result = request.result;
  for (const Criterion& c : rubric.criteria()) {
    CriterionScore score{c.key, 0, c.max_points, ""};
    const CriterionScore* before = nullptr;
    if (current) {
      for (const auto& b : current->result.breakdown) {
        if (b.key == c.key) before = &b;
      }
    }
    if (auto g = given.find(c.key); g != given.end()) {
      score.points = RoundPoints(g->second.points);
      score.comment = g->second.comment.value_or(before ? before->comment : "");
    } else if (before) {
      score.points = before->points;
      score.comment = before->comment;
    } else {
      return InvalidArgumentError(
          "field required: the submission has no grade to keep this criterion's points from",
          At(location, {"breakdown", c.key}));
    }
    result.score += score.points;
    result.breakdown.push_back(std::move(score));
  }
  result.score = RoundPoints(result.score);
  result.max_score = rubric.max_score();
  result.feedback = feedback ? *feedback : current ? current->result.feedback : "";
  if (current) result.citations = current->result.citations;

  request.example.answer_text = submission.text;
  request.example.score = result.score;
  for (const auto& b : result.breakdown) request.example.points[b.key] = b.points;
  request.example.source = "override";
  request.example.submission_id = id;
  RETURN_IF_ERROR(store.OverrideGrade(request));
  return store.GetGrade(id);
}

}  // namespace ag
