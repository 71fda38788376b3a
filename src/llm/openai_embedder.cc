#include "llm/openai_embedder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <future>
#include <thread>

#include "llm/openai_wire.h"

namespace ag {
namespace {

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

void Normalise(std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  norm = std::sqrt(norm);
  if (norm == 0 || !std::isfinite(norm)) {
    std::fill(v.begin(), v.end(), 0.0f);
    return;
  }
  for (float& x : v) x = static_cast<float>(x / norm);
}

bool Transient(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded ||
         code == StatusCode::kResourceExhausted || code == StatusCode::kAborted;
}

}  // namespace

Json EmbeddingsRequestBody(const std::string& model, const std::vector<std::string>& texts) {
  return {{"model", model}, {"input", texts}, {"encoding_format", "float"}};
}

Result<std::vector<std::vector<float>>> ParseEmbeddings(const HttpReply& reply, std::size_t count,
                                                        int dimension) {
  if (reply.status < 200 || reply.status >= 300) {
    // The same mapping as chat completions: 429, 5xx, 401/404, 400.
    return ChatOutcomeFromHttp(reply).reply.status();
  }
  const Json j = ParseJsonOrDiscarded(reply.body);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) {
    return AbortedError("the embeddings endpoint's answer has no data list");
  }
  std::vector<std::vector<float>> out(count);
  std::vector<bool> seen(count, false);
  for (const Json& item : j["data"]) {
    if (!item.is_object() || !item.contains("embedding") || !item["embedding"].is_array()) {
      return AbortedError("an embedding in the answer is not a list of numbers");
    }
    const std::size_t index = item.contains("index") && item["index"].is_number_unsigned()
                                  ? item["index"].get<std::size_t>()
                                  : count;
    if (index >= count || seen[index]) {
      return AbortedError("the embeddings endpoint answered an unknown or repeated index");
    }
    const Json& e = item["embedding"];
    if (static_cast<int>(e.size()) != dimension) {
      return FailedPreconditionError(
          "the embeddings endpoint answered " + std::to_string(e.size()) +
          "-dimensional vectors; EMBEDDING_DIMENSION is " + std::to_string(dimension));
    }
    std::vector<float> v;
    v.reserve(e.size());
    for (const Json& x : e) {
      if (!x.is_number()) return AbortedError("an embedding holds a value that is not a number");
      v.push_back(x.get<float>());
    }
    Normalise(v);
    out[index] = std::move(v);
    seen[index] = true;
  }
  if (std::find(seen.begin(), seen.end(), false) != seen.end()) {
    return AbortedError("the embeddings endpoint answered fewer vectors than texts");
  }
  return out;
}

OpenAiEmbedder::OpenAiEmbedder(CurlMulti& http, OpenAiEmbedderOptions options)
    : http_(http), options_(std::move(options)) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/embeddings";
  options_.batch = std::max<std::size_t>(1, options_.batch);
  options_.max_attempts = std::max(1, options_.max_attempts);
}

std::string OpenAiEmbedder::model() const {
  return "openai-embeddings:" + options_.model + ":" + std::to_string(options_.dimension);
}

Result<std::vector<std::vector<float>>> OpenAiEmbedder::Embed(
    const std::vector<std::string>& texts) {
  std::vector<std::vector<float>> out(texts.size(),
                                      std::vector<float>(static_cast<std::size_t>(dimension())));
  std::vector<std::size_t> sent;  // indexes of the texts that go to the endpoint
  std::vector<std::vector<std::string>> batches;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (Blank(texts[i])) continue;
    if (batches.empty() || batches.back().size() >= options_.batch) batches.emplace_back();
    batches.back().push_back(texts[i]);
    sent.push_back(i);
  }
  if (sent.empty()) return out;
  ASSIGN_OR_RETURN(auto vectors, EmbedBatches(batches));
  for (std::size_t k = 0; k < sent.size(); ++k) out[sent[k]] = std::move(vectors[k]);
  return out;
}

Result<std::vector<std::vector<float>>> OpenAiEmbedder::EmbedBatches(
    const std::vector<std::vector<std::string>>& batches) {
  std::vector<Result<std::vector<std::vector<float>>>> results(
      batches.size(), Status(StatusCode::kInternal, "not sent"));
  std::vector<std::size_t> pending(batches.size());
  for (std::size_t b = 0; b < batches.size(); ++b) pending[b] = b;
  for (int attempt = 1; !pending.empty(); ++attempt) {
    std::vector<std::future<Result<HttpReply>>> replies;
    for (std::size_t b : pending) {
      HttpPost post;
      post.url = url_;
      post.headers = {"Content-Type: application/json"};
      if (!options_.api_key.empty()) {
        post.headers.push_back("Authorization: Bearer " + options_.api_key);
      }
      post.body = DumpJson(EmbeddingsRequestBody(options_.model, batches[b]));
      post.timeout = options_.timeout;
      auto promise = std::make_shared<std::promise<Result<HttpReply>>>();
      replies.push_back(promise->get_future());
      http_.Post(std::move(post), {},
                 [promise](Result<HttpReply> r) { promise->set_value(std::move(r)); });
    }
    std::vector<std::size_t> again;
    std::chrono::milliseconds wait{0};
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t b = pending[k];
      Result<HttpReply> reply = replies[k].get();
      results[b] = reply.ok() ? ParseEmbeddings(*reply, batches[b].size(), dimension())
                              : Result<std::vector<std::vector<float>>>(reply.status());
      if (!results[b].ok() && Transient(results[b].status().code()) &&
          attempt < options_.max_attempts) {
        again.push_back(b);
        if (reply.ok() && reply->retry_after) wait = std::max(wait, *reply->retry_after);
      }
    }
    if (!again.empty()) {
      // Embeddings run on a worker's thread (retrieval), which may wait.
      const auto backoff =
          std::min(options_.backoff_base * (1 << std::min(attempt - 1, 10)), options_.backoff_max);
      std::this_thread::sleep_for(std::min(std::max(wait, backoff), options_.backoff_max));
    }
    pending = std::move(again);
  }
  std::vector<std::vector<float>> all;
  for (auto& r : results) {
    if (!r.ok()) return r.status().WithContext("embeddings");
    for (auto& v : *r) all.push_back(std::move(v));
  }
  return all;
}

}  // namespace ag
