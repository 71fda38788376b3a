#pragma once

#include "rag/retriever.h"
#include "store/store.h"

namespace ag {

struct LexicalRetrieverOptions {
  double k1 = 1.2;    // BM25 term-frequency saturation
  double b = 0.75;    // BM25 length normalisation
  double rrf_k = 60;  // reciprocal-rank fusion constant
};

// BM25 over the assignment's chunks read from the Store, per query, fused by reciprocal rank.
// Good enough for the first release; hybrid lexical + vector retrieval replaces it (README).
class LexicalRetriever final : public Retriever {
 public:
  LexicalRetriever(Store& store, LexicalRetrieverOptions options = {})
      : store_(store), options_(options) {}
  Result<Retrieval> Retrieve(AssignmentId assignment, const std::vector<RetrievalQuery>& queries,
                             int top_k) override;

 private:
  Store& store_;
  LexicalRetrieverOptions options_;
};

}  // namespace ag
