#include "eval/port_question_grader.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>

namespace ag::eval {
namespace {

std::set<std::string> Words(std::string_view text) {
  std::set<std::string> out;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      out.insert(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.insert(std::move(word));
  return out;
}

std::string Number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

Result<Rubric> QuestionRubric(const Dataset& d, const Question& q) {
  Json criterion = {{"description", q.rubric.empty() ? "How well the answer agrees with the "
                                                       "reference answer(s) in content"
                                                     : q.rubric},
                    {"max_points", q.max_score - q.min_score}};
  Json levels = Json::array();
  if (d.kind == ScaleKind::kCategorical) {
    for (std::size_t i = 0; i < d.label_names.size(); ++i) {
      levels.push_back({{"points", static_cast<double>(i)}, {"description", d.label_names[i]}});
    }
  }
  if (!levels.empty()) criterion["levels"] = levels;
  return Rubric::FromJson(Json{{"score", criterion}});
}

Retrieval NearestExamples(const Question& q, const std::vector<const Answer*>& examples,
                          std::string_view answer, int k) {
  Retrieval r;
  if (k <= 0) return r;
  const std::set<std::string> words = Words(answer);
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const std::set<std::string> other = Words(examples[i]->text);
    std::size_t shared = 0;
    for (const auto& w : other) shared += words.count(w);
    const double union_size = static_cast<double>(words.size() + other.size() - shared);
    ranked.emplace_back(union_size > 0 ? static_cast<double>(shared) / union_size : 0, i);
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t j = 0; j < ranked.size() && static_cast<int>(j) < k; ++j) {
    const Answer* e = examples[ranked[j].second];
    r.chunks.push_back({ChunkId(static_cast<std::int64_t>(ranked[j].second) + 1),
                        "a graded answer: " + Number(e->score - q.min_score) + " of " +
                            Number(q.max_score - q.min_score) + " points",
                        "graded examples", e->text, ranked[j].first});
  }
  return r;
}

Result<std::vector<double>> PortQuestionGrader::Score(const Dataset& test, const Question& q,
                                                      const std::vector<const Answer*>& examples,
                                                      const std::vector<const Answer*>& answers,
                                                      std::string& method) {
  ASSIGN_OR_RETURN(Rubric rubric, QuestionRubric(test, q));
  std::string reference;
  for (const auto& r : q.references) reference += (reference.empty() ? "" : "\n") + r;
  method = options_.examples_shown > 0 && !examples.empty() ? "grader+examples" : "grader";

  std::vector<double> scores(answers.size(), q.min_score);
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < options_.max_in_flight; });
      ++in_flight;
    }
    const Retrieval evidence =
        NearestExamples(q, examples, answers[i]->text, options_.examples_shown);
    GradingRequest request{q.text, reference, rubric, answers[i]->text, evidence};
    grader_.GradeAsync(request, {}, [&, i](Result<GraderOutput> out) {
      std::lock_guard lock(mu);
      if (out.ok() && !out->proposal.breakdown.empty() &&
          out->proposal.breakdown[0].second.points) {
        const double points =
            std::clamp(*out->proposal.breakdown[0].second.points, 0.0, q.max_score - q.min_score);
        scores[i] = q.min_score + points;
        input_tokens_ += out->input_tokens;
        output_tokens_ += out->output_tokens;
      } else {
        ++failures_;
        last_failure_ = out.ok() ? "no points in the grade" : out.status().ToString();
      }
      --in_flight;
      cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  return scores;
}

}  // namespace ag::eval
