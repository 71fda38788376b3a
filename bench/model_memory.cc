// What a trained local model holds in memory for one rubric criterion, by number of graded
// answers: the local grader caches a model per assignment (LocalGraderOptions::
// cached_assignments), so this is what the cache costs. Heap bytes in use (glibc's mallinfo2)
// after training, minus before; the training's transient memory is not counted.
//
//   model_memory ASAP-SAS-ANSWERS.tsv   (one prompt's answers: the graded examples are its
//                                        first N, every answer is a peer)
#include <malloc.h>

#include <cstdio>

#include "eval/dataset.h"
#include "rag/local_embedder.h"
#include "rag/word_vectors.h"
#include "scoring/answer_scorer.h"

namespace {

double HeapMiB() {
  malloc_trim(0);
  return static_cast<double>(mallinfo2().uordblks) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ag;
  if (argc != 2) {
    std::fprintf(stderr, "usage: model_memory ASAP-SAS-ANSWERS.tsv\n");
    return 2;
  }
  auto data = eval::ReadDataset("asap-sas", argv[1]);
  auto embedder = LocalEmbedder::Open({});
  auto vectors = WordVectors::Open(std::string(kDefaultWordVectorsPath));
  if (!data.ok() || data->questions.size() != 1 || !embedder.ok() || !vectors.ok()) {
    std::fprintf(stderr, "model_memory: needs one prompt's answers and the word vectors\n");
    return 2;
  }
  const eval::Question& q = data->questions.begin()->second;
  scoring::ScorerOptions options;
  options.embedder = embedder->get();
  options.word_vectors = vectors->get();
  const scoring::ScoreScale scale{q.min_score, q.max_score, q.levels};
  const double range = q.max_score - q.min_score;

  std::printf("%-16s %8s %12s\n", "graded answers", "peers", "model MiB");
  for (std::size_t n : {0, 50, 200, 1000}) {
    scoring::QuestionContext context{q.text, q.references, q.rubric, {}};
    std::vector<scoring::GradedExample> examples;
    for (const auto& a : data->answers) {
      context.peers.push_back(a.text);
      if (examples.size() < n) examples.push_back({a.text, (a.score - q.min_score) / range});
    }
    const std::size_t peers = context.peers.size();
    const double before = HeapMiB();
    auto scorer = scoring::AnswerScorer::Build(std::move(context), std::move(examples), scale,
                                               nullptr, options);
    if (!scorer.ok()) return 1;
    std::printf("%-16zu %8zu %12.1f\n", n, peers, HeapMiB() - before);
  }
  return 0;
}
