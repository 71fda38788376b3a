// The assignment and graded-answer documents of the API, read and checked: a separate unit
// from the service, since nothing here touches storage (the rubric fuzz target links it alone).
#include "service/assignment_service.h"

namespace ag {
namespace {

std::vector<std::string> At(std::vector<std::string> base, std::string field) {
  base.push_back(std::move(field));
  return base;
}

Result<std::string> OptionalText(const Json& doc, const char* field,
                                 const std::vector<std::string>& location, std::size_t max) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return InvalidArgumentError(std::string(field) + " must be a string", At(location, field));
  if (it->get_ref<const std::string&>().size() > max) {
    return InvalidArgumentError(
        std::string(field) + " is longer than " + std::to_string(max) + " characters",
        At(location, field));
  }
  return it->get<std::string>();
}

}  // namespace

Result<NewAssignment> ParseAssignment(const Json& doc, const std::vector<std::string>& location) {
  if (!doc.is_object()) {
    return InvalidArgumentError("expected a JSON object {title, rubric}", location);
  }
  NewAssignment out;
  auto title = doc.find("title");
  if (title == doc.end() || title->is_null()) {
    return InvalidArgumentError("field required", At(location, "title"));
  }
  if (!title->is_string())
    return InvalidArgumentError("title must be a string", At(location, "title"));
  out.title = title->get<std::string>();
  if (out.title.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgumentError("title must not be empty", At(location, "title"));
  }
  if (out.title.size() > 255) {
    return InvalidArgumentError("title is longer than 255 characters", At(location, "title"));
  }
  auto rubric = doc.find("rubric");
  if (rubric == doc.end() || rubric->is_null()) {
    return InvalidArgumentError("field required", At(location, "rubric"));
  }
  RETURN_IF_ERROR(Rubric::FromJson(*rubric, At(location, "rubric")));
  out.rubric_json = *rubric;
  ASSIGN_OR_RETURN(out.question, OptionalText(doc, "question", location, 100'000));
  ASSIGN_OR_RETURN(out.reference_answer, OptionalText(doc, "reference_answer", location, 100'000));
  return out;
}

namespace {

constexpr std::size_t kMaxGradedAnswers = 10000;
constexpr std::size_t kMaxAnswerBytes = 100 * 1024;

std::vector<std::string> Below(std::vector<std::string> location,
                               std::initializer_list<std::string> more) {
  location.insert(location.end(), more.begin(), more.end());
  return location;
}

}  // namespace

Result<std::vector<NewGradedAnswer>> ParseGradedAnswers(const Json& doc, const Rubric& rubric,
                                                        const std::vector<std::string>& location) {
  if (!doc.is_object() || !doc.contains("answers") || !doc["answers"].is_array()) {
    return InvalidArgumentError("expected {\"answers\": [{answer, score | points}, ...]}",
                                Below(location, {"answers"}));
  }
  const Json& list = doc["answers"];
  if (list.empty()) return InvalidArgumentError("no answers", Below(location, {"answers"}));
  if (list.size() > kMaxGradedAnswers) {
    return InvalidArgumentError(
        "at most " + std::to_string(kMaxGradedAnswers) + " answers per request",
        Below(location, {"answers"}));
  }
  std::vector<NewGradedAnswer> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json& e = list[i];
    const auto at = [&](std::initializer_list<std::string> more) {
      auto l = Below(location, {"answers", std::to_string(i)});
      l.insert(l.end(), more.begin(), more.end());
      return l;
    };
    if (!e.is_object()) return InvalidArgumentError("expected an object", at({}));
    NewGradedAnswer g;
    if (!e.contains("answer") || !e["answer"].is_string() ||
        e["answer"].get_ref<const std::string&>().empty()) {
      return InvalidArgumentError("answer must be a non-empty string", at({"answer"}));
    }
    g.answer_text = e["answer"].get<std::string>();
    if (g.answer_text.size() > kMaxAnswerBytes) {
      return InvalidArgumentError("answer is longer than 100 KiB", at({"answer"}));
    }
    if (e.contains("score") && !e["score"].is_null()) {
      if (!e["score"].is_number())
        return InvalidArgumentError("score must be a number", at({"score"}));
      const double score = e["score"].get<double>();
      if (!(score >= 0 && score <= rubric.max_score())) {
        return InvalidArgumentError("score must be between 0 and the rubric's maximum (" +
                                        DumpJson(JsonNumber(rubric.max_score())) + ")",
                                    at({"score"}));
      }
      g.score = score;
    }
    if (e.contains("points") && !e["points"].is_null()) {
      if (!e["points"].is_object()) {
        return InvalidArgumentError("points must be an object {criterion: points}", at({"points"}));
      }
      for (const auto& [key, value] : e["points"].items()) {
        const Criterion* c = rubric.Find(key);
        if (!c)
          return InvalidArgumentError("the rubric has no criterion '" + key + "'",
                                      at({"points", key}));
        if (!value.is_number() ||
            !(value.get<double>() >= 0 && value.get<double>() <= c->max_points)) {
          return InvalidArgumentError(
              "points must be a number between 0 and " + DumpJson(JsonNumber(c->max_points)),
              at({"points", key}));
        }
        g.points[key] = value.get<double>();
      }
    }
    if (!g.score && g.points.empty()) {
      return InvalidArgumentError("give score or points", at({"score"}));
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace ag
