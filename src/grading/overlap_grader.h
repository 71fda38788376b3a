#pragma once

#include "grading/grader.h"

namespace ag {

struct OverlapGraderOptions {
  // Weighted coverage at which a criterion earns full marks; coverage below scales linearly.
  double full_marks_coverage = 0.6;
  double criterion_weight = 1.0;  // words of the criterion's description and levels
  double reference_weight = 1.0;  // words of the reference answer
  double material_weight = 0.5;   // words of the chunks retrieved for the criterion
  int material_chunks = 3;        // how many of those chunks count
  int material_words = 40;        // the most frequent words taken from them
};

// Word-coverage grading: scores each criterion by how much of the vocabulary that defines it
// (its description, the reference answer, the course material retrieved for it) the answer
// covers, and cites the material sentence that best matches the answer. No network, no model.
// LocalGrader keeps its citations and replaces its points with the learned scorer's.
class OverlapGrader final : public Grader {
 public:
  explicit OverlapGrader(OverlapGraderOptions options = {}) : options_(options) {}
  Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token stop) override;

  // Only the citations Grade() would give: per criterion, the sentence of its retrieved chunks
  // that shares the most words with the answer (each chunk cited once).
  std::vector<ProposedCitation> Citations(const GradingRequest& request) const;

 private:
  std::vector<const RetrievedChunk*> CriterionChunks(const GradingRequest& request,
                                                     const Criterion& criterion) const;

  OverlapGraderOptions options_;
};

}  // namespace ag
