// The VectorIndex port on Qdrant's REST API (scaled out: QDRANT_HOST, QDRANT_PORT,
// QDRANT_COLLECTION). One collection holds every assignment's chunks: point id = chunk id,
// payload {assignment_id, material_id} (both with a payload index), cosine distance. Searches
// filter on assignment_id; deletions select by filter.
//
// The embedding space is recorded in the collection itself: its vector size, and the model's
// name in the payload of point 0 (chunk ids are positive, and point 0 has no assignment_id, so
// no search ever returns it). A collection of another size or model needs re-indexing (Reset
// drops and recreates it).
//
// Tested against tests/fakes/fake_qdrant.py, which checks each request body against Qdrant's
// documented schema; no Qdrant server runs on the project's machines.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "net/curl_easy.h"
#include "vector/vector_index.h"

namespace ag {

struct QdrantOptions {
  std::string host;  // QDRANT_HOST
  int port = 6333;   // QDRANT_PORT
  bool https = false;
  std::string api_key;                        // QDRANT_API_KEY: the api-key header, when set
  std::string collection = "reference_docs";  // QDRANT_COLLECTION
  EmbeddingSpace space;                       // the embedder's
  int upsert_batch = 256;                     // points per request
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};
};

class QdrantVectorIndex final : public VectorIndex {
 public:
  // Reads the collection's space, creating the collection when it is missing. Unavailable when
  // Qdrant does not answer.
  static Result<std::unique_ptr<QdrantVectorIndex>> Open(QdrantOptions options);

  VectorIndexInfo Info() const override;
  Status Upsert(const std::vector<VectorPoint>& points) override;
  Result<std::vector<VectorHit>> Search(AssignmentId assignment, std::span<const float> query,
                                        int k) override;
  Status DeleteMaterial(MaterialId material) override;
  Status DeleteAssignment(AssignmentId assignment) override;
  Status Reset() override;
  // GET of the collection: readiness.
  Status Ping();

 private:
  explicit QdrantVectorIndex(QdrantOptions options) : options_(std::move(options)) {}
  // One call; `body` a JSON text or empty. Unavailable when Qdrant does not answer or answers
  // 5xx; other statuses are returned for the caller to judge.
  Result<HttpReply> Call(const std::string& method, const std::string& path,
                         const std::string& body);
  // Qdrant's error message of a reply, as a Status of the caller's choosing.
  Status Fail(const HttpReply& reply, std::string_view what);
  Status CreateCollection();
  Status ReadSpace();
  Status DeleteWhere(const char* key, std::int64_t value);

  QdrantOptions options_;
  CurlEasyPool http_;
  mutable std::mutex mu_;
  EmbeddingSpace stored_;
};

}  // namespace ag
