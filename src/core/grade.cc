#include "core/grade.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ag {
namespace {

// Lower-cased, with every run of whitespace folded to one space, so that a quote matches its
// chunk despite line breaks and capitalisation.
std::string NormalizeForQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (unsigned char c : s) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

bool QuoteAppearsIn(std::string_view quote, std::string_view text) {
  std::string q = NormalizeForQuote(quote);
  // Quotes often come wrapped in quotation marks or trailing ellipses.
  auto trim = [](std::string& s) {
    const std::string_view junk = "\"'. ";
    while (!s.empty() && junk.find(s.back()) != std::string_view::npos) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && junk.find(s[i]) != std::string_view::npos) ++i;
    s.erase(0, i);
  };
  trim(q);
  if (q.empty()) return false;
  return NormalizeForQuote(text).find(q) != std::string::npos;
}

}  // namespace

double RoundPoints(double points) { return std::round(points * 100.0) / 100.0; }

Result<GradeResult> ValidateGrade(const Rubric& rubric, const ProposedGrade& proposed,
                                  const std::map<ChunkId, std::string>& chunk_texts,
                                  ValidationNotes* notes) {
  ValidationNotes local;
  ValidationNotes& n = notes ? *notes : local;
  GradeResult out;
  for (const Criterion& c : rubric.criteria()) {
    auto it = std::find_if(proposed.breakdown.begin(), proposed.breakdown.end(),
                           [&](const auto& kv) { return kv.first == c.key; });
    if (it == proposed.breakdown.end()) {
      return InvalidArgumentError("grader output misses criterion '" + c.key + "'",
                                  {"breakdown", c.key});
    }
    const ProposedCriterion& p = it->second;
    if (!p.points || !std::isfinite(*p.points)) {
      return InvalidArgumentError("grader output has no numeric points for '" + c.key + "'",
                                  {"breakdown", c.key, "points"});
    }
    double points = *p.points;
    if (points < 0 || points > c.max_points) {
      ++n.clamped;
      points = std::clamp(points, 0.0, c.max_points);
    }
    points = RoundPoints(points);
    out.breakdown.push_back({c.key, points, c.max_points, p.comment});
    out.score += points;
  }
  for (const auto& [key, unused] : proposed.breakdown) {
    if (!rubric.Find(key)) n.dropped_keys.push_back(key);
  }
  out.score = RoundPoints(out.score);
  out.max_score = rubric.max_score();
  out.feedback = proposed.feedback;
  for (const ProposedCitation& pc : proposed.citations) {
    auto chunk = chunk_texts.find(ChunkId(pc.chunk_id));
    if (chunk == chunk_texts.end()) {
      ++n.dropped_citations;
      continue;
    }
    out.citations.push_back(
        {chunk->first, pc.text, pc.relevance, QuoteAppearsIn(pc.text, chunk->second)});
  }
  return out;
}

Json BreakdownToJson(const std::vector<CriterionScore>& breakdown) {
  Json j = Json::object();
  for (const auto& c : breakdown) {
    j[c.key] = Json{{"points", JsonNumber(c.points)},
                    {"max_points", JsonNumber(c.max_points)},
                    {"comment", c.comment}};
  }
  return j;
}

Result<std::vector<CriterionScore>> BreakdownFromJson(const Json& json) {
  if (!json.is_object()) return InternalError("stored breakdown is not an object");
  std::vector<CriterionScore> out;
  for (const auto& [key, v] : json.items()) {
    if (!v.is_object() || !v.contains("points") || !v["points"].is_number()) {
      return InternalError("stored breakdown entry '" + key + "' is malformed");
    }
    out.push_back({key, v["points"].get<double>(), v.value("max_points", 0.0),
                   v.value("comment", std::string())});
  }
  return out;
}

Json CitationsToJson(const std::vector<Citation>& citations) {
  Json j = Json::array();
  for (const auto& c : citations) {
    j.push_back(Json{{"reference_id", c.chunk_id.value()},
                     {"text", c.text},
                     {"relevance", c.relevance},
                     {"verified", c.verified}});
  }
  return j;
}

Result<std::vector<Citation>> CitationsFromJson(const Json& json) {
  if (!json.is_array()) return InternalError("stored citations are not a list");
  std::vector<Citation> out;
  for (const auto& v : json) {
    if (!v.is_object() || !v.contains("reference_id") || !v["reference_id"].is_number_integer()) {
      return InternalError("stored citation is malformed");
    }
    out.push_back({ChunkId(v["reference_id"].get<std::int64_t>()), v.value("text", std::string()),
                   v.value("relevance", std::string()), v.value("verified", false)});
  }
  return out;
}

}  // namespace ag
