// The Embedder port: text to dense vectors, for vector retrieval (DESIGN.md section 2).
//
// Contract:
// - Embed returns one vector per text, in the order of `texts`, each of dimension() floats.
// - Every vector has unit length (L2 norm 1, to float precision), so that the inner product of
//   two of them is their cosine similarity; except that a text with nothing to embed (empty,
//   only punctuation, or no word the model knows) gives the zero vector. That is not an error:
//   one empty chunk must not fail a batch, and a zero vector is similar to nothing (cosine 0).
//   Callers that must tell the two apart check for an all-zero vector.
// - An empty batch gives an empty result.
// - Errors: InvalidArgument for input the model refuses (a remote adapter's size limits), and
//   for remote adapters Unavailable, DeadlineExceeded or ResourceExhausted, which are retried.
//   A local adapter fails only when constructed (its files are missing or corrupt).
// - model() names the vector space: vectors from embedders with the same model() are
//   comparable, others are not. A VectorIndex records it (vector/vector_index.h) so that
//   vectors of two models are never mixed; it changes whenever the vectors would.
// - Thread-safe: Embed may be called from many threads at once.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace ag {

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual Result<std::vector<std::vector<float>>> Embed(const std::vector<std::string>& texts) = 0;
  virtual int dimension() const = 0;
  virtual std::string model() const = 0;
};

}  // namespace ag
