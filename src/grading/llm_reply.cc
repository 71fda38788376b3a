#include "grading/llm_reply.h"

#include <cmath>
#include <cstdlib>

namespace ag {
namespace {

constexpr std::size_t kMaxCommentChars = 2000;
constexpr std::size_t kMaxFeedbackChars = 8000;
constexpr std::size_t kMaxCitations = 20;
constexpr std::size_t kMaxQuoteChars = 1000;

std::string Cut(std::string s, std::size_t n) {
  if (s.size() <= n) return s;
  // Back off to a UTF-8 character boundary.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

std::string StringField(const Json& object, std::initializer_list<const char*> names,
                        std::size_t limit) {
  for (const char* name : names) {
    if (object.contains(name) && object[name].is_string()) {
      return Cut(object[name].get<std::string>(), limit);
    }
  }
  return "";
}

// A finite number, or a string that is exactly one ("3", " 2.5 ").
std::optional<double> Number(const Json& v) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (std::isfinite(d)) return d;
    return std::nullopt;
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str()) return std::nullopt;
    while (*end == ' ') ++end;
    if (*end != '\0' || !std::isfinite(d)) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

// The JSON object in the reply: the whole text, a ```json fence, or the span from the first
// '{' to the last '}'.
Json FindObject(std::string_view content) {
  Json j = ParseJsonOrDiscarded(content);
  if (j.is_object()) return j;
  if (const auto fence = content.find("```"); fence != std::string_view::npos) {
    auto start = content.find('\n', fence);
    const auto close = start == std::string_view::npos ? start : content.find("```", start);
    if (close != std::string_view::npos) {
      j = ParseJsonOrDiscarded(content.substr(start, close - start));
      if (j.is_object()) return j;
    }
  }
  const auto first = content.find('{');
  const auto last = content.rfind('}');
  if (first != std::string_view::npos && last != std::string_view::npos && last > first) {
    j = ParseJsonOrDiscarded(content.substr(first, last - first + 1));
    if (j.is_object()) return j;
  }
  return Json(Json::value_t::discarded);
}

// {"key": {"points", "comment"}} or [{"key"|"criterion", "points", "comment"}].
const Json* CriterionEntry(const Json& criteria, const std::string& key, Json& scratch) {
  if (criteria.is_object()) {
    if (criteria.contains(key)) return &criteria[key];
    return nullptr;
  }
  if (criteria.is_array()) {
    for (const Json& item : criteria) {
      if (!item.is_object()) continue;
      for (const char* name : {"key", "criterion", "name"}) {
        if (item.contains(name) && item[name].is_string() && item[name].get<std::string>() == key) {
          scratch = item;
          return &scratch;
        }
      }
    }
  }
  return nullptr;
}

}  // namespace

Result<ProposedGrade> ParseGradeReply(std::string_view content, const Rubric& rubric) {
  if (content.size() > kMaxReplyBytes) {
    return InvalidArgumentError("the reply is larger than " + std::to_string(kMaxReplyBytes) +
                                " bytes");
  }
  const Json reply = FindObject(content);
  if (!reply.is_object()) return InvalidArgumentError("the reply is not a JSON object");
  const Json* criteria = nullptr;
  for (const char* name : {"criteria", "breakdown", "scores"}) {
    if (reply.contains(name) && (reply[name].is_object() || reply[name].is_array())) {
      criteria = &reply[name];
      break;
    }
  }
  if (!criteria) return InvalidArgumentError("the reply has no \"criteria\" object");

  ProposedGrade grade;
  for (const Criterion& c : rubric.criteria()) {
    Json scratch;
    const Json* entry = CriterionEntry(*criteria, c.key, scratch);
    if (!entry) return InvalidArgumentError("criterion \"" + c.key + "\" is missing");
    ProposedCriterion pc;
    if (entry->is_object()) {
      if (entry->contains("points")) pc.points = Number((*entry)["points"]);
      pc.comment = StringField(*entry, {"comment", "feedback", "reason"}, kMaxCommentChars);
    } else {
      pc.points = Number(*entry);  // {"key": 3}
    }
    if (!pc.points) {
      return InvalidArgumentError("criterion \"" + c.key + "\" has no numeric points");
    }
    grade.breakdown.emplace_back(c.key, std::move(pc));
  }
  // Criteria the rubric does not have are passed on, for ValidateGrade to drop and count.
  if (criteria->is_object()) {
    for (const auto& [key, value] : criteria->items()) {
      if (rubric.Find(key)) continue;
      ProposedCriterion extra;
      if (value.is_object() && value.contains("points")) extra.points = Number(value["points"]);
      grade.breakdown.emplace_back(Cut(key, 100), std::move(extra));
    }
  }
  grade.feedback = StringField(reply, {"feedback", "summary"}, kMaxFeedbackChars);
  if (reply.contains("citations") && reply["citations"].is_array()) {
    for (const Json& item : reply["citations"]) {
      if (grade.citations.size() >= kMaxCitations) break;
      if (!item.is_object() || !item.contains("chunk_id")) continue;
      const auto id = Number(item["chunk_id"]);
      if (!id || *id != std::floor(*id) || *id <= 0 || *id > 9e15) continue;
      ProposedCitation citation;
      citation.chunk_id = static_cast<std::int64_t>(*id);
      citation.text = StringField(item, {"quote", "text"}, kMaxQuoteChars);
      citation.relevance = StringField(item, {"relevance", "why"}, kMaxCommentChars);
      grade.citations.push_back(std::move(citation));
    }
  }
  return grade;
}

}  // namespace ag
