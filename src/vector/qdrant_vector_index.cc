#include "vector/qdrant_vector_index.h"

#include "core/json.h"
#include "vector/vector_checks.h"

namespace ag {
namespace {

constexpr std::int64_t kSpacePoint = 0;  // holds the model's name; chunk ids are positive

Json MatchFilter(const char* key, std::int64_t value) {
  return Json{{"must", Json::array({Json{{"key", key}, {"match", Json{{"value", value}}}}})}};
}

Status NeedsReindexError(const EmbeddingSpace& stored, const EmbeddingSpace& expected) {
  return FailedPreconditionError("the Qdrant collection holds vectors of " + stored.ToString() +
                                 ", the embedder makes " + expected.ToString() +
                                 ": re-index the course material");
}

}  // namespace

Result<std::unique_ptr<QdrantVectorIndex>> QdrantVectorIndex::Open(QdrantOptions options) {
  if (options.host.empty()) return InvalidArgumentError("QDRANT_HOST is empty", {"QDRANT_HOST"});
  bool name_ok = !options.collection.empty() && options.collection.size() <= 255;
  for (char c : options.collection) {
    name_ok = name_ok &&
              (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  }
  if (!name_ok) {
    return InvalidArgumentError("QDRANT_COLLECTION: letters, digits, '_', '-' and '.' only, got '" +
                                    options.collection + "'",
                                {"QDRANT_COLLECTION"});
  }
  if (options.space.dimension < 1) {
    return InvalidArgumentError("the embedding dimension must be positive", {"dimension"});
  }
  std::unique_ptr<QdrantVectorIndex> index(new QdrantVectorIndex(std::move(options)));
  RETURN_IF_ERROR(index->ReadSpace());
  return index;
}

Result<HttpReply> QdrantVectorIndex::Call(const std::string& method, const std::string& path,
                                          const std::string& body) {
  HttpCall call;
  call.method = method;
  call.url = (options_.https ? "https://" : "http://") + options_.host + ":" +
             std::to_string(options_.port) + "/collections/" + options_.collection + path;
  call.headers.push_back("Content-Type: application/json");
  if (!options_.api_key.empty()) call.headers.push_back("api-key: " + options_.api_key);
  call.body = body;
  call.connect_timeout = options_.connect_timeout;
  call.timeout = options_.timeout;
  ASSIGN_OR_RETURN(HttpReply reply, http_.Send(call));
  if (reply.status >= 500) return Fail(reply, method + " " + path);
  return reply;
}

Status QdrantVectorIndex::Fail(const HttpReply& reply, std::string_view what) {
  const Json body = ParseJsonOrDiscarded(reply.body);
  std::string message = "Qdrant ";
  message.append(what).append(" answered HTTP ").append(std::to_string(reply.status));
  if (body.is_object() && body.contains("status") && body["status"].is_object()) {
    message.append(": ").append(body["status"].value("error", ""));
  }
  if (reply.status >= 500 || reply.status == 429) return UnavailableError(message);
  if (reply.status == 401 || reply.status == 403) {
    return FailedPreconditionError(message + " (check QDRANT_API_KEY)");
  }
  // Anything else is a request this adapter should not have made.
  return InternalError(message);
}

Status QdrantVectorIndex::CreateCollection() {
  const Json create{{"vectors", Json{{"size", options_.space.dimension}, {"distance", "Cosine"}}}};
  ASSIGN_OR_RETURN(auto made, Call("PUT", "", DumpJson(create)));
  // 409: another replica made it meanwhile.
  if (made.status != 200 && made.status != 409) return Fail(made, "create collection");
  for (const char* field : {"assignment_id", "material_id"}) {
    const Json index{{"field_name", field}, {"field_schema", "integer"}};
    ASSIGN_OR_RETURN(auto r, Call("PUT", "/index?wait=true", DumpJson(index)));
    if (r.status != 200) return Fail(r, "create payload index");
  }
  std::vector<float> marker(static_cast<std::size_t>(options_.space.dimension), 0.0f);
  marker[0] = 1.0f;
  const Json point{{"id", kSpacePoint},
                   {"vector", marker},
                   {"payload", Json{{"embedding_model", options_.space.model}}}};
  ASSIGN_OR_RETURN(
      auto r, Call("PUT", "/points?wait=true", DumpJson(Json{{"points", Json::array({point})}})));
  if (r.status != 200) return Fail(r, "record the embedding model");
  return OkStatus();
}

Status QdrantVectorIndex::ReadSpace() {
  ASSIGN_OR_RETURN(auto got, Call("GET", "", ""));
  if (got.status == 404) {
    RETURN_IF_ERROR(CreateCollection());
    std::lock_guard lock(mu_);
    stored_ = options_.space;
    return OkStatus();
  }
  if (got.status != 200) return Fail(got, "read collection");
  const Json info = ParseJsonOrDiscarded(got.body);
  EmbeddingSpace stored;
  const Json* vectors = nullptr;
  if (info.is_object() && info.contains("result")) {
    const Json& r = info["result"];
    if (r.contains("config") && r["config"].contains("params") &&
        r["config"]["params"].contains("vectors")) {
      vectors = &r["config"]["params"]["vectors"];
    }
  }
  if (vectors != nullptr && vectors->is_object()) {
    stored.dimension = vectors->value("size", 0);
    if (vectors->value("distance", "") != "Cosine") stored.dimension = 0;  // not ours to use
  }
  ASSIGN_OR_RETURN(auto marker, Call("GET", "/points/" + std::to_string(kSpacePoint), ""));
  if (marker.status == 200) {
    const Json m = ParseJsonOrDiscarded(marker.body);
    if (m.is_object() && m.contains("result") && m["result"].is_object() &&
        m["result"].contains("payload") && m["result"]["payload"].is_object()) {
      stored.model = m["result"]["payload"].value("embedding_model", "");
    }
  } else if (marker.status != 404) {
    return Fail(marker, "read the embedding model");
  }
  std::lock_guard lock(mu_);
  stored_ = stored;
  return OkStatus();
}

VectorIndexInfo QdrantVectorIndex::Info() const {
  std::lock_guard lock(mu_);
  return {options_.space, stored_};
}

Status QdrantVectorIndex::Upsert(const std::vector<VectorPoint>& points) {
  RETURN_IF_ERROR(CheckPoints(points, options_.space.dimension));
  if (const auto info = Info(); info.needs_reindex()) {
    return NeedsReindexError(info.stored, info.expected);
  }
  // A chunk twice in the batch: the last wins, as it would in one request.
  for (std::size_t start = 0; start < points.size();
       start += static_cast<std::size_t>(options_.upsert_batch)) {
    const std::size_t end =
        std::min(points.size(), start + static_cast<std::size_t>(options_.upsert_batch));
    Json batch = Json::array();
    for (std::size_t i = start; i < end; ++i) {
      const VectorPoint& p = points[i];
      batch.push_back({{"id", p.chunk.value()},
                       {"vector", UnitVector(p.vector)},
                       {"payload", Json{{"assignment_id", p.assignment.value()},
                                        {"material_id", p.material.value()}}}});
    }
    ASSIGN_OR_RETURN(auto r, Call("PUT", "/points?wait=true", DumpJson(Json{{"points", batch}})));
    if (r.status != 200) return Fail(r, "upsert points");
  }
  return OkStatus();
}

Result<std::vector<VectorHit>> QdrantVectorIndex::Search(AssignmentId assignment,
                                                         std::span<const float> query, int k) {
  RETURN_IF_ERROR(CheckQuery(query, k, options_.space.dimension));
  if (const auto info = Info(); info.needs_reindex()) {
    return NeedsReindexError(info.stored, info.expected);
  }
  const Json request{{"vector", UnitVector(query)},
                     {"limit", k},
                     {"filter", MatchFilter("assignment_id", assignment.value())},
                     {"with_payload", false},
                     {"with_vector", false}};
  ASSIGN_OR_RETURN(auto r, Call("POST", "/points/search", DumpJson(request)));
  if (r.status != 200) return Fail(r, "search");
  const Json body = ParseJsonOrDiscarded(r.body);
  std::vector<VectorHit> hits;
  if (!body.is_object() || !body.contains("result") || !body["result"].is_array()) {
    return InternalError("Qdrant search answered without a result list");
  }
  for (const Json& hit : body["result"]) {
    if (!hit.is_object() || !hit.contains("id") || !hit["id"].is_number_integer()) continue;
    hits.push_back({ChunkId(hit["id"].get<std::int64_t>()), hit.value("score", 0.0f)});
  }
  return hits;
}

Status QdrantVectorIndex::DeleteWhere(const char* key, std::int64_t value) {
  ASSIGN_OR_RETURN(auto r, Call("POST", "/points/delete?wait=true",
                                DumpJson(Json{{"filter", MatchFilter(key, value)}})));
  if (r.status == 404) return OkStatus();  // no collection, nothing to delete
  if (r.status != 200) return Fail(r, "delete points");
  return OkStatus();
}

Status QdrantVectorIndex::DeleteMaterial(MaterialId material) {
  return DeleteWhere("material_id", material.value());
}

Status QdrantVectorIndex::DeleteAssignment(AssignmentId assignment) {
  return DeleteWhere("assignment_id", assignment.value());
}

Status QdrantVectorIndex::Reset() {
  ASSIGN_OR_RETURN(auto r, Call("DELETE", "", ""));
  if (r.status != 200 && r.status != 404) return Fail(r, "delete collection");
  RETURN_IF_ERROR(CreateCollection());
  std::lock_guard lock(mu_);
  stored_ = options_.space;
  return OkStatus();
}

Status QdrantVectorIndex::Ping() {
  ASSIGN_OR_RETURN(auto r, Call("GET", "", ""));
  if (r.status != 200) return Fail(r, "read collection");
  return OkStatus();
}

}  // namespace ag
