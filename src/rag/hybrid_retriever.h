// Hybrid retrieval: BM25 over the assignment's chunks next to vector search (Embedder +
// VectorIndex), fused per query by reciprocal rank, then across queries the same way.
// The BM25 index of an assignment is built once and cached until its chunks change
// (Store::GetChunksVersion); building it also (re)files the chunks' vectors in the index, so
// an index that was reset or lost is repaired by the next grade. Without an embedder or an
// index it is lexical only.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/lru_map.h"
#include "rag/embedder.h"
#include "rag/retriever.h"
#include "store/store.h"
#include "vector/vector_index.h"

namespace ag {

struct HybridRetrieverOptions {
  double k1 = 1.2;      // BM25 term-frequency saturation
  double b = 0.75;      // BM25 length normalisation
  double rrf_k = 60;    // reciprocal-rank fusion constant
  int candidates = 20;  // per query and per method, before fusion (at least top_k)
  std::size_t cached_assignments = 64;
};

class HybridRetriever final : public Retriever {
 public:
  // `embedder` and `index` may both be null (lexical only); they must outlive the retriever.
  HybridRetriever(Store& store, Embedder* embedder, VectorIndex* index,
                  HybridRetrieverOptions options = {});
  Result<Retrieval> Retrieve(AssignmentId assignment, const std::vector<RetrievalQuery>& queries,
                             int top_k) override;

 private:
  struct Corpus {
    ChunksVersion version;
    std::vector<Chunk> chunks;
    std::unordered_map<std::string, std::vector<std::pair<std::uint32_t, float>>> postings;
    std::vector<float> length;
    double avg_length = 1;
  };
  Result<std::shared_ptr<const Corpus>> CorpusFor(AssignmentId assignment);
  Result<std::shared_ptr<const Corpus>> Build(AssignmentId assignment, ChunksVersion version);
  std::vector<std::pair<double, std::uint32_t>> Lexical(const Corpus& c, const std::string& text,
                                                        int n) const;

  Store& store_;
  Embedder* embedder_;
  VectorIndex* index_;
  HybridRetrieverOptions options_;
  std::mutex mu_;
  LruMap<std::int64_t, std::shared_ptr<const Corpus>> cache_;  // by assignment
};

}  // namespace ag
