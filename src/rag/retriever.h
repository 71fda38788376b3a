// The Retriever port: the course material most relevant to a grading question.
//
// Contract: Retrieve runs every query against the assignment's chunks and returns, per query,
// the ids of the best chunks (at most top_k), and the union of all of them with their fused
// scores, best first (reciprocal-rank fusion over the queries). An assignment without material
// yields empty lists, not an error. Thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"

namespace ag {

struct RetrievalQuery {
  std::string label;  // "answer", or the rubric criterion's key
  std::string text;
};

struct RetrievedChunk {
  ChunkId id;
  std::string heading;
  std::string filename;
  std::string text;
  double score = 0;  // fused; higher is better
};

struct Retrieval {
  std::vector<RetrievedChunk> chunks;                    // union, best first
  std::map<std::string, std::vector<ChunkId>> by_query;  // label -> best first
  const RetrievedChunk* Find(ChunkId id) const;
};

class Retriever {
 public:
  virtual ~Retriever() = default;
  virtual Result<Retrieval> Retrieve(AssignmentId assignment,
                                     const std::vector<RetrievalQuery>& queries, int top_k) = 0;
};

}  // namespace ag
