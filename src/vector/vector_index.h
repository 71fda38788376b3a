// The VectorIndex port: the course-material chunks nearest to a query vector, per assignment
// (DESIGN.md section 2; embedded: HnswVectorIndex, scaled out: Qdrant).
//
// Contract:
// - A point is a chunk's embedding, filed under its assignment (searches never cross
//   assignments) and its material (deleted together). Chunk ids are unique across the index, and
//   a chunk never moves to another assignment; within an assignment, upserting a chunk again
//   replaces its vector and material.
// - Vectors have dimension() floats, all finite. The index scales them to unit length, so a
//   score is the cosine similarity, in [-1, 1]; a zero vector is stored and scores 0 with
//   everything.
// - The index records the embedding space (model name and dimension) of its vectors. Opened for
//   another space, it reports needs_reindex() and refuses Upsert and Search with
//   FailedPrecondition until Reset(); vectors of two models are never mixed.
// - Errors: InvalidArgument (naming the field) for bad input; FailedPrecondition when the index
//   needs re-indexing or stored data is corrupt (re-index: Reset, or DeleteAssignment for one
//   assignment, then upsert again); Unavailable when storage fails (retried).
// - Thread-safe: any method may be called from many threads at once. A successful mutation is
//   durable (on disk, for a persistent adapter) when it returns.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"

namespace ag {

struct VectorPoint {
  ChunkId chunk;
  AssignmentId assignment;
  MaterialId material;
  std::vector<float> vector;
};

struct VectorHit {
  ChunkId chunk;
  float score = 0;  // cosine similarity; higher is better
  friend bool operator==(const VectorHit&, const VectorHit&) = default;
};

// An embedding space: the model that made the vectors and their dimension.
struct EmbeddingSpace {
  std::string model;
  int dimension = 0;
  friend bool operator==(const EmbeddingSpace&, const EmbeddingSpace&) = default;
  // "wink-glove-100d-sif-v1 (100-d)"
  std::string ToString() const { return model + " (" + std::to_string(dimension) + "-d)"; }
};

struct VectorIndexInfo {
  EmbeddingSpace expected;  // what the index was opened for: the embedder's space
  EmbeddingSpace stored;    // what the stored vectors came from
  // The stored vectors are of another space: Reset(), then upsert every chunk again.
  bool needs_reindex() const { return !(stored == expected); }
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual VectorIndexInfo Info() const = 0;

  // Adds or replaces the points (the batch may span assignments; a chunk twice in it: the last
  // wins). Not atomic across assignments: after an error some assignments may hold the batch's
  // points and others not; upserting the batch again is safe.
  virtual Status Upsert(const std::vector<VectorPoint>& points) = 0;

  // The assignment's chunks most similar to `query` (dimension() floats), best first, at most
  // k (k >= 1). An assignment without points gives an empty list. Approximate adapters are
  // allowed to miss a few of the true top k (HnswVectorIndex: recall@10 >= 0.95).
  virtual Result<std::vector<VectorHit>> Search(AssignmentId assignment,
                                                std::span<const float> query, int k) = 0;

  // Removes every point of the material, or of the assignment; removing what is absent is OK.
  virtual Status DeleteMaterial(MaterialId material) = 0;
  virtual Status DeleteAssignment(AssignmentId assignment) = 0;

  // Removes every point and records the expected space as the stored one.
  virtual Status Reset() = 0;
};

}  // namespace ag
