#include "grading/redis_grade_cache.h"

namespace ag {

Json GraderOutputToJson(const GraderOutput& o) {
  Json breakdown = Json::array();
  for (const auto& [key, c] : o.proposal.breakdown) {
    Json points = c.points ? Json(*c.points) : Json(nullptr);
    breakdown.push_back({{"key", key}, {"points", points}, {"comment", c.comment}});
  }
  Json citations = Json::array();
  for (const auto& c : o.proposal.citations) {
    citations.push_back({{"chunk_id", c.chunk_id}, {"text", c.text}, {"relevance", c.relevance}});
  }
  return {{"breakdown", breakdown},
          {"feedback", o.proposal.feedback},
          {"citations", citations},
          {"grader", o.grader},
          {"model", o.model},
          {"prompt_hash", o.prompt_hash},
          {"parameters", o.parameters},
          {"input_tokens", o.input_tokens},
          {"output_tokens", o.output_tokens},
          {"confidence", o.confidence}};
}

std::optional<GraderOutput> GraderOutputFromJson(const Json& j) {
  if (!j.is_object() || !j.contains("breakdown") || !j["breakdown"].is_array()) {
    return std::nullopt;
  }
  try {
    GraderOutput o;
    for (const Json& c : j["breakdown"]) {
      ProposedCriterion criterion;
      if (c.at("points").is_number()) criterion.points = c["points"].get<double>();
      criterion.comment = c.at("comment").get<std::string>();
      o.proposal.breakdown.emplace_back(c.at("key").get<std::string>(), std::move(criterion));
    }
    o.proposal.feedback = j.at("feedback").get<std::string>();
    for (const Json& c : j.at("citations")) {
      o.proposal.citations.push_back({c.at("chunk_id").get<std::int64_t>(),
                                      c.at("text").get<std::string>(),
                                      c.at("relevance").get<std::string>()});
    }
    o.grader = j.at("grader").get<std::string>();
    o.model = j.at("model").get<std::string>();
    o.prompt_hash = j.at("prompt_hash").get<std::string>();
    o.parameters = j.at("parameters");
    o.input_tokens = j.at("input_tokens").get<int>();
    o.output_tokens = j.at("output_tokens").get<int>();
    o.confidence = j.at("confidence").get<double>();
    return o;
  } catch (const Json::exception&) {
    return std::nullopt;  // an entry of another version: a miss
  }
}

std::optional<GraderOutput> RedisGradeCache::Get(const std::string& key) {
  auto r = redis_.Command({"GET", prefix_ + key});
  if (!r.ok() || r->type != RedisValue::Type::kString) return std::nullopt;
  return GraderOutputFromJson(ParseJsonOrDiscarded(r->str));
}

void RedisGradeCache::Put(const std::string& key, const GraderOutput& output) {
  redis_
      .Command({"SET", prefix_ + key, DumpJson(GraderOutputToJson(output)), "EX",
                std::to_string(ttl_.count())})
      .status()
      .IgnoreError();
}

}  // namespace ag
