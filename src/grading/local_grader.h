// The local grader (the default when no LLM is configured): no network, no model download.
// Each rubric criterion is scored by the learned scorer (scoring/answer_scorer.h) from the
// evidence it has: the assignment's graded answers (imported by the instructor, and every
// human override) when there are enough of them, otherwise the answer's coverage of the
// reference answer and the criterion, read by a cross-question model that every graded answer
// in the service trains (how graders score agreement with a reference, learnt on other
// questions), or by the answer's coverage of the reference when there is none yet. Citations
// come from the retrieved course material.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "core/lru_map.h"
#include "grading/grader.h"
#include "grading/overlap_grader.h"
#include "rag/embedder.h"
#include "rag/word_vectors.h"
#include "scoring/answer_scorer.h"
#include "store/store.h"

namespace ag {

struct LocalGraderOptions {
  scoring::ScorerOptions scorer;        // its embedder and word vectors are set by the constructor
  std::size_t cached_assignments = 64;  // trained models kept in memory
  // The cross-question model learns from at most this many assignments (the most recent) and
  // answers per assignment, and only once it has `min_cross_question_answers` in all.
  std::size_t cross_question_assignments = 50;
  std::size_t cross_question_answers_each = 200;
  std::size_t min_cross_question_answers = 30;
};

// How many of an assignment's first submissions its scorers rank an answer among: a power of
// two from 8 (none below 8) up to scoring::kMaxPeers, so the models retrain a few times as
// submissions arrive, not at each one, and the same count always gives the same pool.
int PeerPoolSize(std::int64_t submissions);

class LocalGrader final : public Grader {
 public:
  // `embedder` and `word_vectors` may be null (lexical features only); they must outlive the
  // grader.
  LocalGrader(Store& store, Embedder* embedder, const WordVectors* word_vectors,
              LocalGraderOptions options = {});
  Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token stop) override;

 private:
  struct CrossQuestion {
    GradedAnswersVersion version;                          // over all assignments
    std::shared_ptr<const scoring::GenericScorer> scorer;  // null: too few graded answers
  };
  struct Models {
    int rubric_version = 0;
    GradedAnswersVersion version;
    std::shared_ptr<const CrossQuestion> cross_question;  // kept alive for the scorers
    int examples = 0;
    int peers = 0;  // the assignment's first submissions the scorers rank an answer among
    std::map<std::string, std::unique_ptr<scoring::AnswerScorer>> by_criterion;
  };
  Result<std::shared_ptr<const Models>> ModelsFor(const GradingRequest& request);
  Result<std::shared_ptr<const Models>> Train(const GradingRequest& request,
                                              GradedAnswersVersion version, int peers,
                                              std::shared_ptr<const CrossQuestion> cross);
  Result<std::shared_ptr<const CrossQuestion>> CrossQuestionModel();

  Store& store_;
  LocalGraderOptions options_;
  OverlapGrader citations_;
  std::mutex mu_;
  LruMap<std::int64_t, std::shared_ptr<const Models>> cache_;  // by assignment
  std::shared_ptr<const CrossQuestion> cross_question_;
};

}  // namespace ag
