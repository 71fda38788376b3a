// The Embedder port's remote adapter: an OpenAI-compatible /v1/embeddings endpoint (OpenAI,
// Ollama's /v1, vLLM, a gateway) over the shared libcurl multi driver. Texts go in batches, all
// batches in flight at once; vectors are normalised to unit length (the port's contract), and an
// empty text gets the zero vector without being sent (endpoints refuse empty input). A vector of
// another length than `dimension` is an error: the index's space would be wrong.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/json.h"
#include "llm/curl_multi.h"
#include "rag/embedder.h"

namespace ag {

struct OpenAiEmbedderOptions {
  std::string base_url;  // e.g. https://api.openai.com/v1
  std::string api_key;   // empty: no Authorization header
  std::string model = "text-embedding-3-small";
  int dimension = 1536;
  std::size_t batch = 128;  // texts per request
  std::chrono::milliseconds timeout{60'000};
  int max_attempts = 3;  // per batch: 429, 5xx, timeouts, dropped connections
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_max{30'000};
};

class OpenAiEmbedder final : public Embedder {
 public:
  OpenAiEmbedder(CurlMulti& http, OpenAiEmbedderOptions options);
  Result<std::vector<std::vector<float>>> Embed(const std::vector<std::string>& texts) override;
  int dimension() const override { return options_.dimension; }
  // "openai-embeddings:<model>:<dimension>": another model or size is another space.
  std::string model() const override;

 private:
  Result<std::vector<std::vector<float>>> EmbedBatches(
      const std::vector<std::vector<std::string>>& batches);

  CurlMulti& http_;
  OpenAiEmbedderOptions options_;
  std::string url_;
};

// The wire format, for tests: the request body, and the vectors of an answer in input order.
Json EmbeddingsRequestBody(const std::string& model, const std::vector<std::string>& texts);
Result<std::vector<std::vector<float>>> ParseEmbeddings(const HttpReply& reply, std::size_t count,
                                                        int dimension);

}  // namespace ag
