// A grade and the rules every grader's output passes through before it is stored: each
// criterion of the rubric present, points clamped to 0..max_points, unknown keys dropped, the
// total recomputed here (never trusted from the grader), citations mapped to real chunks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/json.h"
#include "core/rubric.h"
#include "core/status.h"

namespace ag {

struct CriterionScore {
  std::string key;
  double points = 0;
  double max_points = 0;
  std::string comment;
};

struct Citation {
  ChunkId chunk_id;
  std::string text;       // the quoted evidence
  std::string relevance;  // why it was cited
  bool verified = false;  // the quote was found in the chunk's text
};

struct GradeResult {
  std::vector<CriterionScore> breakdown;  // in rubric order
  double score = 0;                       // sum of breakdown points
  double max_score = 0;
  std::string feedback;
  std::vector<Citation> citations;
};

// What a grader proposes, before validation. Points are optional so that a missing or
// non-numeric value can be told apart from a zero.
struct ProposedCriterion {
  std::optional<double> points;
  std::string comment;
};
struct ProposedCitation {
  std::int64_t chunk_id = 0;
  std::string text;
  std::string relevance;
};
struct ProposedGrade {
  std::vector<std::pair<std::string, ProposedCriterion>> breakdown;
  std::string feedback;
  std::vector<ProposedCitation> citations;
};

struct ValidationNotes {
  std::vector<std::string> dropped_keys;  // criteria the rubric does not have
  int clamped = 0;                        // criteria whose points were out of bounds
  int dropped_citations = 0;              // citations of chunks that were not retrieved
};

// Applies the rules above. `chunk_texts` maps each chunk the grader was shown to its text.
// InvalidArgument (naming the criterion) when a criterion is missing or its points are not a
// finite number: the output is unusable, and the caller decides whether to retry.
Result<GradeResult> ValidateGrade(const Rubric& rubric, const ProposedGrade& proposed,
                                  const std::map<ChunkId, std::string>& chunk_texts,
                                  ValidationNotes* notes = nullptr);

// Points are kept to two decimals, half away from zero.
double RoundPoints(double points);

// The wire and storage shape of a breakdown: {key: {points, max_points, comment}}.
Json BreakdownToJson(const std::vector<CriterionScore>& breakdown);
Result<std::vector<CriterionScore>> BreakdownFromJson(const Json& json);

// The wire and storage shape of citations: [{reference_id, text, relevance, verified}].
Json CitationsToJson(const std::vector<Citation>& citations);
Result<std::vector<Citation>> CitationsFromJson(const Json& json);

}  // namespace ag
